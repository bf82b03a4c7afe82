"""Per-request DataLoaders: every reference and reverse-reference lookup of one GraphQL query is batched.

References are read with one `_id $in` query per type and level of the query; reverse lists (a Patient's
ObservationList) with one search per (type, `_reference`, arguments) and level, whose matches are then
shared out to their parents. So the number of database round trips follows the shape of the query, never
the number of resources in it.
"""

from collections import defaultdict
from typing import Any

from strawberry.dataloader import DataLoader

from gateway.auth.guarded import GuardedService
from gateway.fhir.errors import FhirError
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.resource_version import StoredVersion
from gateway.service.references import references_of, refers_to_any

ResourceKey = tuple[str, str]  # (type, id)
# (source type, reference parameter, search pairs): one batched search per distinct group
ReverseGroup = tuple[str, str, tuple[tuple[str, str], ...]]
ReverseKey = tuple[ReverseGroup, str]  # (group, "Type/id" of the parent)


class Loaders:
    def __init__(self, service: GuardedService, base_url: str, batch: bool = True) -> None:
        """`batch=False` loads every key on its own (the benchmark's baseline)."""
        self.service, self.base_url = service, base_url
        size = None if batch else 1
        self.resource: DataLoader[ResourceKey, StoredVersion | None] = DataLoader(
            self._load_resources, max_batch_size=size
        )
        self.reverse: DataLoader[ReverseKey, list[dict[str, Any]]] = DataLoader(
            self._load_reverse, max_batch_size=size
        )

    async def _load_resources(self, keys: list[ResourceKey]) -> list[StoredVersion | FhirError | None]:
        """A type the token may not read fails only its own references (403), not the batch's others;
        resources outside a patient/ scope's compartment are None, like resources that do not exist."""
        by_type: dict[str, list[str]] = defaultdict(list)
        for resource_type, resource_id in keys:
            by_type[resource_type].append(resource_id)
        found: dict[ResourceKey, StoredVersion] = {}
        refused: dict[str, FhirError] = {}
        for resource_type, ids in by_type.items():
            try:
                for version in await self.service.read_many(resource_type, ids):
                    found[(resource_type, version.id)] = version
            except FhirError as refusal:
                refused[resource_type] = refusal
        return [refused.get(key[0]) or found.get(key) for key in keys]

    async def _load_reverse(self, keys: list[ReverseKey]) -> list[list[dict[str, Any]]]:
        parents: dict[ReverseGroup, list[str]] = defaultdict(list)
        for group, parent in keys:
            parents[group].append(parent)
        shared: dict[ReverseKey, list[dict[str, Any]]] = defaultdict(list)
        for group, references in parents.items():
            source, code, pairs = group
            parameter = RESOURCE_DEFINITIONS[source].search_parameter(code)
            assert parameter is not None  # checked by the resolver
            wanted = set(references)
            matches = await self.service.linked(
                source, list(pairs), refers_to_any(code, list(dict.fromkeys(references))), self.base_url
            )
            for version in matches:
                for target_type, target_id in references_of(version.resource or {}, parameter):
                    parent = f"{target_type}/{target_id}"
                    if parent in wanted:
                        shared[(group, parent)].append(version.resource or {})
        return [shared.get(key, []) for key in keys]
