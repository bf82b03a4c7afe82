"""The FHIR RESTful interactions (read, vread, create, update, delete, history, search) on one store."""

import asyncio
import random
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from gateway.fhir.errors import (
    BadRequest,
    Conflict,
    Gone,
    Issue,
    MethodNotAllowed,
    NotFound,
    PreconditionFailed,
    TooCostly,
)
from gateway.fhir.r4_types import unserved_reason
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS, ResourceDefinition
from gateway.fhir.resource_version import Page, StoredVersion
from gateway.fhir.validation import validate_resource
from gateway.service.chains import chain_condition, has_condition
from gateway.service.includes import included
from gateway.service.preconditions import check_if_match, stale, version_headers
from gateway.service.reach import UNRESTRICTED, CallerReads, Reach
from gateway.service.references import MAX_LINKED
from gateway.service.search import SearchRequest, counts_total, parse_search
from gateway.service.versions import check_id, new_id, next_version
from gateway.store.criteria import Condition
from gateway.store.records import NewVersion, VersionConflict
from gateway.store.resource_store import ResourceStore

# An unconditional update retries after losing a race; each retry re-reads, so none is lost.
_MAX_WRITE_ATTEMPTS = 100


@dataclass(frozen=True)
class WriteOutcome:
    version: StoredVersion
    created: bool  # 201 rather than 200


@dataclass(frozen=True)
class SearchOutcome:
    request: SearchRequest
    page: Page
    warnings: list[Issue] = field(default_factory=list)
    included: list[StoredVersion] = field(default_factory=list)  # _include / _revinclude results


def definition_of(resource_type: str) -> ResourceDefinition:
    definition = RESOURCE_DEFINITIONS.get(resource_type)
    if definition is None:
        raise NotFound(unserved_reason(resource_type))
    return definition


def writable_definition_of(resource_type: str) -> ResourceDefinition:
    definition = definition_of(resource_type)
    if definition.server_written:
        raise MethodNotAllowed(
            f"{resource_type} resources are written by this server only",
            headers={"Allow": "GET, HEAD, OPTIONS"},  # a read-only type's URLs: read, search, history
        )
    return definition


def condition_request(definition: ResourceDefinition, query: str, base_url: str) -> SearchRequest:
    """A conditional interaction's query (`Type?a=b` or `a=b`), parsed strictly (unknown ones refused)."""
    parameters = parse_qsl(query.split("?", 1)[-1], keep_blank_values=True)
    return parse_search(definition, parameters, base_url, strict=True)


def several_matches(what: str, query: str, resource_type: str) -> PreconditionFailed:
    return PreconditionFailed(f"{what} {query!r} matches more than one {resource_type}")


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * attempt)))


class FhirService:
    """The interactions on one store, for one caller's `Reach`: every search and batched read made on the
    caller's behalf goes through `self.reads`. The unrestricted default is for the server's own work only;
    callers get a service bound to their reach from `GuardedService` (see `reaching`)."""

    def __init__(self, store: ResourceStore, reach: Reach = UNRESTRICTED) -> None:
        self.store = store
        self.reads = CallerReads(store, reach)

    def reaching(self, reach: Reach) -> "FhirService":
        """The same service on the same store, reading only what `reach` allows."""
        return FhirService(self.store, reach)

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """A Bundle's transaction: everything written inside commits together or not at all."""
        return self.store.transaction()

    async def read_many(self, resource_type: str, resource_ids: list[str]) -> list[StoredVersion]:
        """The current versions of these ids the caller may read (GraphQL references, batched)."""
        definition_of(resource_type)
        return await self.reads.read_many(resource_type, resource_ids)

    async def read(self, resource_type: str, resource_id: str) -> StoredVersion:
        definition_of(resource_type)
        current = await self.store.current(resource_type, check_id(resource_id))
        if current is None:
            raise NotFound(f"{resource_type}/{resource_id} is not known")
        if current.deleted:
            raise Gone(f"{resource_type}/{resource_id} was deleted", headers=version_headers(current))
        return current

    async def vread(self, resource_type: str, resource_id: str, version_id: int) -> StoredVersion:
        definition_of(resource_type)
        version = await self.store.version(resource_type, check_id(resource_id), version_id)
        if version is None:
            raise NotFound(f"{resource_type}/{resource_id}/_history/{version_id} is not known")
        if version.deleted:
            raise Gone(
                f"{resource_type}/{resource_id}/_history/{version_id} is a deletion",
                headers=version_headers(version),
            )
        return version

    async def create(
        self,
        resource_type: str,
        resource: Any,
        if_none_exist: str | None = None,
        base_url: str = "",
        resource_id: str | None = None,  # a transaction assigns ids up front to resolve urn:uuid references
    ) -> WriteOutcome:
        definition = writable_definition_of(resource_type)
        validate_resource(resource, resource_type)
        existing: StoredVersion | None = None
        if if_none_exist is not None:

            async def find_match() -> StoredVersion | None:
                return await self.match(resource_type, if_none_exist, base_url, "If-None-Exist")

            existing = await find_match()
            if existing is not None:
                return WriteOutcome(existing, created=False)
        new = next_version(definition, resource_id or new_id(), resource, None, "POST")
        try:
            if if_none_exist is None:
                await self.store.commit(new, expected_version=None)
            else:  # racing twins: the store lets one create, the others get its match
                existing = await self.store.create_once(if_none_exist, new, find_match)
        except VersionConflict:
            raise Conflict("A resource with the generated id already exists; retry") from None
        return WriteOutcome(existing, created=False) if existing else WriteOutcome(new.version, created=True)

    async def match(
        self, resource_type: str, query: str, base_url: str, what: str = "The condition"
    ) -> StoredVersion | None:
        """The one resource a conditional interaction's query matches among those the caller reaches (None:
        no match; 412: several), so a match the caller cannot see is never revealed. Every conditional
        create, update, delete, patch and reference runs its search here (`what` names it in errors)."""
        definition = definition_of(resource_type)
        request = condition_request(definition, query, base_url)
        if not request.conditions and not request.chains:
            raise BadRequest(f"{what} {resource_type}?{query} has no search criteria")
        conditions = await self._conditions(definition, request, base_url)
        page = await self.reads.search(resource_type, conditions, [], 2)
        if len(page.items) > 1:
            raise several_matches(what, query, resource_type)
        return page.items[0] if page.items else None

    async def update(
        self, resource_type: str, resource_id: str, resource: Any, if_match: int | None = None
    ) -> WriteOutcome:
        definition = writable_definition_of(resource_type)
        check_id(resource_id)
        validate_resource(resource, resource_type)
        body_id = resource.get("id")
        if body_id != resource_id:
            raise BadRequest(
                f"The resource id ({body_id!r}) must equal the id in the URL ({resource_id!r})",
                expression=(f"{resource_type}.id",),
            )
        for attempt in range(_MAX_WRITE_ATTEMPTS):
            previous = await self.store.current(resource_type, resource_id)
            check_if_match(resource_type, resource_id, previous, if_match)
            new = next_version(definition, resource_id, resource, previous, "PUT")
            try:
                await self.store.commit(new, expected_version=previous.version_id if previous else None)
            except VersionConflict:
                if if_match is not None:
                    raise stale(resource_type, resource_id, if_match) from None
                await _backoff(attempt)
                continue
            return WriteOutcome(new.version, created=previous is None or previous.deleted)
        raise Conflict(f"{resource_type}/{resource_id} is being changed by others; retry")

    async def delete(
        self, resource_type: str, resource_id: str, if_match: int | None = None
    ) -> StoredVersion | None:
        """The deletion version written, or None when there was nothing left to delete."""
        definition = writable_definition_of(resource_type)
        check_id(resource_id)
        for attempt in range(_MAX_WRITE_ATTEMPTS):
            previous = await self.store.current(resource_type, resource_id)
            if previous is None:
                raise NotFound(f"{resource_type}/{resource_id} is not known")
            check_if_match(resource_type, resource_id, previous, if_match)
            if previous.deleted:
                return None
            new = next_version(definition, resource_id, None, previous, "DELETE")
            try:
                await self.store.commit(new, expected_version=previous.version_id)
            except VersionConflict:
                if if_match is not None:
                    raise stale(resource_type, resource_id, if_match) from None
                await _backoff(attempt)
                continue
            return new.version
        raise Conflict(f"{resource_type}/{resource_id} is being changed by others; retry")

    async def append(self, resource_type: str, resources: list[dict[str, Any]]) -> None:
        """Store server-made resources (audit events) as first versions in one bulk insert: no validation (the
        server built them), no version checks (their ids are new), one round trip for the whole batch."""
        definition = definition_of(resource_type)
        versions: list[NewVersion] = [
            next_version(definition, new_id(), resource, None, "POST") for resource in resources
        ]
        await self.store.insert_new(versions)

    async def history(
        self,
        resource_type: str,
        resource_id: str | None,
        count: int,
        page_token: str | None,
        since: datetime | None,
    ) -> Page:
        definition_of(resource_type)
        if resource_id is not None:
            check_id(resource_id)
            if await self.store.current(resource_type, resource_id) is None:
                raise NotFound(f"{resource_type}/{resource_id} is not known")
        return await _paged(self.store.history(resource_type, resource_id, count, page_token, since))

    async def search(
        self, resource_type: str, parameters: list[tuple[str, str]], base_url: str, strict: bool = False
    ) -> SearchOutcome:
        definition = definition_of(resource_type)
        request = parse_search(definition, parameters, base_url, strict)
        conditions = await self._conditions(definition, request, base_url)
        count = 0 if request.summary == "count" else request.count
        page = await _paged(
            self.reads.search(
                resource_type,
                conditions,
                request.sort,
                count,
                request.page_token,
                with_total=request.total != "none" or request.summary == "count",
                offset=request.offset,
                count_total=counts_total(request),
            )
        )
        if not request.includes:
            return SearchOutcome(request, page, request.warnings)
        linked = await included(self.reads, request.includes, page.items)
        return SearchOutcome(request, page, [*request.warnings, *linked.warnings], linked.resources)

    async def linked(
        self,
        resource_type: str,
        parameters: list[tuple[str, str]],
        extra: Condition,
        base_url: str,
    ) -> list[StoredVersion]:
        """Every match of a search plus `extra` (up to MAX_LINKED, else TooCostly), in its sort order: one
        query serving many parents at once (GraphQL reverse references, batched per request)."""
        definition = definition_of(resource_type)
        request = parse_search(definition, parameters, base_url, strict=True)
        conditions = [*await self._conditions(definition, request, base_url), extra]
        page = await self.reads.search(resource_type, conditions, request.sort, MAX_LINKED + 1)
        if len(page.items) > MAX_LINKED:
            raise TooCostly(f"More than {MAX_LINKED} {resource_type} resources are linked here; narrow it")
        return page.items

    async def _conditions(
        self, definition: ResourceDefinition, request: SearchRequest, base_url: str
    ) -> list[Condition]:
        """The request's conditions plus those its chained and _has parameters resolve to; each inner search
        runs as far as the caller reaches (Forbidden for a type the caller may not search)."""
        if not request.chains:
            return request.conditions

        async def find(resource_type: str, parameters: list[tuple[str, str]]) -> list[StoredVersion]:
            inner_definition = definition_of(resource_type)
            inner = parse_search(inner_definition, parameters, base_url, strict=True)
            inner_conditions = await self._conditions(inner_definition, inner, base_url)
            page = await self.reads.search(resource_type, inner_conditions, [], MAX_LINKED + 1)
            return page.items

        conditions = list(request.conditions)
        for name, value in request.chains:
            resolve = has_condition if name.startswith("_has:") else chain_condition
            conditions.append(await resolve(definition, name, value, find))
        return conditions


async def _paged(pending: Awaitable[Page]) -> Page:
    """A forged or stale page token is the client's error, not ours."""
    try:
        return await pending
    except ValueError as error:
        raise BadRequest(f"The paging link is not valid here: {error}") from None
