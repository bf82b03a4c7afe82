"""HL7 list navigation: arguments on every repeating complex field that pick items before serialisation.

`name(use: official)` keeps the names whose `use` is `official` (any primitive child of the item's type
may select: `extension(url: "http://...")`, `identifier(system: "...")`); `name(fhirpath: "family.exists()")`
keeps the items for which the FHIRPath expression (fhirpathpy, R4 model) is true; `_offset` and `_count`
then page what is left. Selectors compare the stored value's JSON text (`true`, `42`). The projecting
executor applies the same function when it plans a field with arguments, so a query pays for navigation
only where it asks for it. Items come from a resource already read and counted against the request's
limits; navigation only narrows them, so it adds no new cost to bound.
"""

import inspect
import keyword
from collections.abc import Callable
from decimal import Decimal
from functools import cache, lru_cache
from typing import Annotated, Any

import strawberry
from fhirpathpy import compile as compile_fhirpath
from fhirpathpy.models import models as fhirpath_models
from strawberry.types import Info
from strawberry.types.fields.resolver import StrawberryResolver

from gateway.fhir.errors import BadRequest
from schema.fhir_elements import elements_of
from schema.signature import with_signature

PAGING = ("fhirpath", "_count", "_offset")
_MAX_EXPRESSION = 1000


def selectors_of(type_name: str) -> list[str]:
    """The children of `type_name` that may select items: its single primitive elements, not value[x]."""
    return [
        element.name
        for element in elements_of(type_name)
        if element.kind == "primitive" and not element.many and not element.choice
    ]


def _python_name(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) else name


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | Decimal):
        return str(value)
    return None


@lru_cache(maxsize=256)
def _compiled(expression: str) -> Callable[..., list[Any]]:
    if len(expression) > _MAX_EXPRESSION:
        raise BadRequest(f"fhirpath is longer than {_MAX_EXPRESSION} characters", expression=("fhirpath",))
    try:
        compiled: Callable[..., list[Any]] = compile_fhirpath(expression, fhirpath_models["r4"])
    except Exception as error:  # fhirpathpy's parser raises plain exceptions of its own kinds
        raise BadRequest(
            f"fhirpath {expression!r} cannot be read: {error}", expression=("fhirpath",)
        ) from None
    return compiled


def _holds(compiled: Callable[..., list[Any]], item: Any, expression: str) -> bool:
    try:
        result = compiled(item)
    except Exception as error:  # an expression that fails on this data is the query's fault
        raise BadRequest(f"fhirpath {expression!r} failed: {error}", expression=("fhirpath",)) from None
    return result == [True]


def navigate(items: Any, arguments: dict[str, Any]) -> Any:
    """The items kept by these arguments (GraphQL names); anything not a list is returned as it is."""
    if not isinstance(items, list):
        return items
    selectors = {name: value for name, value in arguments.items() if name not in PAGING and value is not None}
    kept = [
        item
        for item in items
        if isinstance(item, dict) and all(_text(item.get(name)) == value for name, value in selectors.items())
    ]
    expression = arguments.get("fhirpath")
    if expression is not None:
        compiled = _compiled(expression)
        kept = [item for item in kept if _holds(compiled, item, expression)]
    offset, count = arguments.get("_offset") or 0, arguments.get("_count")
    if offset < 0 or (count is not None and count < 0):
        raise BadRequest("_count and _offset are whole numbers >= 0", expression=("_count", "_offset"))
    return kept[offset : None if count is None else offset + count]


def _parameters(type_name: str) -> list[inspect.Parameter]:
    def parameter(name: str, annotation: Any, description: str) -> inspect.Parameter:
        argument = strawberry.argument(name=name, description=description)
        return inspect.Parameter(
            _python_name(name),
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[annotation, argument],
        )

    return [
        *(
            parameter(name, str | None, f"Only items whose {name} is this")
            for name in selectors_of(type_name)
        ),
        parameter("fhirpath", str | None, "Only items for which this FHIRPath expression is true"),
        parameter("_count", int | None, "At most this many items"),
        parameter("_offset", int | None, "Items to skip first"),
    ]


@cache
def navigation_resolver(type_name: str, output: Any) -> StrawberryResolver[Any]:
    """One resolver per item type, shared by every field of that type (`name`, `contact.name`, ...):
    the field's JSON name is the GraphQL field name."""
    graphql_names = {_python_name(name): name for name in (*selectors_of(type_name), *PAGING)}

    async def resolve(root: Any, info: Info, **arguments: Any) -> Any:
        items = root.get(info.field_name) if isinstance(root, dict) else None
        return navigate(items, {graphql_names[name]: value for name, value in arguments.items()})

    resolver = with_signature(resolve, _parameters(type_name), list[output | None] | None)
    signature = inspect.signature(resolver)
    root = inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any)
    resolver.__signature__ = signature.replace(parameters=[root, *signature.parameters.values()])  # type: ignore[attr-defined]
    return StrawberryResolver(resolver)
