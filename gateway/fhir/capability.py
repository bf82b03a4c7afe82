"""The CapabilityStatement, built from the resource definitions so it says exactly what the server does."""

from typing import Any

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS, ResourceDefinition

SOFTWARE_NAME = "fhir-gateway"
SOFTWARE_VERSION = "0.1.0"
FORMATS = ["application/fhir+json", "json", "application/fhir+xml", "xml"]
PATCH_FORMATS = ["application/json-patch+json", "application/fhir+json", "application/merge-patch+json"]
TYPE_INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)
WRITE_INTERACTIONS = ("create", "update", "patch", "delete")
VALIDATE_OPERATION = {
    "name": "validate",
    "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
}
EVERYTHING_OPERATION = {
    "name": "everything",
    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
}
GRAPHQL_OPERATION = {
    "name": "graphql",
    "definition": "http://hl7.org/fhir/OperationDefinition/Resource-graphql",
}
RESULT_PARAMETERS = ("_count", "_offset", "_sort", "_total", "_summary", "_elements")


def _search_parameter(resource_type: str, code: str, kind: str, documentation: str) -> dict[str, Any]:
    name = code.removeprefix("_")
    definition = (
        f"http://hl7.org/fhir/SearchParameter/Resource-{name}"
        if code.startswith("_")
        else f"http://hl7.org/fhir/SearchParameter/{resource_type}-{code}"
    )
    return {"name": code, "definition": definition, "type": kind, "documentation": documentation}


def _resource(definition: ResourceDefinition) -> dict[str, Any]:
    return {
        "type": definition.name,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{definition.name}",
        "interaction": [
            {"code": code}
            for code in TYPE_INTERACTIONS
            if not (definition.server_written and code in WRITE_INTERACTIONS)
        ],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": not definition.server_written,
        "conditionalCreate": not definition.server_written,
        "conditionalRead": "not-supported",
        "conditionalUpdate": not definition.server_written,
        "conditionalDelete": "not-supported" if definition.server_written else "single",
        "searchParam": [
            _search_parameter(definition.name, parameter.code, parameter.type, parameter.description)
            for parameter in definition.search_parameters
        ],
    } | _operations(definition)


def _operations(definition: ResourceDefinition) -> dict[str, Any]:
    operations = [] if definition.server_written else [{**VALIDATE_OPERATION}]
    if definition.name == "Patient":
        operations.append({**EVERYTHING_OPERATION})
    if definition.graphql:
        operations.append({**GRAPHQL_OPERATION})  # instance: /{type}/{id}/$graphql
    return {"operation": operations} if operations else {}


def capability_statement(
    base_url: str, published: str, security: dict[str, Any] | None = None
) -> dict[str, Any]:
    rest: dict[str, Any] = {"mode": "server"}
    if security is not None:
        rest["security"] = security
    return {
        "resourceType": "CapabilityStatement",
        "id": "fhir-gateway",
        "url": f"{base_url}/metadata",
        "name": "FhirGateway",
        "title": "fhir-gateway FHIR R4 server",
        "status": "active",
        "experimental": False,
        "date": published,
        "publisher": "fhir-gateway",
        "kind": "instance",
        "software": {"name": SOFTWARE_NAME, "version": SOFTWARE_VERSION},
        "implementation": {"description": "fhir-gateway REST shim", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": FORMATS,
        "patchFormat": PATCH_FORMATS,
        "rest": [
            {
                **rest,
                "documentation": "Result parameters: "
                + ", ".join(RESULT_PARAMETERS)
                + ". Unknown parameters are ignored and reported unless `Prefer: handling=strict`. "
                "Patient compartment search: GET Patient/[id]/[type] and Patient/[id]/*.",
                "compartment": ["http://hl7.org/fhir/CompartmentDefinition/patient"],
                "resource": [_resource(definition) for definition in RESOURCE_DEFINITIONS.values()],
                "operation": [{**GRAPHQL_OPERATION}],  # system level: /$graphql (and /graphql with GraphiQL)
            }
        ],
    }
