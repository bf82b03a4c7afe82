"""The other R4 resource types: stored, versioned and validated by their R4B model, searched by _id,
_lastUpdated, _tag, _profile, identifier, their Patient-compartment links and url/version/name/title/status.

Their search parameters are derived from the model's elements (`patient`, `subject`, `encounter`, ...)
rather than copied from the R4 table one by one; each derived parameter has R4's code and meaning.
"""

import re

from fhir.resources.R4B import get_fhir_model_class

from gateway.fhir.patient_compartment import PATIENT_COMPARTMENT
from gateway.fhir.r4_types import SERVABLE_TYPES
from gateway.fhir.search_parameters import SearchParameter, SearchType

# Every R4 type the R4B models cover (the core types are declared in `resource_types.py` and left out there).
GENERIC_TYPES = SERVABLE_TYPES

# Every one of them has a GraphQL face too (read, List, Connection, reverse lists, mutations); the schema
# stays small because reverse lists sit only where a reference parameter names the type (schema/served.py).
GRAPHQL_TYPES = frozenset(GENERIC_TYPES)

# (element, search code, targets, keep only references to the targets): the R4 parameters that link a
# resource to a patient or encounter, named as R4 names them.
_LINKS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("patient", "patient", ("Patient",), False),
    ("beneficiary", "patient", ("Patient",), False),  # Coverage
    ("subject", "subject", (), False),
    ("subject", "patient", ("Patient",), True),
    ("target", "target", (), False),  # Provenance
    ("target", "patient", ("Patient",), True),
    ("encounter", "encounter", ("Encounter",), False),
    ("context", "encounter", ("Encounter",), True),  # R4 MedicationAdministration.context
)


def _field_type(resource_type: str, element: str) -> str:
    field = get_fhir_model_class(resource_type).model_fields.get(element)
    return "" if field is None else str(field.annotation)


def _is_reference(resource_type: str, element: str) -> bool:
    return re.search(r"\bReferenceType\b", _field_type(resource_type, element)) is not None


# (element, R4 code, search type, the primitive the element must be): the metadata parameters R4 gives the
# conformance, terminology and knowledge types (and a few others) that have these elements.
_METADATA: tuple[tuple[str, str, SearchType, str], ...] = (
    ("url", "url", "uri", "Uri"),
    ("version", "version", "token", "String"),
    ("name", "name", "string", "String"),
    ("title", "title", "string", "String"),
    ("status", "status", "token", "Code"),
)


def _metadata_parameters(resource_type: str) -> list[SearchParameter]:
    found = []
    for element, code, kind, primitive in _METADATA:
        annotation = _field_type(resource_type, element)
        if re.search(rf"\b{primitive}\(\)", annotation) and "List" not in annotation:
            found.append(
                SearchParameter(
                    code, kind, f"{resource_type}.{element}", f"The {element} of the {resource_type}"
                )
            )
    return found


def _compartment_parameters(resource_type: str, known: set[str]) -> list[SearchParameter]:
    """The Patient compartment's reference parameters not derived already (`performer`, `author`, ...)."""
    return [
        SearchParameter(code, "reference", expression, f"{expression} (Patient compartment)")
        for code, expression in PATIENT_COMPARTMENT.get(resource_type, ())
        if code not in known
    ]


def link_parameters(resource_type: str) -> tuple[SearchParameter, ...]:
    found: dict[str, SearchParameter] = {}
    if "identifier" in get_fhir_model_class(resource_type).model_fields:
        # R4 gives nearly every type `identifier`; conditional creates and references (Synthea) use it.
        found["identifier"] = SearchParameter(
            "identifier", "token", f"{resource_type}.identifier", "An identifier of the resource"
        )
    for element, code, targets, only in _LINKS:
        if code in found or not _is_reference(resource_type, element):
            continue
        found[code] = SearchParameter(
            code,
            "reference",
            f"{resource_type}.{element}",
            f"{resource_type}.{element}" + (f" (if {' or '.join(targets)})" if only else ""),
            targets=targets,
            only_targets=only,
        )
    for parameter in _compartment_parameters(resource_type, set(found)):
        found[parameter.code] = parameter
    for parameter in _metadata_parameters(resource_type):
        found.setdefault(parameter.code, parameter)
    return tuple(found.values())
