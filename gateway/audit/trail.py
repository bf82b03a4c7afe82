"""Durable audit with group commit: a request's AuditEvent is stored before its response is sent.

`record` hands the event to one writer task and waits until the batch holding it is stored. The writer stores
whatever is pending in one `insert_many` per batch (up to `batch_size`); events that arrive while a batch is
being written form the next one, so concurrent requests share the cost of a write and a lone request pays one.
Nothing waits on a timer. The pending list holds the events of requests in flight: a request is admitted
(`admit`) only while fewer than `max_size` events are pending, before it does any work, so the list stays
near that bound whatever the store's speed, and no done work is ever left unrecorded for want of room.

A store that fails or stays slow answers the waiting requests with `AuditUnavailable`, a 503 with Retry-After
(never a 500); their events stay pending and are stored when the store is back. Shutdown is then near-instant:
there is nothing queued beyond the requests still running. What a stopped store leaves pending is written to
the journal in the data directory, which the next start stores (events are stored at least once).
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from gateway.audit.journal import AuditJournal
from gateway.fhir.errors import ServiceUnavailable

log = logging.getLogger(__name__)

Sink = Callable[[list[dict[str, Any]]], Awaitable[None]]
Event = dict[str, Any]
RETRY_AFTER_SECONDS = 5


class AuditUnavailable(ServiceUnavailable):
    """The request's AuditEvent could not be stored: the request is not answered as done."""


def _unavailable(why: str) -> AuditUnavailable:
    return AuditUnavailable(
        f"The audit trail could not store this request's record ({why}); retry",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@dataclass
class _Pending:
    event: Event
    stored: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def _settle(pending: _Pending, error: BaseException | None = None) -> None:
    """Tell the recorder (if it still waits) how its batch ended."""
    if pending.stored.done():  # the recorder gave up waiting or was cancelled; its event is stored anyway
        return
    if error is None:
        pending.stored.set_result(None)
    else:
        pending.stored.set_exception(error)
        pending.stored.exception()  # retrieved: nobody may be left awaiting it


class AuditTrail:
    def __init__(
        self,
        sink: Sink,
        max_size: int = 1_000,
        batch_size: int = 50,
        wait_seconds: float = 30.0,
        journal: AuditJournal | None = None,
    ) -> None:
        self._sink, self._max_size, self._batch_size = sink, max_size, batch_size
        self._wait_seconds, self._journal = wait_seconds, journal
        self._pending: deque[_Pending] = deque()  # oldest first; a batch leaves only once stored
        self._changed: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._admitted = 0  # requests admitted whose events are not handed over yet: room kept for them
        self.written = 0
        self.batches = 0  # how many writes stored them (the tests and benchmarks compare it to `written`)

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:  # made on first use, in the loop that uses it
            self._changed = asyncio.Condition()
        return self._changed

    @property
    def queued(self) -> int:
        """Events handed to the trail and not yet stored (the metrics and benchmarks watch it)."""
        return len(self._pending)

    queue_length = queued

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-trail")

    async def record(self, event: Event) -> None:
        """Return once `event` is stored; raise AuditUnavailable if that cannot happen in `wait_seconds`."""
        await self.record_many([event])

    async def admit(self) -> None:
        """Wait (at most `wait_seconds`) until the pending events are under `max_size`; call it before doing
        the work to be recorded, so that work is refused (503) rather than done and then left unrecorded."""
        if self._closed or self._task is None:
            return
        changed = self._condition()
        async with changed:
            try:
                await asyncio.wait_for(
                    changed.wait_for(lambda: len(self._pending) + self._admitted < self._max_size),
                    self._wait_seconds,
                )
            except TimeoutError:
                raise _unavailable(f"{len(self._pending)} events are waiting to be stored") from None
            self._admitted += 1  # counted until its events arrive, so waiters cannot all rush in at once

    async def record_many(self, events: list[Event]) -> None:
        """Several events of one request (a Bundle's entries), stored together before it is answered. The
        events are always taken (their work is done); `admit` is where a request waits for room."""
        if self._closed or self._task is None:
            if events:
                await self._store_directly(events)  # a straggler after shutdown began is written at once
            return
        changed = self._condition()
        pending = [_Pending(event) for event in events]
        async with changed:
            self._admitted = max(0, self._admitted - 1)  # its room is now taken by its events
            self._pending.extend(pending)
            changed.notify_all()
        if not pending:
            return
        stored = asyncio.gather(*(item.stored for item in pending))
        stored.add_done_callback(lambda done: done.cancelled() or done.exception())  # a recorder may be gone
        try:
            # Shielded: a request cancelled or out of time leaves its events pending; they are still stored.
            await asyncio.wait_for(asyncio.shield(stored), self._wait_seconds)
        except TimeoutError:
            stored.cancel()
            raise _unavailable(f"the store took longer than {self._wait_seconds:g} s") from None

    async def _store_directly(self, events: list[Event]) -> None:
        try:
            await self._sink(events)
        except Exception as error:
            log.exception("storing %d audit events after shutdown began failed", len(events))
            raise _unavailable("the store failed") from error
        self.written += len(events)
        self.batches += 1

    async def _next_batch(self) -> list[_Pending]:
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: bool(self._pending))
            return list(islice(self._pending, self._batch_size))

    async def _run(self) -> None:
        await self._replay()
        failures = 0
        while True:
            batch = await self._next_batch()
            try:
                await self._sink([item.event for item in batch])
            except Exception:
                failures += 1
                log.exception("storing %d audit events failed (attempt %d); retrying", len(batch), failures)
                unavailable = _unavailable("the store failed")
                for item in batch:
                    _settle(item, unavailable)
                await asyncio.sleep(min(5.0, 0.05 * 2**failures))
                continue
            failures = 0
            self.written += len(batch)
            self.batches += 1
            changed = self._condition()
            async with changed:
                for _ in batch:
                    self._pending.popleft()  # only the writer removes, so the batch is still at the front
                changed.notify_all()
            for item in batch:
                _settle(item)

    async def _replay(self) -> None:
        """Store what an earlier shutdown journaled (the store was down then), before anything newer."""
        if self._journal is None:
            return
        events = self._journal.read()
        for start in range(0, len(events), self._batch_size):
            await self._store_until_done(events[start : start + self._batch_size])
        if events:
            log.info("audit trail: stored %d events journaled at an earlier shutdown", len(events))
        self._journal.clear()

    async def _store_until_done(self, batch: list[Event]) -> None:
        attempt = 0
        while True:
            try:
                await self._sink(batch)
                self.written += len(batch)
                self.batches += 1
                return
            except Exception:
                attempt += 1
                log.exception("storing %d journaled audit events failed (attempt %d)", len(batch), attempt)
                await asyncio.sleep(min(5.0, 0.05 * 2**attempt))

    async def flush(self) -> None:
        """Wait until every event handed to the trail so far is stored."""
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: not self._pending)

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Store what is pending within `drain_seconds` (normally nothing: every request waited for its
        events); journal what a failing store left, then end the writer."""
        self._closed = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flush(), drain_seconds)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        left = list(self._pending)
        self._pending.clear()
        for item in left:
            _settle(item, _unavailable("the server is stopping"))
        if not left:
            return
        if self._journal is None:
            log.error("audit trail: %d events could not be stored before shutdown", len(left))
            return
        self._journal.append([item.event for item in left])
        log.warning(
            "audit trail: %d events journaled to %s, stored at the next start", len(left), self._journal.path
        )
