"""The FHIR RESTful interactions (read, vread, create, update, delete, history, search) on one store."""

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from gateway.fhir.errors import (
    BadRequest,
    Conflict,
    FhirError,
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
from gateway.service.references import MAX_LINKED
from gateway.service.search import SearchRequest, parse_search
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
        raise MethodNotAllowed(f"{resource_type} resources are written by this server only")
    return definition


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * attempt)))


class FhirService:
    def __init__(self, store: ResourceStore) -> None:
        self.store = store

    async def read(self, resource_type: str, resource_id: str) -> StoredVersion:
        definition_of(resource_type)
        current = await self.store.current(resource_type, check_id(resource_id))
        if current is None:
            raise NotFound(f"{resource_type}/{resource_id} is not known")
        if current.deleted:
            raise Gone(f"{resource_type}/{resource_id} was deleted", headers=_version_headers(current))
        return current

    async def vread(self, resource_type: str, resource_id: str, version_id: int) -> StoredVersion:
        definition_of(resource_type)
        version = await self.store.version(resource_type, check_id(resource_id), version_id)
        if version is None:
            raise NotFound(f"{resource_type}/{resource_id}/_history/{version_id} is not known")
        if version.deleted:
            raise Gone(
                f"{resource_type}/{resource_id}/_history/{version_id} is a deletion",
                headers=_version_headers(version),
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
        if if_none_exist is not None:
            existing = await self._conditional_match(definition, if_none_exist, base_url)
            if existing is not None:
                return WriteOutcome(existing, created=False)
        new = next_version(definition, resource_id or new_id(), resource, None, "POST")
        try:
            await self.store.commit(new, expected_version=None)
        except VersionConflict:
            raise Conflict("A resource with the generated id already exists; retry") from None
        return WriteOutcome(new.version, created=True)

    async def _conditional_match(
        self, definition: ResourceDefinition, query: str, base_url: str
    ) -> StoredVersion | None:
        parameters = parse_qsl(query.split("?", 1)[-1], keep_blank_values=True)
        request = parse_search(definition, parameters, base_url, strict=True)
        if not request.conditions:
            raise BadRequest("If-None-Exist needs at least one search parameter")
        page = await self.store.search(definition.name, request.conditions, [], 2, None, with_total=False)
        if len(page.items) > 1:
            raise PreconditionFailed(f"If-None-Exist {query!r} matches more than one {definition.name}")
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
            _check_if_match(resource_type, resource_id, previous, if_match)
            new = next_version(definition, resource_id, resource, previous, "PUT")
            try:
                await self.store.commit(new, expected_version=previous.version_id if previous else None)
            except VersionConflict:
                if if_match is not None:
                    raise _stale(resource_type, resource_id, if_match) from None
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
            _check_if_match(resource_type, resource_id, previous, if_match)
            if previous.deleted:
                return None
            new = next_version(definition, resource_id, None, previous, "DELETE")
            try:
                await self.store.commit(new, expected_version=previous.version_id)
            except VersionConflict:
                if if_match is not None:
                    raise _stale(resource_type, resource_id, if_match) from None
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
            self.store.search(
                resource_type,
                conditions,
                request.sort,
                count,
                request.page_token,
                with_total=request.total != "none" or request.summary == "count",
                offset=request.offset,
            )
        )
        linked = await included(self.store, request.includes, page.items) if request.includes else []
        return SearchOutcome(request, page, request.warnings, linked)

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
        page = await self.store.search(resource_type, conditions, request.sort, MAX_LINKED + 1, None, False)
        if len(page.items) > MAX_LINKED:
            raise TooCostly(f"More than {MAX_LINKED} {resource_type} resources are linked here; narrow it")
        return page.items

    async def _conditions(
        self, definition: ResourceDefinition, request: SearchRequest, base_url: str
    ) -> list[Condition]:
        """The request's conditions plus those its chained and _has parameters resolve to."""
        if not request.chains:
            return request.conditions

        async def find(resource_type: str, parameters: list[tuple[str, str]]) -> list[StoredVersion]:
            inner_definition = definition_of(resource_type)
            inner = parse_search(inner_definition, parameters, base_url, strict=True)
            inner_conditions = await self._conditions(inner_definition, inner, base_url)
            page = await self.store.search(resource_type, inner_conditions, [], MAX_LINKED + 1, None, False)
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


def _version_headers(version: StoredVersion) -> dict[str, str]:
    return {"ETag": f'W/"{version.version_id}"'}


def _stale(resource_type: str, resource_id: str, if_match: int) -> FhirError:
    return PreconditionFailed(f'If-Match W/"{if_match}" is stale: {resource_type}/{resource_id} has changed')


def _check_if_match(
    resource_type: str, resource_id: str, current: StoredVersion | None, if_match: int | None
) -> None:
    if if_match is None:
        return
    if current is None:
        raise PreconditionFailed(f"If-Match given but {resource_type}/{resource_id} does not exist")
    if current.version_id != if_match:
        raise _stale(resource_type, resource_id, if_match)
