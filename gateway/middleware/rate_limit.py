"""Requests per client in a moving window, with the `limits` library.

One process (the embedded store) counts in memory. Several instances on one database must share their
counts, or N instances would allow N times the limit: there the counters live in the database, through the
library's MongoDB storage (its own motor client, two small collections in the gateway's database).
"""

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, MongoDBStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from gateway.observability.metrics import RATE_LIMIT_REFUSALS, RATE_LIMIT_STORAGE_ERRORS

log = logging.getLogger(__name__)

DISABLED = ("", "off", "none", "0")
STORAGE_CHOICES = ("auto", "memory", "database")
WINDOWS_COLLECTION = "_rate_limit_windows"
COUNTERS_COLLECTION = "_rate_limit_counters"  # unused by the moving window; named so it cannot clash


def limiter_storage(choice: str, mongodb_uri: str | None, database_name: str) -> Storage:
    """`auto`: the database when MONGODB_URI is set (other instances may share it), else memory."""
    if choice not in STORAGE_CHOICES:
        raise ValueError(f"FHIR_GATEWAY_RATE_LIMIT_STORAGE must be one of {', '.join(STORAGE_CHOICES)}")
    if choice == "memory" or (choice == "auto" and mongodb_uri is None):
        return MemoryStorage()
    if mongodb_uri is None:
        raise ValueError("FHIR_GATEWAY_RATE_LIMIT_STORAGE=database needs MONGODB_URI")
    return MongoDBStorage(
        f"async+{mongodb_uri}",
        database_name=database_name,
        counter_collection_name=COUNTERS_COLLECTION,
        window_collection_name=WINDOWS_COLLECTION,
        wrap_exceptions=True,
        tz_aware=True,
    )


class RateLimiter:
    def __init__(self, limit: str, storage: Storage | None = None) -> None:
        """`limit` in the library's notation (`600/minute`, `10 per second`); `off` disables limiting."""
        self.item: RateLimitItem | None = None if limit.strip().lower() in DISABLED else parse(limit)
        self.storage = storage or MemoryStorage()
        self._strategy = MovingWindowRateLimiter(self.storage)

    @property
    def shared(self) -> bool:
        return isinstance(self.storage, MongoDBStorage)

    async def hit(self, key: str) -> int | None:
        """Count a request of `key`: None when allowed, else the whole seconds until one more would be.

        When the shared counters cannot be reached the request is let through (and counted in the metrics):
        the data it asks for lives in the same database, so it fails there with the store's own answer,
        while a passing hiccup does not turn every client away.
        """
        if self.item is None:
            return None
        try:
            if await self._strategy.hit(self.item, key):
                return None
            stats = await self._strategy.get_window_stats(self.item, key)
        except StorageError as error:
            RATE_LIMIT_STORAGE_ERRORS.inc()
            log.warning("rate limit not checked, shared counters unreachable: %s", error)
            return None
        RATE_LIMIT_REFUSALS.inc()
        return max(1, math.ceil(stats.reset_time - time.time()))

    def close(self) -> None:
        """Close the shared storage's database client (memory needs nothing)."""
        if isinstance(self.storage, MongoDBStorage):
            self.storage.storage.close()
