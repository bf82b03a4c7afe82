"""Batch and transaction Bundles (http.html#transaction) through the same interactions as single requests.

A transaction assigns every POST its id first, so `urn:uuid:` references between entries and conditional
references (`Patient?identifier=...`) become `Type/id` before anything is written; it then runs DELETE, POST,
PUT, GET in one MongoDB transaction, and any failing entry aborts the whole of it. A batch runs each entry on
its own and reports each outcome.
"""

import dataclasses
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol
from urllib.parse import parse_qsl

from gateway.fhir import bundle as bundles
from gateway.fhir.dates import instant_text
from gateway.fhir.errors import BadRequest, FhirError, NotFound, NotImplementedHere, PreconditionFailed
from gateway.fhir.outcome import operation_outcome
from gateway.fhir.resource_version import StoredVersion
from gateway.service.bundle_entries import BundleEntry, entry_patch, read_entries, rewrite_references
from gateway.service.interactions import SearchOutcome, WriteOutcome, definition_of
from gateway.service.patch import patch
from gateway.service.versions import check_id, new_id
from gateway.store.resource_store import ResourceStore
from gateway.store.transaction import TransactionsUnsupported

_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3}
_STATUS = {200: "200 OK", 201: "201 Created", 204: "204 No Content"}

Response = dict[str, Any]


def entry_response(status: int, version: StoredVersion | None = None, resource: Any = None) -> Response:
    entry: Response = {"response": {"status": _STATUS.get(status, str(status))}}
    if version is not None:
        entry["response"] |= {
            "location": f"{version.resource_type}/{version.id}/_history/{version.version_id}",
            "etag": f'W/"{version.version_id}"',
            "lastModified": instant_text(version.last_updated),
        }
    body = resource if resource is not None else (version.resource if version else None)
    if body is not None:
        entry["resource"] = body
    return entry


def located(error: FhirError, entry: BundleEntry) -> FhirError:
    """The same error, saying which entry failed."""
    issues = [
        dataclasses.replace(issue, diagnostics=f"{entry.where}: {issue.diagnostics}")
        for issue in error.issues
    ]
    return type(error)(issues[0].diagnostics, issues[0].expression, issues, error.headers)


class Interactions(Protocol):
    """What a Bundle's entries run through: the service itself, or the same guarded for one caller."""

    @property
    def store(self) -> ResourceStore: ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """The store's transaction (a guarded service records its entries' audit outcomes when it ends)."""
        ...

    async def read(self, resource_type: str, resource_id: str) -> StoredVersion: ...

    async def search(
        self, resource_type: str, parameters: list[tuple[str, str]], base_url: str, strict: bool = False
    ) -> SearchOutcome: ...

    async def match(
        self, resource_type: str, query: str, base_url: str, what: str = "The condition"
    ) -> StoredVersion | None: ...

    async def create(
        self,
        resource_type: str,
        resource: Any,
        if_none_exist: str | None = None,
        base_url: str = "",
        resource_id: str | None = None,
    ) -> WriteOutcome: ...

    async def update(
        self, resource_type: str, resource_id: str, resource: Any, if_match: int | None = None
    ) -> WriteOutcome: ...

    async def delete(
        self, resource_type: str, resource_id: str, if_match: int | None = None
    ) -> StoredVersion | None: ...


class BundleRun:
    def __init__(self, service: Interactions, base_url: str) -> None:
        self.service, self.base_url = service, base_url
        self.local: dict[str, str] = {}  # fullUrl -> Type/id
        self.resolved: dict[str, str] = {}  # conditional reference -> Type/id

    async def one_match(self, resource_type: str, query: str, what: str) -> StoredVersion | None:
        """The single resource a conditional query matches, None for none; 412 for several; 400 for none
        given. The caller's reach applies: a match it cannot see is no match."""
        return await self.service.match(resource_type, query, self.base_url, what)

    async def resolve(self, resource_type: str, query: str) -> str:
        key = f"{resource_type}?{query}"
        if key not in self.resolved:
            found = await self.one_match(resource_type, query, "The conditional reference")
            if found is None:
                raise PreconditionFailed(f"The conditional reference {key} matches no resource")
            self.resolved[key] = f"{resource_type}/{found.id}"
        return self.resolved[key]

    async def assign(self, entry: BundleEntry) -> Response | None:
        """Give a POST its id (or its existing match, for ifNoneExist) and record its fullUrl."""
        if entry.method == "POST":
            existing = (
                await self.one_match(entry.resource_type, entry.if_none_exist, f"{entry.where} ifNoneExist")
                if entry.if_none_exist
                else None
            )
            if existing is not None:
                self.remember(entry, f"{entry.resource_type}/{existing.id}")
                return entry_response(200, existing)
            entry.resource_id = new_id()
        elif entry.resource_id is None and entry.query is not None and entry.method != "GET":
            await self._conditional_target(entry)
            if entry.resource_id is None:
                return entry_response(204)  # a conditional delete that matched nothing has nothing to do
        if entry.method in ("POST", "PUT"):
            self.remember(entry, f"{entry.resource_type}/{entry.resource_id}")
        return None

    async def _conditional_target(self, entry: BundleEntry) -> None:
        """The id a conditional PUT, PATCH or DELETE entry acts on, found through the caller's search
        (http.html#cond-update): the one match, or for a PUT without one, the body's id or a new one."""
        assert entry.query is not None
        match = await self.one_match(
            entry.resource_type, entry.query, f"{entry.where} conditional {entry.method}"
        )
        if match is not None:
            body_id = (entry.resource or {}).get("id")
            if entry.method == "PUT" and body_id not in (None, match.id):
                raise BadRequest(
                    f"{entry.where}: the resource id {body_id!r} is not the matched {match.id!r}"
                )
            entry.resource_id = match.id
        elif entry.method == "PUT":
            entry.resource_id = check_id((entry.resource or {}).get("id") or new_id())
        elif entry.method == "PATCH":
            raise NotFound(f"{entry.resource_type}?{entry.query} matches no {entry.resource_type}")
        if entry.method == "PUT" and entry.resource is not None:
            entry.resource = {**entry.resource, "id": entry.resource_id}

    def remember(self, entry: BundleEntry, reference: str) -> None:
        if entry.full_url:
            self.local[entry.full_url] = reference

    async def run(self, entry: BundleEntry) -> Response:
        service, resource_type = self.service, entry.resource_type
        resource = entry.resource
        if resource is not None:
            resource = await rewrite_references(resource, self.local, self.resolve, entry.where)
        if entry.method == "POST":
            # The criteria go along so racing batches meet at the store's claim: one creates, the others
            # get its match (200), as racing `If-None-Exist` POSTs do.
            outcome = await service.create(
                resource_type,
                resource,
                if_none_exist=entry.if_none_exist,
                base_url=self.base_url,
                resource_id=entry.resource_id,
            )
            if not outcome.created:
                self.remember(entry, f"{resource_type}/{outcome.version.id}")
            return entry_response(201 if outcome.created else 200, outcome.version)
        if entry.method == "PUT":
            assert entry.resource_id is not None
            outcome = await service.update(resource_type, entry.resource_id, resource, entry.if_match)
            return entry_response(201 if outcome.created else 200, outcome.version)
        if entry.method == "PATCH":
            assert entry.resource_id is not None
            kind, body = entry_patch(dataclasses.replace(entry, resource=resource))
            outcome = await patch(service, resource_type, entry.resource_id, kind, body, entry.if_match)
            return entry_response(200, outcome.version)
        if entry.method == "DELETE":
            assert entry.resource_id is not None
            deletion = await service.delete(resource_type, entry.resource_id, entry.if_match)
            return entry_response(204, deletion if deletion else None)
        if entry.resource_id is not None:
            return entry_response(200, await service.read(resource_type, entry.resource_id))
        result = await service.search(resource_type, parse_qsl(entry.query or ""), self.base_url)
        matches = [version.resource or {} for version in result.page.items]
        searchset = bundles.searchset(
            self.base_url,
            resource_type,
            matches,
            result.page,
            result.request.used,
            result.warnings,
            result.included,
        )
        return entry_response(200, resource=searchset)


async def _transaction(run: BundleRun, entries: list[BundleEntry]) -> list[Response]:
    responses: dict[int, Response] = {}
    for entry in entries:
        try:
            answered = await run.assign(entry)
        except FhirError as error:
            raise located(error, entry) from None
        if answered is not None:
            responses[entry.index] = answered
    for entry in sorted(entries, key=lambda item: _ORDER[item.method]):
        if entry.index in responses:
            continue
        try:
            responses[entry.index] = await run.run(entry)
        except FhirError as error:
            raise located(error, entry) from None
    return [responses[entry.index] for entry in entries]


def refused(error: FhirError, entry: BundleEntry) -> Response:
    """A batch entry's answer when it failed: its status and OperationOutcome; the other entries go on."""
    refusal = located(error, entry)
    return {"response": {"status": str(error.status), "outcome": operation_outcome(refusal.issues)}}


async def _batch(run: BundleRun, entries: list[BundleEntry]) -> list[Response]:
    responses = []
    for entry in entries:
        try:
            if entry.method == "POST" and entry.if_none_exist:
                # Matched once, by the create itself (`run`), not first here as a transaction's must be:
                # nothing else in a batch needs the match before the entry runs.
                entry.resource_id = new_id()
                run.remember(entry, f"{entry.resource_type}/{entry.resource_id}")
                responses.append(await run.run(entry))
                continue
            answered = await run.assign(entry)
            responses.append(answered if answered is not None else await run.run(entry))
        except FhirError as error:
            responses.append(refused(error, entry))
    return responses


async def prepared_entries(
    service: Interactions, bundle: Any, base_url: str
) -> tuple[str, list[BundleEntry]]:
    """The Bundle's kind and entries, with the collections its writes need created (MongoDB creates none
    inside a transaction)."""
    kind, entries = read_entries(bundle, base_url)
    for entry in entries:
        definition_of(entry.resource_type)  # unknown types fail before anything runs
    await service.store.prepare({entry.resource_type for entry in entries if entry.method != "GET"})
    return kind, entries


async def batch_response(service: Interactions, entries: list[BundleEntry], base_url: str) -> dict[str, Any]:
    """The batch-response Bundle of `prepared_entries` of a batch: each entry answered on its own."""
    responses = await _batch(BundleRun(service, base_url), entries)
    return {"resourceType": "Bundle", "type": "batch-response", "entry": responses}


async def process_bundle(service: Interactions, bundle: Any, base_url: str) -> dict[str, Any]:
    """The batch-response or transaction-response Bundle; a failed transaction raises and stores nothing."""
    kind, entries = await prepared_entries(service, bundle, base_url)
    if kind == "batch":
        return await batch_response(service, entries, base_url)
    try:
        async with service.transaction():
            responses = await _transaction(BundleRun(service, base_url), entries)
    except TransactionsUnsupported:
        raise NotImplementedHere(
            "This server's MongoDB cannot run multi-document transactions (a standalone server), so "
            "transactions are refused rather than half-applied; use a replica set, or send a batch"
        ) from None
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": responses}
