"""Patient compartment search (`GET Patient/{id}/{type}`): a search of `type` restricted to the resources
the R4 CompartmentDefinition places in that patient's compartment.

The restriction is the search parameter `_compartment=Patient/{id}`, so a compartment search is an
ordinary search: the caller's access applies to it like to any other, and its paging links work as they are.
"""

from gateway.fhir.errors import BadRequest
from gateway.fhir.patient_compartment import compartment_parameters
from gateway.fhir.resource_types import ResourceDefinition
from gateway.service.search_values import reference_condition
from gateway.service.versions import check_id
from gateway.store.criteria import AnyOf, Condition, IdIn

COMPARTMENT_PARAMETER = "_compartment"


def compartment_condition(definition: ResourceDefinition, value: str, base_url: str) -> Condition:
    """Resources of `definition`'s type in the compartment `Patient/{id}` (any of its compartment links)."""
    kind, _, patient_id = value.partition("/")
    if kind != "Patient" or not patient_id:
        raise BadRequest(
            f"{COMPARTMENT_PARAMETER} takes Patient/[id] (the Patient compartment), not {value!r}",
            expression=(COMPARTMENT_PARAMETER,),
        )
    check_id(patient_id)
    conditions: list[Condition] = [IdIn((patient_id,))] if definition.name == "Patient" else []
    for code in compartment_parameters(definition.name):
        parameter = definition.search_parameter(code)
        if parameter is not None:
            conditions.append(reference_condition(parameter, f"Patient/{patient_id}", "", base_url))
    if not conditions:
        raise BadRequest(
            f"{definition.name} resources are never in a Patient compartment",
            expression=(COMPARTMENT_PARAMETER,),
        )
    return conditions[0] if len(conditions) == 1 else AnyOf(tuple(conditions))
