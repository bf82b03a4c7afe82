"""A bounded queue of audit events, stored in batches by a background task: off the request path, and when
full the recording request waits (back-pressure) rather than an event being dropped.

Shutdown takes seconds, not minutes: it stores what it can within `drain_seconds`, then writes the rest
(and any batch whose write was cut short) to the journal in the data directory, which the next start
replays. Events are stored at least once: a batch cut short may have reached the store and be replayed.
Without a journal (no data directory) shutdown waits for the store and reports any events it still held.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from gateway.audit.journal import AuditJournal

log = logging.getLogger(__name__)

Sink = Callable[[list[dict[str, Any]]], Awaitable[None]]
Event = dict[str, Any]


class AuditTrail:
    def __init__(
        self,
        sink: Sink,
        max_size: int = 10_000,
        batch_size: int = 50,
        linger_seconds: float = 0.25,
        journal: AuditJournal | None = None,
    ) -> None:
        self._sink, self._batch_size, self._linger = sink, batch_size, linger_seconds
        self._journal = journal
        self._queue: asyncio.Queue[Event] = asyncio.Queue(max_size)
        self._task: asyncio.Task[None] | None = None
        self._in_flight: list[Event] = []  # the batch being stored, journaled if shutdown cuts it short
        self._closed = False
        # Set while someone waits for the queue to drain (flush, stop): the writer stops lingering for more
        # events then, since nobody should wait out the linger for events that may never come.
        self._draining = asyncio.Event()
        self._drainers = 0
        self.written = 0

    @property
    def queued(self) -> int:
        """Events waiting to be stored (the benchmark watches it)."""
        return self._queue.qsize() + len(self._in_flight)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-trail")

    async def record(self, event: Event) -> None:
        if self._closed:
            await self._write([event])  # a straggler after shutdown began is written at once, not lost
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("audit queue full (%d events): requests wait until it drains", self._queue.maxsize)
            await self._queue.put(event)

    async def _next_batch(self) -> list[Event]:
        """The first waiting event plus whatever arrives within the linger time, up to a batch: fewer, larger
        inserts."""
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self._linger
        while len(batch) < self._batch_size:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or self._draining.is_set():
                break
            arrived = await self._next_event_within(remaining)
            if arrived is None:
                break
            batch.append(arrived)
        return batch

    async def _next_event_within(self, seconds: float) -> Event | None:
        """The next event, or None when `seconds` pass or a drain begins first."""
        getter = asyncio.ensure_future(self._queue.get())
        drain = asyncio.ensure_future(self._draining.wait())
        try:
            await asyncio.wait((getter, drain), timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            drain.cancel()
            if not getter.done():
                getter.cancel()
        # An event the getter took is kept even when the drain began at the same moment.
        return getter.result() if getter.done() and not getter.cancelled() else None

    async def _replay(self) -> None:
        """Store what the last shutdown journaled, then forget it."""
        if self._journal is None:
            return
        events = self._journal.read()
        for start in range(0, len(events), self._batch_size):
            await self._write(events[start : start + self._batch_size])
        if events:
            log.info("audit trail: stored %d events journaled at the last shutdown", len(events))
        self._journal.clear()

    async def _run(self) -> None:
        await self._replay()
        while True:
            batch = await self._next_batch()
            self._in_flight = batch
            try:
                await self._write(batch)
            finally:
                self._in_flight = []
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[Event]) -> None:
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
        async with self._drain():
            await self._queue.join()

    @contextlib.asynccontextmanager
    async def _drain(self) -> AsyncIterator[None]:
        self._drainers += 1
        self._draining.set()
        try:
            yield
        finally:
            self._drainers -= 1
            if not self._drainers:
                self._draining.clear()

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Store what is queued within `drain_seconds`; journal the rest, then end the background task."""
        self._closed = True
        async with self._drain():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), drain_seconds)
            if self._journal is None and self._queue.qsize():
                log.warning(
                    "audit trail: waiting to store %d events (no data directory to journal to)", self.queued
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._queue.join(), 30.0)
        left = list(self._in_flight)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            left.append(self._queue.get_nowait())
            self._queue.task_done()
        if left and self._journal is None:
            log.error("audit trail: %d events could not be stored before shutdown", len(left))
        elif left and self._journal is not None:
            self._journal.append(left)
            log.warning(
                "audit trail: %d events journaled to %s, stored at the next start",
                len(left),
                self._journal.path,
            )
