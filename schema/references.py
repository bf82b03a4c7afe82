"""GraphQL references (HL7 graphql.html): `Reference.resource` and reverse lists inside each resource.

`subject { resource(optional: true, type: Patient) { ... on Patient { name { family } } } }` resolves a
local reference; `Patient { ObservationList(_reference: subject, code: "8867-4") { id } }` lists the
Observations whose `subject` is this Patient. Both go through the request's DataLoaders (schema/loaders.py).
`_reference` is an enum of the source's reference parameters (HL7's schema), and a type gets the reverse
fields of exactly the sources with a parameter that names it among its targets (schema/served.py). Nested
connections page with cursors that carry the parent as a search pair (`subject=Patient/1`), so the same
cursor also runs at the top level.
"""

import enum
import inspect
import re
from typing import Annotated, Any, Union

import strawberry
from strawberry.types import Info
from strawberry.types.fields.resolver import StrawberryResolver

from gateway.fhir.errors import BadRequest, NotFound
from gateway.fhir.resource_types import ResourceDefinition
from gateway.service.search import DEFAULT_COUNT
from schema.connection import (
    PageRequest,
    connection_type,
    connection_value,
    decode_cursor,
    page_request,
)
from schema.context import GraphQLContext
from schema.search_arguments import argument_name, search_arguments, search_pairs
from schema.served import SERVED, can_point_at, reference_codes, reverse_sources
from schema.signature import with_signature

# Fields with resolvers inside FHIR data objects: the projecting executor hands these to graphql-core.
RESOLVED_FIELDS: set[tuple[str, str]] = set()
_LOCAL = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


def _parameter(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _mark_resource_types(outputs: dict[str, type]) -> None:
    """Union members are told apart by `resourceType`, since resolvers return plain stored JSON."""
    for name in SERVED:

        def is_type_of(cls: type, value: Any, _info: Any, name: str = name) -> bool:
            return isinstance(value, dict) and value.get("resourceType") == name

        outputs[name].is_type_of = classmethod(is_type_of)  # type: ignore[attr-defined]


def _reference_field(outputs: dict[str, type]) -> Any:
    members = tuple(outputs[name] for name in SERVED)
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
        if local is None or local["type"] not in SERVED:
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


def _reference_enum(source: ResourceDefinition) -> Any:
    """HL7's `_reference`: an enum of `source`'s reference parameters (`based-on` is `based_on`)."""
    codes = [parameter.code for parameter in source.search_parameters if parameter.type == "reference"]
    members = enum.Enum(  # type: ignore[misc]
        f"{source.name}ReferenceParameter", {argument_name(code): code for code in codes}
    )
    return strawberry.enum(
        members,
        name=f"{source.name}ReferenceParameter",
        description=f"The reference search parameters of {source.name}",
    )


def _nested_page(
    source: ResourceDefinition, code: str, parent: str, arguments: dict[str, Any]
) -> PageRequest:
    """The page asked for: from a cursor (which names this parent) or from the arguments."""
    cursor = arguments.pop("_cursor", None)
    if cursor is None:
        return page_request(search_pairs(source, arguments), DEFAULT_COUNT)
    page = decode_cursor(cursor)
    if (code, parent) not in page.pairs:
        raise BadRequest(
            f"_cursor belongs to another search than {source.name} by {code} of {parent}",
            expression=("_cursor",),
        )
    return PageRequest([pair for pair in page.pairs if pair != (code, parent)], page.offset, page.count)


async def _reverse(
    info: Info, root: Any, source: ResourceDefinition, arguments: dict[str, Any]
) -> tuple[list[dict[str, Any]], PageRequest, int]:
    """(this page of the matches pointing at `root`, the page asked for, how many match in all)."""
    context: GraphQLContext = info.context
    chosen_parameter = arguments.pop("_reference")
    code = chosen_parameter.value if isinstance(chosen_parameter, enum.Enum) else str(chosen_parameter)
    if not can_point_at(source, code, root["resourceType"]):
        raise BadRequest(
            f"_reference: {argument_name(code)} of {source.name} cannot point at a {root['resourceType']}; "
            f"it may be one of {', '.join(map(argument_name, reference_codes(source, root['resourceType'])))}"
        )
    parent = f"{root['resourceType']}/{root['id']}"
    page = _nested_page(source, code, parent, arguments)
    matches = await context.loaders.reverse.load(((source.name, code, tuple(page.pairs)), parent))
    chosen = matches[page.offset : page.offset + page.count]
    context.reserve(len(chosen))
    # Cursors carry the parent as a search pair: they page here and run as a top-level search too.
    return chosen, PageRequest([(code, parent), *page.pairs], page.offset, page.count), len(matches)


def _reverse_resolvers(
    source: ResourceDefinition, output: Any, reference_enum: Any, connection: Any
) -> dict[str, StrawberryResolver[Any]]:
    """`<Source>List` and `<Source>Connection` resolvers, made once per source and shared by every type
    they may point at: Strawberry reads a resolver's arguments once, and sources x targets is large."""
    reference = _parameter("_reference", reference_enum, inspect.Parameter.empty)
    parameters = [reference, *search_arguments(source, described=False)]
    cursor = _parameter("_cursor", str | None)

    async def listed(root: Any, info: Info, **arguments: Any) -> Any:
        chosen, _, _ = await _reverse(info, root, source, arguments)
        return chosen

    async def connected(root: Any, info: Info, **arguments: Any) -> Any:
        chosen, page, total = await _reverse(info, root, source, arguments)
        return connection_value(page, total, chosen)

    root = inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any)
    resolvers = {}
    for suffix, resolve, returns, extra in (
        ("List", listed, list[output | None] | None, []),
        ("Connection", connected, connection | None, [cursor]),
    ):
        resolver = with_signature(resolve, [*parameters, *extra], returns)
        signature = inspect.signature(resolver)
        resolver.__signature__ = signature.replace(parameters=[root, *signature.parameters.values()])  # type: ignore[attr-defined]
        resolvers[f"{source.name}{suffix}"] = StrawberryResolver(resolver)
    return resolvers


def add_reference_fields(outputs: dict[str, type]) -> None:
    """Called on the undecorated output classes: `Reference.resource`, and reverse fields on resources."""
    _mark_resource_types(outputs)
    outputs["Reference"].resource = _reference_field(outputs)  # type: ignore[attr-defined]
    RESOLVED_FIELDS.add(("Reference", "resource"))
    sources = {source.name for target in SERVED for source in reverse_sources(target)}
    resolvers = {
        name: _reverse_resolvers(
            SERVED[name],
            outputs[name],
            _reference_enum(SERVED[name]),
            connection_type(name, outputs[name]),
        )
        for name in sorted(sources, key=list(SERVED).index)
    }
    for target in SERVED:
        for source in reverse_sources(target):
            for name, resolver in resolvers[source.name].items():
                description = f"{source.name} resources whose `_reference` parameter points at this resource"
                if name.endswith("Connection"):
                    description += " (`_cursor`: a page another connection gave)"
                field = strawberry.field(resolver=resolver, name=name, description=description)
                setattr(outputs[target], name, field)
                RESOLVED_FIELDS.add((target, name))
