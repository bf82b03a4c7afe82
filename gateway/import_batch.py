"""Batch Bundles in `fhir-gateway import`: the whole batch tried in one store transaction first.

Synthea's support batches are conditional creates with conditional references; entry by entry, each cost
six round trips to the store, two of them (a write-ahead note and its settling, gateway/store/writes.py)
only because a write's history and current documents were not one transaction, and one commit per write.
Inside one transaction the note is not needed and the store commits once.

The outcome is the one `POST /` gives the same batch, entry by entry (`process_bundle`): the entries run
in order inside the transaction, so each sees the writes of those before it, as it would after they
committed. But a batch entry's failure must not undo the others, and a write that failed partway must not
commit its first half. So if any write interaction (create, update, delete, patch) raised, or the commit
failed, the transaction is rolled back whole and the batch runs again entry by entry, outside a
transaction. A store without transactions (a standalone MongoDB) runs it entry by entry at once.
"""

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from pymongo.errors import PyMongoError

from gateway.fhir.resource_version import StoredVersion
from gateway.service.bulk_batch import created_in_bulk
from gateway.service.bundles import batch_response, prepared_entries
from gateway.service.interactions import FhirService, SearchOutcome, WriteOutcome
from gateway.service.reach import CallerReads
from gateway.store.resource_store import ResourceStore
from gateway.store.transaction import TransactionsUnsupported


class _WriteFailed(Exception):
    """A write interaction of the batch raised: roll the transaction back."""


class CountedService:
    """The service as a Bundle's entries see it: advances the progress once per entry processed, and
    remembers whether a write interaction raised."""

    def __init__(self, service: FhirService, advance: Callable[[], None]) -> None:
        self._service, self._advance = service, advance
        self.write_failed = False

    def count_entries(self, entries: int) -> None:
        """Entries answered without passing through this service (written in bulk)."""
        for _ in range(entries):
            self._advance()

    @property
    def store(self) -> ResourceStore:
        return self._service.store

    @property
    def reads(self) -> CallerReads:
        return self._service.reads

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self._service.transaction()

    async def match(
        self, resource_type: str, query: str, base_url: str, what: str = "The condition"
    ) -> StoredVersion | None:
        return await self._service.match(resource_type, query, base_url, what)

    async def read(self, resource_type: str, resource_id: str) -> StoredVersion:
        found = await self._service.read(resource_type, resource_id)
        self._advance()
        return found

    async def search(
        self, resource_type: str, parameters: list[tuple[str, str]], base_url: str, strict: bool = False
    ) -> SearchOutcome:
        # Conditional references search too: only searches that are entries count.
        return await self._service.search(resource_type, parameters, base_url, strict)

    async def _counted_write[Outcome](self, write: Awaitable[Outcome]) -> Outcome:
        try:
            outcome = await write
        except BaseException:
            self.write_failed = True
            raise
        self._advance()
        return outcome

    async def create(
        self,
        resource_type: str,
        resource: Any,
        if_none_exist: str | None = None,
        base_url: str = "",
        resource_id: str | None = None,
    ) -> WriteOutcome:
        return await self._counted_write(
            self._service.create(resource_type, resource, if_none_exist, base_url, resource_id)
        )

    async def update(
        self, resource_type: str, resource_id: str, resource: Any, if_match: int | None = None
    ) -> WriteOutcome:
        return await self._counted_write(self._service.update(resource_type, resource_id, resource, if_match))

    async def delete(
        self, resource_type: str, resource_id: str, if_match: int | None = None
    ) -> StoredVersion | None:
        return await self._counted_write(self._service.delete(resource_type, resource_id, if_match))


async def in_one_transaction(
    service: CountedService, bundle: dict[str, Any], validated: bool = False
) -> dict[str, Any] | None:
    """The batch-response of `bundle` run in one transaction; None if it was rolled back (or the store has
    no transactions), in which case nothing of it was kept and it must run entry by entry. A batch of
    creates is written in bulk (gateway/service/bulk_batch.py); `validated`: its resources passed
    `validate_resource` in the import's workers."""
    kind, entries = await prepared_entries(service, bundle, "")
    if kind != "batch":
        return None
    try:
        async with service.transaction():
            responses = await created_in_bulk(service.reads, service.store, entries, validated)
            if responses is not None:
                service.count_entries(len(responses))
                return {"resourceType": "Bundle", "type": "batch-response", "entry": responses}
            answer = await batch_response(service, entries, "")
            if service.write_failed:
                raise _WriteFailed
        return answer
    except (_WriteFailed, TransactionsUnsupported, PyMongoError):
        return None
