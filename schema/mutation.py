"""The Mutation root: `PatientCreate`, `PatientUpdate`, `PatientDelete`, through the same service as REST."""

import inspect
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.fhir.resource_types import ResourceDefinition
from gateway.service.versions import parse_etag
from schema.context import GraphQLContext
from schema.input_json import input_json
from schema.signature import with_signature

_IF_MATCH = Annotated[
    str | None,
    strawberry.argument(description='The version the change is based on: an ETag (W/"3") or a versionId (3)'),
]


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else parse_etag(value)


def _resource(definition: ResourceDefinition, res: Any, resource_id: str | None = None) -> dict[str, Any]:
    """The input as FHIR JSON; resourceType and (on update) id may be left to the arguments."""
    resource: dict[str, Any] = {"resourceType": definition.name, **input_json(res)}
    if resource_id is not None:
        resource.setdefault("id", resource_id)
    return resource


def _parameter(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=annotation,
        default=None if name == "ifMatch" else inspect.Parameter.empty,
    )


def create_field(definition: ResourceDefinition, output: type, input_type: type) -> Any:
    async def resolve(info: Info, **arguments: Any) -> Any:
        context: GraphQLContext = info.context
        outcome = await context.service.create(
            definition.name, _resource(definition, arguments["res"]), base_url=context.base_url
        )
        return outcome.version.resource

    resolver = with_signature(resolve, [_parameter("res", input_type)], output | None)
    return strawberry.mutation(
        resolver=resolver,
        name=f"{definition.name}Create",
        description=f"Create a {definition.name}; the server assigns its id",
    )


def update_field(definition: ResourceDefinition, output: type, input_type: type) -> Any:
    async def resolve(info: Info, **arguments: Any) -> Any:
        context: GraphQLContext = info.context
        resource_id = arguments["id"]
        outcome = await context.service.update(
            definition.name,
            resource_id,
            _resource(definition, arguments["res"], resource_id),
            _if_match(arguments.get("ifMatch")),
        )
        return outcome.version.resource

    parameters = [
        _parameter("id", strawberry.ID),
        _parameter("res", input_type),
        _parameter("ifMatch", _IF_MATCH),
    ]
    return strawberry.mutation(
        resolver=with_signature(resolve, parameters, output | None),
        name=f"{definition.name}Update",
        description=f"Replace the {definition.name} with this id (or create it with this id)",
    )


def delete_field(definition: ResourceDefinition) -> Any:
    async def resolve(info: Info, **arguments: Any) -> bool | None:
        context: GraphQLContext = info.context
        deletion = await context.service.delete(
            definition.name, arguments["id"], _if_match(arguments.get("ifMatch"))
        )
        return deletion is not None

    parameters = [_parameter("id", strawberry.ID), _parameter("ifMatch", _IF_MATCH)]
    return strawberry.mutation(
        resolver=with_signature(resolve, parameters, bool | None),
        name=f"{definition.name}Delete",
        description="Delete it; true when a deletion was recorded, false when it was already deleted",
    )


def mutation_type(
    definitions: list[ResourceDefinition], outputs: dict[str, type], inputs: dict[str, type]
) -> type:
    fields: dict[str, Any] = {}
    for definition in definitions:
        if definition.server_written:  # the audit trail: read and searched, never written by clients
            continue
        output, input_type = outputs[definition.name], inputs[definition.name]
        fields[f"{definition.name}Create"] = create_field(definition, output, input_type)
        fields[f"{definition.name}Update"] = update_field(definition, output, input_type)
        fields[f"{definition.name}Delete"] = delete_field(definition)
    return strawberry.type(type("Mutation", (), fields), name="Mutation")
