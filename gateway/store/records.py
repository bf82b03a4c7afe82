"""What the store takes and hands back beyond single versions: a version to write, and a page of them."""

from dataclasses import dataclass, field
from typing import Any

from gateway.fhir.resource_version import StoredVersion


@dataclass(frozen=True)
class NewVersion:
    """A version about to be written, with the search values extracted from it."""

    version: StoredVersion
    search_entries: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    sort_keys: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    items: list[StoredVersion]
    next_token: str | None  # opaque keyset position of the following page, None at the end
    total: int | None = None


class VersionConflict(Exception):
    """Another writer changed the resource first; the caller re-reads and decides."""
