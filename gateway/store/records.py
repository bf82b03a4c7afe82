"""What the store takes beyond single versions: a version to write with its search values; write conflicts."""

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


class VersionConflict(Exception):
    """Another writer changed the resource first; the caller re-reads and decides."""
