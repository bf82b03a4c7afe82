"""The service as one caller may use it: every interaction is decided (`access.decide`) before it runs and
recorded as an AuditEvent after it ends, however it ends. Both faces get one per request.

The wrapped service is bound to the caller's reach (`PrincipalReach`), so the reads it makes inside an
interaction (includes, chains, _has, conditional matches) are decided the same way as the interaction itself.
Inside a transaction the records wait for its end: work a rolled-back transaction undid is recorded as failed.
An interaction returns only once its AuditEvent is stored (gateway/audit/trail.py), so no face can answer
before the record exists; if it cannot be stored, the interaction raises a 503 (AuditUnavailable) instead.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from gateway.audit.events import ACTIONS, Actor, audit_event
from gateway.audit.trail import AuditTrail
from gateway.auth.access import Access, Interaction, PrincipalReach, decide
from gateway.auth.principal import Principal
from gateway.fhir.errors import FhirError, Gone, NotFound
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.resource_version import Page, StoredVersion
from gateway.service.interactions import FhirService, SearchOutcome, WriteOutcome, writable_definition_of
from gateway.service.versions import now
from gateway.store.criteria import Condition
from gateway.store.resource_store import ResourceStore

_WRITES: frozenset[Interaction] = frozenset({"create", "update", "delete"})


@dataclass
class _Record:
    """What an interaction touched, filled in while it runs."""

    references: list[str] = field(default_factory=list)
    query: str | None = None


@dataclass
class _Ended:
    """An interaction that ended inside a transaction, its AuditEvent not yet built."""

    interaction: Interaction
    resource_type: str
    record: _Record
    status: int
    description: str | None
    recorded: datetime


class GuardedService:
    def __init__(
        self,
        service: FhirService,
        principal: Principal | None,
        trail: AuditTrail,
        address: str | None,
        face: str,
    ) -> None:
        self.service = service.reaching(PrincipalReach(principal))
        self.principal, self.trail, self.face = principal, trail, face
        self.actor = Actor(
            principal.client_id if principal else None, principal.subject if principal else None, address
        )
        self._held: list[_Ended] | None = None  # inside a Bundle or transaction: records wait for its end

    @asynccontextmanager
    async def _audited(
        self, interaction: Interaction, resource_type: str, resource_id: str | None = None
    ) -> AsyncIterator[_Record]:
        await self._admit()
        record = _Record([f"{resource_type}/{resource_id}"] if resource_id else [])
        status, description = 200, None
        try:
            yield record
        except FhirError as error:
            status, description = error.status, f"{error.code}: {error.diagnostics}"
            raise
        except BaseException:
            status, description = 500, "exception"
            raise
        finally:
            await self._record([_Ended(interaction, resource_type, record, status, description, now())])

    @asynccontextmanager
    async def recorded_together(self) -> AsyncIterator[None]:
        """Hold the records of the interactions inside (a Bundle's entries) and store them in one batch at the
        end, before the answer: one audit write per Bundle rather than one per entry."""
        await self._admit()
        outer, held = self._held, list[_Ended]()
        self._held = held
        try:
            yield
        finally:
            self._held = outer
            await self._record(held)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """The store's transaction; its interactions are recorded when it ends, and if it rolled back, those
        that had succeeded are recorded with the transaction's failure: nothing they did was kept."""
        await self._admit()
        outer, held = self._held, list[_Ended]()
        self._held = held
        failure: tuple[int, str] | None = None
        try:
            async with self.service.transaction():
                yield
        except FhirError as error:
            failure = error.status, f"{error.code}: {error.diagnostics}"
            raise
        except BaseException:
            failure = 500, "exception"
            raise
        finally:
            self._held = outer
            for ended in held:
                if failure is not None and ended.status < 400:
                    ended.status = failure[0]
                    ended.description = f"rolled back with the transaction ({failure[1]})"
            await self._record(held)

    async def _admit(self) -> None:
        """Before any work: a trail too far behind refuses it (503) rather than have it done and unrecorded.
        Inside a Bundle or transaction the whole was admitted once; an entry never waits (a transaction
        holding the embedded store would otherwise wait for audit writes that wait for it)."""
        if self._held is None:
            await self.trail.admit()

    async def _record(self, ended: list[_Ended]) -> None:
        """Store the records now (the caller answers only after they are stored), or hand them to an outer
        hold."""
        if self._held is not None:
            self._held.extend(ended)
        else:
            await self.trail.record_many([self._event(item) for item in ended])

    def _event(self, ended: _Ended) -> dict[str, Any]:
        return audit_event(
            self.actor,
            action=ACTIONS[ended.interaction],
            status=ended.status,
            recorded=ended.recorded,
            face=self.face,
            interaction=ended.interaction,
            resource_type=ended.resource_type,
            references=ended.record.references,
            query=ended.record.query,
            description=ended.description,
        )

    @property
    def store(self) -> ResourceStore:
        """For what Bundles need beyond interactions: collections and the transaction around them."""
        return self.service.store

    def _decide(self, interaction: Interaction, resource_type: str, resource_id: str | None = None) -> Access:
        definition = RESOURCE_DEFINITIONS.get(resource_type)
        if interaction in _WRITES and definition is not None and definition.server_written:
            # No scope could allow it, so say 405 (with Allow) rather than name a scope that would not help.
            writable_definition_of(resource_type)
        return decide(self.principal, interaction, resource_type, resource_id)

    async def _require_existing(self, access: Access, resource_type: str, resource_id: str) -> None:
        """Before changing a resource of a compartment type, the stored one must be the patient's too."""
        if access.patient is None or access.reference == "_id":
            return
        try:
            current = await self.service.read(resource_type, resource_id)
        except (NotFound, Gone):
            return
        access.require(current.resource)

    async def read(self, resource_type: str, resource_id: str) -> StoredVersion:
        async with self._audited("read", resource_type, resource_id):
            access = self._decide("read", resource_type, resource_id)
            version = await self.service.read(resource_type, resource_id)
            access.require(version.resource)
            return version

    async def vread(self, resource_type: str, resource_id: str, version_id: int) -> StoredVersion:
        async with self._audited("vread", resource_type, resource_id) as record:
            record.references = [f"{resource_type}/{resource_id}/_history/{version_id}"]
            access = self._decide("vread", resource_type, resource_id)
            version = await self.service.vread(resource_type, resource_id, version_id)
            access.require(version.resource)
            return version

    async def search(
        self, resource_type: str, parameters: list[tuple[str, str]], base_url: str, strict: bool = False
    ) -> SearchOutcome:
        async with self._audited("search-type", resource_type) as record:
            record.query = urlencode(parameters)
            self._decide("search-type", resource_type)
            outcome = await self.service.search(resource_type, parameters, base_url, strict)
            record.references = [
                f"{version.resource_type}/{version.id}"
                for version in [*outcome.page.items, *outcome.included]
            ]
            return outcome

    async def match(
        self, resource_type: str, query: str, base_url: str, what: str = "The condition"
    ) -> StoredVersion | None:
        """The one match of a conditional interaction's query (create, update, delete, patch, Bundle
        references), decided and audited as the search it is, restricted to what the token reaches."""
        async with self._audited("search-type", resource_type) as record:
            record.query = query
            self._decide("search-type", resource_type)
            found = await self.service.match(resource_type, query, base_url, what)
            record.references = [f"{resource_type}/{found.id}"] if found else []
            return found

    async def read_many(self, resource_type: str, resource_ids: list[str]) -> list[StoredVersion]:
        """Batched reads (GraphQL references): one decision and one audit record for the batch; resources
        outside a patient/ scope's compartment are left out, as if they did not exist."""
        async with self._audited("read", resource_type) as record:
            self._decide("read", resource_type)
            allowed = await self.service.read_many(resource_type, resource_ids)
            record.references = [f"{resource_type}/{version.id}" for version in allowed]
            return allowed

    async def linked(
        self, resource_type: str, parameters: list[tuple[str, str]], extra: Condition, base_url: str
    ) -> list[StoredVersion]:
        """Batched reverse references (GraphQL), restricted and audited as a search."""
        async with self._audited("search-type", resource_type) as record:
            record.query = urlencode(parameters)
            self._decide("search-type", resource_type)
            found = await self.service.linked(resource_type, parameters, extra, base_url)
            record.references = [f"{version.resource_type}/{version.id}" for version in found]
            return found

    async def history(
        self,
        resource_type: str,
        resource_id: str | None,
        count: int,
        page_token: str | None,
        since: datetime | None,
    ) -> Page:
        interaction: Interaction = "history-instance" if resource_id else "history-type"
        async with self._audited(interaction, resource_type, resource_id):
            self._decide(interaction, resource_type, resource_id)
            return await self.service.history(resource_type, resource_id, count, page_token, since)

    async def create(
        self,
        resource_type: str,
        resource: Any,
        if_none_exist: str | None = None,
        base_url: str = "",
        resource_id: str | None = None,
    ) -> WriteOutcome:
        async with self._audited("create", resource_type) as record:
            access = self._decide("create", resource_type)
            if if_none_exist is not None:
                self._decide("search-type", resource_type)  # a conditional create reveals a match
            access.require_written(resource)
            outcome = await self.service.create(resource_type, resource, if_none_exist, base_url, resource_id)
            record.references = [f"{resource_type}/{outcome.version.id}"]
            return outcome

    async def update(
        self, resource_type: str, resource_id: str, resource: Any, if_match: int | None = None
    ) -> WriteOutcome:
        async with self._audited("update", resource_type, resource_id):
            access = self._decide("update", resource_type, resource_id)
            access.require_written(resource)
            await self._require_existing(access, resource_type, resource_id)
            return await self.service.update(resource_type, resource_id, resource, if_match)

    async def delete(
        self, resource_type: str, resource_id: str, if_match: int | None = None
    ) -> StoredVersion | None:
        async with self._audited("delete", resource_type, resource_id):
            access = self._decide("delete", resource_type, resource_id)
            await self._require_existing(access, resource_type, resource_id)
            return await self.service.delete(resource_type, resource_id, if_match)
