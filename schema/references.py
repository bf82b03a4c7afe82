"""GraphQL references (HL7 graphql.html): `Reference.resource` and reverse lists inside each resource.

`subject { resource(optional: true, type: "Patient") { ... on Patient { name { family } } } }` resolves a
local reference; `Patient { ObservationList(_reference: "subject", code: ["8867-4"]) { id } }` lists the
Observations whose `subject` is this Patient. Both go through the request's DataLoaders (schema/loaders.py).
"""

import inspect
import re
from typing import Annotated, Any, Union

import strawberry
from strawberry.types import Info

from gateway.fhir.errors import BadRequest, NotFound
from gateway.fhir.resource_types import GRAPHQL_DEFINITIONS, ResourceDefinition
from gateway.service.search import DEFAULT_COUNT
from schema.connection import PageRequest, connection_type, connection_value, page_request
from schema.context import GraphQLContext
from schema.search_arguments import search_arguments, search_pairs
from schema.signature import with_signature

# Fields with resolvers inside FHIR data objects: the projecting executor hands these to graphql-core.
RESOLVED_FIELDS: set[tuple[str, str]] = set()
_LOCAL = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


def _parameter(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _mark_resource_types(outputs: dict[str, type]) -> None:
    """Union members are told apart by `resourceType`, since resolvers return plain stored JSON."""
    for name in GRAPHQL_DEFINITIONS:

        def is_type_of(cls: type, value: Any, _info: Any, name: str = name) -> bool:
            return isinstance(value, dict) and value.get("resourceType") == name

        outputs[name].is_type_of = classmethod(is_type_of)  # type: ignore[attr-defined]


def _reference_field(outputs: dict[str, type]) -> Any:
    members = tuple(outputs[name] for name in GRAPHQL_DEFINITIONS)
    resource_union = Annotated[
        Union[members],  # type: ignore[valid-type]  # noqa: UP007
        strawberry.union("Resource", description="A resource of one of the types with GraphQL types"),
    ]

    async def resolve(root: Any, info: Info, **arguments: Any) -> Any:
        context: GraphQLContext = info.context
        optional, wanted = bool(arguments.get("optional")), arguments.get("type")
        reference = root.get("reference") if isinstance(root, dict) else None
        text = str(reference or "").removeprefix(context.base_url + "/")
        local = _LOCAL.match(text)
        if local is None or local["type"] not in GRAPHQL_DEFINITIONS:
            if optional or reference is None:
                return None
            raise NotFound(f"{reference} is not a local reference to a type with a GraphQL type")
        if wanted is not None and wanted != local["type"]:
            return None
        version = await context.loaders.resource.load((local["type"], local["id"]))
        if version is None and not optional:
            raise NotFound(f"{reference} cannot be resolved: no such resource here")
        return version.resource if version else None

    root = inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any)
    parameters = [_parameter("optional", bool | None), _parameter("type", str | None)]
    resolver = with_signature(resolve, parameters, resource_union | None)
    signature = inspect.signature(resolver)
    resolver.__signature__ = signature.replace(parameters=[root, *signature.parameters.values()])  # type: ignore[attr-defined]
    return strawberry.field(
        resolver=resolver,
        name="resource",
        description="The resource this reference points at (local references); `optional`: null instead of "
        "an error when it cannot be found; `type`: resolve only references to this type",
    )


async def _reverse(
    info: Info, root: Any, source: ResourceDefinition, arguments: dict[str, Any]
) -> tuple[list[dict[str, Any]], PageRequest, int]:
    """(this page of the matches pointing at `root`, the page asked for, how many match in all)."""
    context: GraphQLContext = info.context
    code = arguments.pop("_reference")
    parameter = source.search_parameter(code)
    if parameter is None or parameter.type != "reference":
        raise BadRequest(f"_reference: {code!r} is not a reference parameter of {source.name}")
    page = page_request(search_pairs(source, arguments), DEFAULT_COUNT)
    parent = f"{root['resourceType']}/{root['id']}"
    matches = await context.loaders.reverse.load(((source.name, code, tuple(page.pairs)), parent))
    chosen = matches[page.offset : page.offset + page.count]
    context.reserve(len(chosen))
    return chosen, page, len(matches)


def _reverse_fields(source: ResourceDefinition, output: Any) -> dict[str, Any]:
    reference = _parameter("_reference", str, inspect.Parameter.empty)
    parameters = [reference, *search_arguments(source)]

    async def listed(root: Any, info: Info, **arguments: Any) -> Any:
        chosen, _, _ = await _reverse(info, root, source, arguments)
        return chosen

    async def connected(root: Any, info: Info, **arguments: Any) -> Any:
        chosen, page, total = await _reverse(info, root, source, arguments)
        value = connection_value(page, total, chosen)
        # Cursors carry a top-level search; inside a resource they would lose the parent, so none are given.
        return value | dict.fromkeys(("first", "previous", "next", "last"))

    root = inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any)
    fields = {}
    for suffix, resolve, returns in (
        ("List", listed, list[output | None] | None),
        ("Connection", connected, connection_type(f"Reverse{source.name}", output) | None),
    ):
        resolver = with_signature(resolve, parameters, returns)
        signature = inspect.signature(resolver)
        resolver.__signature__ = signature.replace(parameters=[root, *signature.parameters.values()])  # type: ignore[attr-defined]
        fields[f"{source.name}{suffix}"] = strawberry.field(
            resolver=resolver,
            name=f"{source.name}{suffix}",
            description=f"{source.name} resources whose `_reference` parameter points at this resource",
        )
    return fields


def add_reference_fields(outputs: dict[str, type]) -> None:
    """Called on the undecorated output classes: `Reference.resource`, and reverse fields on resources."""
    _mark_resource_types(outputs)
    outputs["Reference"].resource = _reference_field(outputs)  # type: ignore[attr-defined]
    RESOLVED_FIELDS.add(("Reference", "resource"))
    for target in GRAPHQL_DEFINITIONS:
        for source in GRAPHQL_DEFINITIONS.values():
            for name, field in _reverse_fields(source, outputs[source.name]).items():
                setattr(outputs[target], name, field)
                RESOLVED_FIELDS.add((target, name))
