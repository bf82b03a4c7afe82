"""Resolvers with arguments known only at run time (one per search parameter) get an explicit signature."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.types import Info

Resolver = Callable[..., Awaitable[Any]]


def with_signature(resolver: Resolver, parameters: list[inspect.Parameter], returns: Any) -> Resolver:
    """Give a `**arguments` resolver the signature Strawberry reads its GraphQL arguments and type from."""
    info = inspect.Parameter("info", inspect.Parameter.KEYWORD_ONLY, annotation=Info)
    resolver.__signature__ = inspect.Signature([info, *parameters], return_annotation=returns)  # type: ignore[attr-defined]
    resolver.__annotations__ = {"info": Info, **{p.name: p.annotation for p in parameters}, "return": returns}
    return resolver
