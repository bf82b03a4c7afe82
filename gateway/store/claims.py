"""Conditional creates that race create one resource: a claim document per (type, criteria), unique by `_id`.

As HAPI keeps a unique "search URL" row per conditional create, the first creator inserts a claim whose
`_id` is built from the type and the canonical criteria; racing creators hit the duplicate key and, instead
of creating, look for the match again. A claim is only a lock on creating: once its holder's resource
exists, a later creator whose search finds no match (the resource was changed, deleted, or is not visible
to that caller) removes the stale claim and claims afresh; a claim whose holder never wrote (it crashed)
is taken over after a grace period. The match search itself is the caller's (it decides access).
"""

import asyncio
import hashlib
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from pymongo.errors import DuplicateKeyError

from gateway.fhir.resource_version import StoredVersion
from gateway.store.database import Database
from gateway.store.gate import RETRY_AFTER_SECONDS, StoreBusy
from gateway.store.records import NewVersion
from gateway.store.transaction import active_session, gated, session_options
from gateway.store.writes import VersionWriter

CLAIMS_COLLECTION = "_conditional_creates"
# How long a claim whose resource never appeared blocks others: longer than any write takes.
HOLDER_GRACE = timedelta(seconds=30)
_MAX_ATTEMPTS = 200

Match = Callable[[], Awaitable[StoredVersion | None]]


def claim_key(resource_type: str, criteria: str) -> str:
    """The same key for the same criteria however the query is ordered or encoded."""
    parameters = sorted(parse_qsl(criteria.split("?", 1)[-1], keep_blank_values=True))
    canonical = f"{resource_type}?{urlencode(parameters)}"
    return f"{resource_type}/{hashlib.sha256(canonical.encode()).hexdigest()}"


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, min(0.1, 0.005 * (attempt + 1))))


class ConditionalCreates:
    def __init__(self, database: Database, writer: VersionWriter) -> None:
        self._claims = database.db[CLAIMS_COLLECTION]
        self._database, self._writer = database, writer

    async def create_once(self, criteria: str, new: NewVersion, find_match: Match) -> StoredVersion | None:
        """Commit `new` unless a resource matches; the match when one exists (then nothing is written)."""
        resource_type = new.version.resource_type
        key = claim_key(resource_type, criteria)
        for attempt in range(_MAX_ATTEMPTS):
            holder = await self._claim(key, new.version.id)
            if holder is None:
                try:
                    async with gated(self._database):
                        await self._writer.commit(new, expected_version=None)
                except BaseException:
                    await self._release(key, new.version.id)
                    raise
                return None
            # Stale only if the holder's resource existed before a search that then missed it.
            stale = await self._is_stale(resource_type, holder)
            found = await find_match()
            if found is not None:
                return found
            if stale:
                await self._release(key, holder["holder"])
            else:
                await _backoff(attempt)
        raise StoreBusy(
            f"Another conditional create with the same criteria is in progress ({criteria}); retry",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    async def claim_all(self, claims: list[tuple[str, str, str]]) -> None:
        """Claim (resource type, criteria, holder id) all at once, inside a transaction whose searches found
        no match for any of them (the import's bulk batches). A claim already held fails the insert, so the
        transaction is rolled back rather than creating a twin."""
        if not claims:
            return
        if active_session() is None:
            raise RuntimeError("claim_all belongs inside a transaction")
        at = datetime.now(UTC)
        documents = [
            {"_id": claim_key(resource_type, criteria), "holder": holder, "at": at}
            for resource_type, criteria, holder in claims
        ]
        await self._claims.insert_many(documents, **session_options())

    async def _claim(self, key: str, resource_id: str) -> dict[str, object] | None:
        """None when the claim is ours now, else the claim document in the way."""
        async with gated(self._database):
            return await self._claim_now(key, resource_id)

    async def _claim_now(self, key: str, resource_id: str) -> dict[str, object] | None:
        try:
            await self._claims.insert_one(
                {"_id": key, "holder": resource_id, "at": datetime.now(UTC)}, **session_options()
            )
            return None
        except DuplicateKeyError:
            found = await self._claims.find_one({"_id": key}, **session_options())
            return found if found is not None else {"_id": key, "holder": None, "at": datetime.now(UTC)}

    async def _is_stale(self, resource_type: str, claim: dict[str, object]) -> bool:
        holder = claim["holder"]
        if not isinstance(holder, str):
            return False  # released meanwhile: just claim again
        async with gated(self._database):
            written = await self._database.current(resource_type).find_one(
                {"_id": holder}, {"_id": 1}, **session_options()
            )
        if written is not None:
            return True  # its resource exists, yet the caller's search found no match
        claimed_at = claim["at"]
        return isinstance(claimed_at, datetime) and datetime.now(UTC) - claimed_at > HOLDER_GRACE

    async def _release(self, key: str, holder: object) -> None:
        async with gated(self._database):
            await self._claims.delete_one({"_id": key, "holder": holder}, **session_options())
