"""Connections (HL7 GraphQL paging): page by offset, with first, previous, next and last cursors.

A cursor is self-contained: it carries the search's parameters, the page size and the page's offset, so
`PatientConnection(_cursor: "...")` alone fetches that page. Pages sit on a grid from offset 0 (0, n, 2n...):
`last` is the page holding the last match, `previous` of an offset k is max(k - n, 0).
"""

import base64
import binascii
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import strawberry

from gateway.fhir.errors import BadRequest
from schema.scalars import FhirDecimal

Pairs = list[tuple[str, str]]


@dataclass(frozen=True)
class PageRequest:
    pairs: Pairs  # search parameters without _count and _offset
    offset: int
    count: int

    def search_pairs(self) -> Pairs:
        return [*self.pairs, ("_count", str(self.count)), ("_offset", str(self.offset))]


def encode_cursor(pairs: Pairs, offset: int, count: int) -> str:
    text = json.dumps({"p": pairs, "o": offset, "c": count}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> PageRequest:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        pairs = [(str(name), str(text)) for name, text in value["p"]]
        offset, count = value["o"], value["c"]
        if not (isinstance(offset, int) and isinstance(count, int) and offset >= 0 and count >= 0):
            raise ValueError("offset and count are whole numbers")
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise BadRequest("_cursor is not a cursor this server made", expression=("_cursor",)) from None
    return PageRequest(pairs, offset, count)


def page_request(pairs: Pairs, default_count: int) -> PageRequest:
    """Split the paging arguments out of a search's pairs (validation happens in the service)."""
    values = dict(pairs)
    rest = [(name, value) for name, value in pairs if name not in ("_count", "_offset")]
    count, offset = values.get("_count", str(default_count)), values.get("_offset", "0")
    if not (count.isascii() and count.isdigit() and offset.isascii() and offset.isdigit()):
        raise BadRequest("_count and _offset are whole numbers >= 0", expression=("_count", "_offset"))
    return PageRequest(rest, int(offset), int(count))


def connection_value(page: PageRequest, total: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    def cursor(offset: int) -> str:
        return encode_cursor(page.pairs, offset, page.count)

    size, offset = page.count, page.offset
    last = ((total - 1) // size) * size if size and total else 0
    return {
        "count": total,
        "offset": offset,
        "pagesize": size,
        "first": cursor(0),
        "previous": cursor(max(offset - size, 0)) if size and offset > 0 else None,
        "next": cursor(offset + size) if size and offset + size < total else None,
        "last": cursor(last) if size else None,
        "edges": [{"mode": "match", "score": None, "resource": resource} for resource in resources],
    }


@cache
def connection_type(resource_name: str, resource_type: type) -> type:
    """`PatientConnection` with its `PatientEdge`: read from the dict `connection_value` builds. One per
    type, shared by the top-level search and every reverse list of that type."""
    edge: Any = type(f"{resource_name}Edge", (), {})
    edge.__annotations__ = {
        "mode": str | None,
        "score": FhirDecimal | None,
        "resource": resource_type | None,
    }
    strawberry.type(
        edge,
        name=f"{resource_name}Edge",
        description=f"A {resource_name} in a connection, with its search mode (always match)",
    )
    connection = type(f"{resource_name}Connection", (), {})
    connection.__annotations__ = {
        "count": int | None,
        "offset": int | None,
        "pagesize": int | None,
        **dict.fromkeys(("first", "previous", "next", "last"), str | None),
        "edges": list[edge | None] | None,
    }
    strawberry.type(
        connection,
        name=f"{resource_name}Connection",
        description=f"One page of {resource_name} search results: total count and paging cursors",
    )
    return connection
