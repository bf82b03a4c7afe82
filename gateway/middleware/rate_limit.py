"""Requests per client in a moving window, with the `limits` library's in-memory storage."""

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

DISABLED = ("", "off", "none", "0")


class RateLimiter:
    def __init__(self, limit: str) -> None:
        """`limit` in the library's notation (`600/minute`, `10 per second`); `off` disables limiting."""
        self.item: RateLimitItem | None = None if limit.strip().lower() in DISABLED else parse(limit)
        self._strategy = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, key: str) -> int | None:
        """Count a request of `key`: None when allowed, else the whole seconds until one more would be."""
        if self.item is None or await self._strategy.hit(self.item, key):
            return None
        stats = await self._strategy.get_window_stats(self.item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
