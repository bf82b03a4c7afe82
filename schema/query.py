"""The Query root: `Patient(id)`, `PatientList`, `PatientConnection` per resource, `CapabilityStatement`."""

import inspect
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.fhir.capability import capability_statement
from gateway.fhir.resource_types import ResourceDefinition
from gateway.service.search import DEFAULT_COUNT
from schema.connection import connection_type, connection_value, decode_cursor, page_request
from schema.context import GraphQLContext
from schema.search_arguments import search_arguments, search_pairs
from schema.signature import with_signature


async def search_resources(
    context: GraphQLContext, resource_type: str, pairs: list[tuple[str, str]]
) -> tuple[int | None, list[dict[str, Any]]]:
    count = dict(pairs).get("_count", str(DEFAULT_COUNT))
    context.reserve(
        int(count) if count.isascii() and count.isdigit() and len(count) < 10 else 0
    )  # a bad _count is the service's error to report
    outcome = await context.service.search(resource_type, pairs, context.base_url, strict=True)
    return outcome.page.total, [version.resource or {} for version in outcome.page.items]


def read_field(definition: ResourceDefinition, output: type) -> Any:
    async def resolve(info: Info, **arguments: Any) -> Any:
        context: GraphQLContext = info.context
        return (await context.service.read(definition.name, arguments["id"])).resource

    identifier = inspect.Parameter("id", inspect.Parameter.KEYWORD_ONLY, annotation=strawberry.ID)
    return strawberry.field(
        resolver=with_signature(resolve, [identifier], output | None),
        name=definition.name,
        description=f"The {definition.name} with this id",
    )


def list_field(definition: ResourceDefinition, output: Any) -> Any:
    async def resolve(info: Info, **arguments: Any) -> Any:
        # A list shows no total: counting the matches would cost a read of each (up to the cap) per list.
        pairs = [*search_pairs(definition, arguments), ("_total", "none")]
        _, resources = await search_resources(info.context, definition.name, pairs)
        return resources

    returns = list[output | None] | None
    return strawberry.field(
        resolver=with_signature(resolve, search_arguments(definition), returns),
        name=f"{definition.name}List",
        description=f"Search {definition.name} resources (FHIR search parameters)",
    )


def connection_field(definition: ResourceDefinition, output: type) -> Any:
    async def resolve(info: Info, **arguments: Any) -> Any:
        cursor = arguments.pop("_cursor", None)
        page = (
            decode_cursor(cursor)
            if cursor is not None
            else page_request(search_pairs(definition, arguments), DEFAULT_COUNT)
        )
        # A Connection's `count` and cursors are the total's: it asks for the count a Bundle leaves out.
        pairs = [*page.search_pairs(), ("_total", "accurate")]
        total, resources = await search_resources(info.context, definition.name, pairs)
        return connection_value(page, total or 0, resources)

    cursor = inspect.Parameter("_cursor", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=str | None)
    returns = connection_type(definition.name, output) | None
    return strawberry.field(
        resolver=with_signature(resolve, [*search_arguments(definition), cursor], returns),
        name=f"{definition.name}Connection",
        description=f"Search {definition.name} resources one page at a time "
        "(a `_cursor` carries the whole search and replaces the other arguments)",
    )


def capability_field(output: type) -> Any:
    """`CapabilityStatement` is the server's own statement (as /metadata); with an id, a stored one, read
    like any other type (HL7's `<Type>(id:)`): one field serves both, since GraphQL names must differ."""

    async def resolve(info: Info, **arguments: Any) -> Any:
        context: GraphQLContext = info.context
        if arguments.get("id") is None:
            return capability_statement(context.base_url, context.published, context.security)
        return (await context.service.read("CapabilityStatement", arguments["id"])).resource

    identifier = inspect.Parameter(
        "id", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=strawberry.ID | None
    )
    return strawberry.field(
        resolver=with_signature(resolve, [identifier], output | None),
        name="CapabilityStatement",
        description="What this server does, as /metadata says; with `id`, the stored CapabilityStatement",
    )


def query_type(definitions: list[ResourceDefinition], outputs: dict[str, type]) -> type:
    fields: dict[str, Any] = {"CapabilityStatement": capability_field(outputs["CapabilityStatement"])}
    for definition in definitions:
        output = outputs[definition.name]
        if definition.name not in fields:
            fields[definition.name] = read_field(definition, output)
        fields[f"{definition.name}List"] = list_field(definition, output)
        fields[f"{definition.name}Connection"] = connection_field(definition, output)
    return strawberry.type(type("Query", (), fields), name="Query")
