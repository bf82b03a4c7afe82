"""A transaction Bundle of plain creates (Synthea's patient bundles) written in one batch per resource type.

Same semantics as `process_bundle` for such a Bundle: every POST gets its id first, `urn:uuid:` references
between entries and conditional references (`Practitioner?identifier=...`) become `Type/id`, every
resource gets versionId 1, lastUpdated and its search values, and all of it commits together or not at all
(the store's transaction; on a server without transactions the Bundle is refused, as `POST /` refuses it).
What changes is the store work: one `insert_many` of history and one of current documents per type instead
of two inserts per entry. Bundles with any other entry (PUT, DELETE, PATCH, GET, ifNoneExist) take the
general path in gateway/service/bundles.py.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from gateway.fhir.errors import FhirError, NotImplementedHere
from gateway.fhir.validation import validate_resource
from gateway.service.bundle_entries import BundleEntry, read_entries, rewrite_references
from gateway.service.bundles import BundleRun, entry_response, located
from gateway.service.interactions import FhirService, writable_definition_of
from gateway.service.versions import next_version
from gateway.store.records import NewVersion
from gateway.store.transaction import TransactionsUnsupported


def plain_creates(bundle: Any) -> list[BundleEntry] | None:
    """The entries of a transaction Bundle made only of unconditional POSTs, else None."""
    kind, entries = read_entries(bundle, "")
    if kind != "transaction" or not entries:
        return None
    if any(entry.method != "POST" or entry.if_none_exist for entry in entries):
        return None
    return entries


async def create_all(
    service: FhirService,
    entries: list[BundleEntry],
    base_url: str = "",
    validated: bool = False,
    on_entry: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Store `plain_creates(bundle)` as one transaction; the transaction-response Bundle. `validated`: the
    resources already passed `validate_resource` (the import's worker processes), so they are not checked
    twice; reference rewriting after that only puts `Type/id` strings where references were. The server's
    own work only (the bare service, as the import uses): entries are not decided or audited one by one."""
    definitions = {entry.resource_type: writable_definition_of(entry.resource_type) for entry in entries}
    await service.store.prepare(set(definitions))
    run = BundleRun(service, base_url)
    try:
        async with service.transaction():
            by_type: dict[str, list[NewVersion]] = defaultdict(list)
            created: list[NewVersion] = []
            for entry in entries:
                await run.assign(entry)
            for entry in entries:
                try:
                    resource = await rewrite_references(entry.resource, run.local, run.resolve, entry.where)
                    if not validated:
                        validate_resource(resource, entry.resource_type)
                except FhirError as error:
                    raise located(error, entry) from None
                assert entry.resource_id is not None
                new = next_version(
                    definitions[entry.resource_type], entry.resource_id, resource, None, "POST"
                )
                by_type[entry.resource_type].append(new)
                created.append(new)
                on_entry()
            for versions in by_type.values():
                await service.store.insert_new(versions)
    except TransactionsUnsupported:
        raise NotImplementedHere(
            "This server's MongoDB cannot run multi-document transactions (a standalone server), so "
            "transactions are refused rather than half-applied; use a replica set, or send a batch"
        ) from None
    return {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [entry_response(201, new.version) for new in created],
    }
