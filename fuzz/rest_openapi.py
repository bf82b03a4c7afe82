"""An OpenAPI 3 description of the REST face for schemathesis (the app serves none: its routes read the raw
request to keep FHIR's own parameter rules). Parameters are typed loosely on purpose (strings, free JSON), so
the fuzzer sends the malformed values a hostile client would; every answer must still be < 500."""

from typing import Any

_TYPES = ("Patient", "Observation")
_SEARCH = [
    "_count",
    "_offset",
    "_sort",
    "_page_token",
    "_total",
    "_summary",
    "_elements",
    "_id",
    "_lastUpdated",
    "_include",
    "_revinclude",
]
_PATIENT = ["family", "given", "name", "birthdate", "gender", "identifier", "active", "address-city"]
_OBSERVATION = ["code", "subject", "date", "value-quantity", "status", "patient"]
_FHIR_JSON = "application/fhir+json"
_OUTCOME = {"description": "a FHIR resource, Bundle or OperationOutcome"}


def _query(names: list[str]) -> list[dict[str, Any]]:
    return [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in names]


def _path(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names]


def _body(resource_type: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            "resourceType": {"type": "string", "enum": [resource_type]},
            "id": {"type": "string"},
            "active": {},
            "name": {},
            "birthDate": {},
            "gender": {},
            "status": {},
            "code": {},
            "subject": {},
            "valueQuantity": {},
            "extension": {},
        },
        "required": ["resourceType"],
    }
    return {"required": True, "content": {_FHIR_JSON: {"schema": schema}}}


def _operation(operation_id: str, **extra: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": {"default": _OUTCOME}, **extra}


def spec() -> dict[str, Any]:
    paths: dict[str, Any] = {"/metadata": {"get": _operation("capabilities")}}
    for name in _TYPES:
        parameters = _query(_SEARCH + (_PATIENT if name == "Patient" else _OBSERVATION))
        paths[f"/{name}"] = {
            "get": _operation(f"search{name}", parameters=parameters),
            "post": _operation(f"create{name}", requestBody=_body(name)),
        }
        form = {
            "type": "object",
            "properties": {item["name"]: {"type": "string"} for item in parameters},
        }
        paths[f"/{name}/_search"] = {
            "post": _operation(
                f"searchPost{name}",
                requestBody={
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": form}},
                },
            )
        }
        paths[f"/{name}/_history"] = {
            "get": _operation(f"typeHistory{name}", parameters=_query(["_count", "_since", "_page_token"]))
        }
        paths[f"/{name}/{{id}}"] = {
            "get": _operation(f"read{name}", parameters=_path("id")),
            "put": _operation(f"update{name}", parameters=_path("id"), requestBody=_body(name)),
            "delete": _operation(f"delete{name}", parameters=_path("id")),
        }
        paths[f"/{name}/{{id}}/_history"] = {
            "get": _operation(f"history{name}", parameters=_path("id") + _query(["_count", "_since"]))
        }
        paths[f"/{name}/{{id}}/_history/{{vid}}"] = {
            "get": _operation(f"vread{name}", parameters=_path("id", "vid"))
        }
    paths["/"] = {
        "post": _operation(
            "transaction",
            requestBody={
                "required": True,
                "content": {
                    _FHIR_JSON: {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "resourceType": {"type": "string", "enum": ["Bundle"]},
                                "type": {"type": "string", "enum": ["transaction", "batch"]},
                                "entry": {"type": "array", "items": {"type": "object"}},
                            },
                            "required": ["resourceType", "type"],
                        }
                    }
                },
            },
        )
    }
    paths["/$graphql"] = {
        "post": _operation(
            "graphql",
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"query": {"type": "string"}, "variables": {"type": "object"}},
                            "required": ["query"],
                        }
                    }
                },
            },
        )
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "fhir-gateway REST face (for fuzzing)", "version": "1"},
        "paths": paths,
    }
