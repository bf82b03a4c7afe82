"""A batch Bundle of creates (Synthea's support batches) written in one batch per resource type (import).

It runs inside the store transaction `fhir-gateway import` holds for a batch (gateway/import_batch.py) and
gives every entry the answer `batch_response` gives there: entries in order, each seeing the creates before
it. What changes is the store work. Entry by entry, a conditional create costs a match, a claim, a history
and a current insert; here the conditions of all entries are looked up in one query per resource type, an
earlier entry's create is matched in memory, and claims, history and current documents go in one
`insert_many` each per type.

Only where that equivalence is plain: every entry a POST; every `ifNoneExist` decided by search keys alone
(each condition an exact key lookup, such as `identifier=system|value`), so that a document matches exactly
when it holds those keys, in the store or in memory; no conditional reference inside a resource (it would
have to find the batch's own creates). Otherwise `created_in_bulk` answers None before writing anything,
and the caller runs the entries one by one. Matches are the caller's, as `match` gives them: stored
ones come through its `CallerReads`, and a create of the batch is matched only where the caller may search
it (the import's service reaches everything).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from gateway.fhir.errors import FhirError
from gateway.fhir.resource_version import StoredVersion
from gateway.fhir.validation import validate_resource
from gateway.service.bundle_entries import BundleEntry, rewrite_references
from gateway.service.bundles import Response, entry_response, refused
from gateway.service.interactions import (
    condition_request,
    definition_of,
    several_matches,
    writable_definition_of,
)
from gateway.service.reach import CallerReads
from gateway.service.versions import new_id, next_version
from gateway.store.criteria import EntryMatch
from gateway.store.records import NewVersion
from gateway.store.resource_store import ResourceStore
from gateway.store.search_keys import document_keys, narrowing_keys

# Stored candidates read per entry with a condition at most; a condition naming more documents than this is
# no unique-identifier lookup, and the entries run one by one instead.
_CANDIDATES_PER_CONDITION = 4


class _NotPlain(Exception):
    """Something in the Bundle needs the entry-by-entry path."""


@dataclass
class _Found:
    version: StoredVersion
    keys: frozenset[str]


@dataclass
class _Matches:
    """Every resource a condition can match, by each key some condition looks up: the stored ones (read
    once) and those the batch creates (as it creates them)."""

    wanted: set[str]
    by_key: dict[str, list[_Found]] = field(default_factory=lambda: defaultdict(list))

    def add(self, found: _Found) -> None:
        for key in self.wanted.intersection(found.keys):
            self.by_key[key].append(found)

    def of(self, keys: frozenset[str]) -> list[_Found]:
        first = min(keys)
        return [found for found in self.by_key.get(first, []) if keys <= found.keys]


def deciding_keys(resource_type: str, query: str) -> frozenset[str] | None:
    """The search keys a resource must hold to match `query`, when holding them decides the match; else
    None (a query the store answers some other way, or one `match` refuses)."""
    try:
        request = condition_request(definition_of(resource_type), query, "")
    except FhirError:
        return None
    if request.chains or not request.conditions:
        return None
    keys = set()
    for condition in request.conditions:
        if not isinstance(condition, EntryMatch):
            return None
        found, decided = narrowing_keys(condition)
        if not decided or found is None or len(found) != 1:
            return None
        keys.add(found[0])
    return frozenset(keys)


async def _stored_matches(
    reads: CallerReads, conditions: dict[str, list[frozenset[str]]]
) -> dict[str, _Matches]:
    """Per resource type, the stored resources the caller may search that hold a key some condition looks
    up (one query each)."""
    matches = {}
    for resource_type, key_sets in conditions.items():
        wanted = {min(keys) for keys in key_sets}
        limit = _CANDIDATES_PER_CONDITION * len(wanted)
        try:
            stored = await reads.holding_keys(resource_type, sorted(wanted), limit + 1)
        except FhirError:  # a type the caller may not search: each entry says so, one by one
            raise _NotPlain from None
        if len(stored) > limit:
            raise _NotPlain
        matches[resource_type] = _Matches(wanted)
        for version, keys in stored:
            matches[resource_type].add(_Found(version, frozenset(keys)))
    return matches


async def _not_plain(resource_type: str, query: str) -> str:
    raise _NotPlain  # a conditional reference: it must see this batch's creates


@dataclass
class _Run:
    reads: CallerReads
    validated: bool
    matches: dict[str, _Matches]
    local: dict[str, str] = field(default_factory=dict)  # fullUrl -> Type/id
    created: dict[str, list[NewVersion]] = field(default_factory=lambda: defaultdict(list))
    claims: list[tuple[str, str, str]] = field(default_factory=list)  # (type, criteria, holder id)

    async def answer(self, entry: BundleEntry, keys: frozenset[str] | None) -> Response:
        """In the order `POST` takes: references, validation, then the condition's match."""
        resource_type = entry.resource_type
        definition = writable_definition_of(resource_type)
        resource_id = new_id()
        self._remember(entry, resource_id)
        assert entry.resource is not None
        resource = await rewrite_references(entry.resource, self.local, _not_plain, entry.where)
        if not self.validated:
            validate_resource(resource, resource_type)
        if keys is not None:
            found = self.matches[resource_type].of(keys)
            if len(found) > 1:
                raise several_matches("If-None-Exist", str(entry.if_none_exist), resource_type)
            if found:
                self._remember(entry, found[0].version.id)
                return entry_response(200, found[0].version)
        new = next_version(definition, resource_id, resource, None, "POST")
        self.created[resource_type].append(new)
        if keys is not None:
            assert entry.if_none_exist is not None
            self.claims.append((resource_type, entry.if_none_exist, resource_id))
        # A later entry's condition may match it, where the caller may search it.
        if resource_type in self.matches and self.reads.reach.searchable(resource_type).permits(resource):
            self.matches[resource_type].add(_Found(new.version, frozenset(document_keys(new.search_entries))))
        return entry_response(201, new.version)

    def _remember(self, entry: BundleEntry, resource_id: str) -> None:
        if entry.full_url:
            self.local[entry.full_url] = f"{entry.resource_type}/{resource_id}"


async def created_in_bulk(
    reads: CallerReads, store: ResourceStore, entries: list[BundleEntry], validated: bool = False
) -> list[Response] | None:
    """The batch's responses, its creates written in bulk inside the running transaction; None, with
    nothing written, when the Bundle is not plain enough (the module's docstring). `reads`: the caller's,
    for its matches; `validated`: the resources already passed `validate_resource` (the import's workers)."""
    if not all(entry.method == "POST" and isinstance(entry.resource, dict) for entry in entries):
        return None
    conditions: dict[int, frozenset[str]] = {}
    by_type: dict[str, list[frozenset[str]]] = defaultdict(list)
    for entry in entries:
        if entry.if_none_exist:
            keys = deciding_keys(entry.resource_type, entry.if_none_exist)
            if keys is None:
                return None
            conditions[entry.index] = keys
            by_type[entry.resource_type].append(keys)
    try:
        run = _Run(reads, validated, await _stored_matches(reads, by_type))
        responses = []
        for entry in entries:
            try:
                responses.append(await run.answer(entry, conditions.get(entry.index)))
            except FhirError as error:
                responses.append(refused(error, entry))
    except _NotPlain:
        return None
    await store.claim_all(run.claims)
    for versions in run.created.values():
        await store.insert_new(versions)
    return responses
