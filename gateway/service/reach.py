"""What a caller reaches: every store search or batched read the service makes on a caller's behalf (the
search itself, _include/_revinclude, chains, _has, conditional matches, GraphQL references and reverse lists)
goes through `CallerReads`, which asks the caller's `Reach` first. The auth layer implements `Reach` from its
access decision; the service never imports auth. `UNRESTRICTED` is for the server's own work only (the audit
trail, bulk import, benchmarks): every caller-facing service is bound to a caller's reach by `GuardedService`.
"""

from typing import Any, Protocol

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.resource_version import Page, StoredVersion
from gateway.store.criteria import Condition, SortKey
from gateway.store.resource_store import ResourceStore


class TypeReach(Protocol):
    """How far a caller reaches into one resource type."""

    def search_restriction(self) -> list[tuple[str, str]]:
        """Search parameters ANDed to every search of the type (none: every resource)."""
        ...

    def permits(self, resource: dict[str, Any] | None) -> bool:
        """Whether the caller may see this stored resource of the type."""
        ...


class Reach(Protocol):
    """One caller's access; each method raises `Forbidden` (or `Unauthorized`) for a type out of reach."""

    def searchable(self, resource_type: str) -> TypeReach: ...

    def readable(self, resource_type: str) -> TypeReach: ...


class _Everything:
    def search_restriction(self) -> list[tuple[str, str]]:
        return []

    def permits(self, resource: dict[str, Any] | None) -> bool:
        return True


class _Unrestricted:
    def searchable(self, resource_type: str) -> TypeReach:
        return _Everything()

    def readable(self, resource_type: str) -> TypeReach:
        return _Everything()


UNRESTRICTED: Reach = _Unrestricted()


def restriction_conditions(resource_type: str, reach: TypeReach) -> list[Condition]:
    """The reach's restriction parameters as store conditions, parsed like any search parameter."""
    from gateway.service.search import parameter_condition  # search imports includes, which imports us

    conditions = []
    definition = RESOURCE_DEFINITIONS[resource_type]
    for code, value in reach.search_restriction():
        parameter = definition.search_parameter(code)
        if parameter is None:  # a restriction the type cannot express would widen the search: refuse it
            raise ValueError(f"{resource_type} has no search parameter {code!r} to restrict by")
        conditions.append(parameter_condition(parameter, "", value, ""))
    return conditions


class CallerReads:
    """The store's searches and batched reads, as far as one caller reaches."""

    def __init__(self, store: ResourceStore, reach: Reach) -> None:
        self.store, self.reach = store, reach

    async def search(
        self,
        resource_type: str,
        conditions: list[Condition],
        sort: list[SortKey],
        count: int,
        page_token: str | None = None,
        with_total: bool = False,
        offset: int = 0,
        count_total: bool = False,
    ) -> Page:
        """A store search with the caller's restriction ANDed; Forbidden if the caller may not search it."""
        restriction = restriction_conditions(resource_type, self.reach.searchable(resource_type))
        return await self.store.search(
            resource_type,
            [*conditions, *restriction],
            sort,
            count,
            page_token,
            with_total,
            offset=offset,
            count_total=count_total,
        )

    async def holding_keys(
        self, resource_type: str, keys: list[str], limit: int
    ) -> list[tuple[StoredVersion, list[str]]]:
        """`ResourceStore.holding_keys` among the resources the caller may search (Forbidden if none)."""
        restriction = restriction_conditions(resource_type, self.reach.searchable(resource_type))
        return await self.store.holding_keys(resource_type, keys, limit, restriction)

    async def read_many(self, resource_type: str, resource_ids: list[str]) -> list[StoredVersion]:
        """The resources the caller may read among these ids (others are left out as if they did not exist);
        Forbidden if the caller may not read the type at all."""
        reach = self.reach.readable(resource_type)
        found = await self.store.read_many(resource_type, resource_ids)
        return [version for version in found if reach.permits(version.resource)]
