"""The store's query vocabulary: conditions on the extracted search entries, free of MongoDB syntax."""

from dataclasses import dataclass
from typing import Any, Literal

Comparison = Literal["$gt", "$gte", "$lt", "$lte"]


@dataclass(frozen=True)
class EntryMatch:
    """Some search entry of parameter `code` satisfies every part given."""

    code: str
    equals: tuple[tuple[str, Any], ...] = ()  # (field, value); value None means the field is absent
    starts_with: tuple[str, str] | None = None  # (field, literal prefix)
    contains: tuple[str, str] | None = None  # (field, literal substring)
    bounds: tuple[tuple[str, Comparison, Any], ...] = ()


@dataclass(frozen=True)
class IdIn:
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Missing:
    code: str
    missing: bool


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple["Condition", ...]


@dataclass(frozen=True)
class NoneOf:
    conditions: tuple["Condition", ...]


Condition = EntryMatch | IdIn | Missing | AnyOf | NoneOf


@dataclass(frozen=True)
class SortKey:
    key: str  # a search parameter code, or "_id" / "_lastUpdated"
    descending: bool = False
