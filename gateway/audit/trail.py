"""A bounded queue of audit events, stored in batches by a background task: off the request path, flushed on
shutdown, and when full the recording request waits (back-pressure) rather than an event being dropped."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Sink = Callable[[list[dict[str, Any]]], Awaitable[None]]


class AuditTrail:
    def __init__(
        self, sink: Sink, max_size: int = 10_000, batch_size: int = 50, linger_seconds: float = 0.25
    ) -> None:
        self._sink, self._batch_size, self._linger = sink, batch_size, linger_seconds
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(max_size)
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.written = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-trail")

    async def record(self, event: dict[str, Any]) -> None:
        if self._closed:
            await self._write([event])  # a straggler after shutdown began is written at once, not lost
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("audit queue full (%d events): requests wait until it drains", self._queue.maxsize)
            await self._queue.put(event)

    async def _next_batch(self) -> list[dict[str, Any]]:
        """The first waiting event plus whatever arrives within the linger time, up to a batch: fewer, larger
        inserts. Batches stay small because an embedded store serves nothing else while it inserts one."""
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self._linger
        while len(batch) < self._batch_size:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            try:
                await self._write(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        """Retry until stored: the queue fills meanwhile and back-pressure slows clients, which is what an
        audit trail that may not lose events should do when its store is failing."""
        attempt = 0
        while True:
            try:
                await self._sink(batch)
                self.written += len(batch)
                return
            except Exception:
                attempt += 1
                log.exception("storing %d audit events failed (attempt %d); retrying", len(batch), attempt)
                await asyncio.sleep(min(5.0, 0.05 * 2**attempt))

    @property
    def queue_length(self) -> int:
        """Events recorded but not yet handed to the store (for the metrics)."""
        return self._queue.qsize()

    async def flush(self) -> None:
        """Wait until every event recorded so far is stored."""
        await self._queue.join()

    async def stop(self, drain_seconds: float = 30.0) -> None:
        """Store what is queued, then end the background task."""
        self._closed = True
        try:
            await asyncio.wait_for(self._queue.join(), drain_seconds)
        except TimeoutError:
            log.error("audit trail: %d events could not be stored before shutdown", self._queue.qsize())
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
