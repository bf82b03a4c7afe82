"""The audit trail: a recorder returns only once its event is stored, concurrent recorders share one insert,
a failing or stuck store is a 503 (the event is kept, not dropped), and stop journals what is left."""

import asyncio
from decimal import Decimal

import pytest

from gateway.audit.journal import JOURNAL_FILE, AuditJournal
from gateway.audit.trail import AuditTrail, AuditUnavailable


class GatedSink:
    """Stores batches only while `open` is set, remembering each batch."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.batches: list[list[dict]] = []
        self.entered = asyncio.Event()  # a batch reached the sink

    async def __call__(self, batch: list[dict]) -> None:
        self.entered.set()
        await self.open.wait()
        self.batches.append(batch)

    @property
    def stored(self) -> list[int]:
        return sorted(event["n"] for batch in self.batches for event in batch)


async def test_a_recorder_returns_only_after_its_event_is_stored():
    sink = GatedSink()
    trail = AuditTrail(sink)
    trail.start()
    recording = asyncio.create_task(trail.record({"n": 1}))
    await sink.entered.wait()
    assert not recording.done() and sink.batches == []  # the store has not taken it: no answer yet
    sink.open.set()
    await recording
    assert sink.stored == [1]
    await trail.stop()


async def test_concurrent_recorders_share_batches_and_each_waits_for_its_own():
    sink = GatedSink()
    trail = AuditTrail(sink, batch_size=100)
    trail.start()
    stored_when_answered: dict[int, bool] = {}

    async def request(n: int) -> None:
        await trail.record({"n": n})
        stored_when_answered[n] = n in sink.stored

    first = asyncio.create_task(request(0))
    await sink.entered.wait()  # the first batch is being written; 39 more requests arrive meanwhile
    others = [asyncio.create_task(request(n)) for n in range(1, 40)]
    await asyncio.sleep(0)
    sink.open.set()
    await asyncio.gather(first, *others)
    assert sink.stored == list(range(40))
    assert all(stored_when_answered.values()) and len(stored_when_answered) == 40
    assert len(sink.batches) == 2 and trail.batches == 2  # [0], then the 39 that arrived during it
    await trail.stop()


async def test_a_batch_never_exceeds_the_batch_size():
    sink = GatedSink()
    sink.open.set()
    trail = AuditTrail(sink, batch_size=7)
    trail.start()
    await asyncio.gather(*(trail.record({"n": n}) for n in range(30)))
    assert sink.stored == list(range(30))
    assert max(len(batch) for batch in sink.batches) <= 7
    await trail.stop()


async def test_a_failing_store_answers_503_and_keeps_the_event_until_it_is_stored():
    attempts: list[int] = []
    stored: list[dict] = []

    async def flaky(batch: list[dict]) -> None:
        attempts.append(len(batch))
        if len(attempts) < 3:
            raise ConnectionError("store unavailable")
        stored.extend(batch)

    trail = AuditTrail(flaky)
    trail.start()
    with pytest.raises(AuditUnavailable) as refused:
        await trail.record({"n": 1})
    assert refused.value.status == 503 and refused.value.headers["Retry-After"]
    await trail.flush()  # retried in the background: the event is not lost
    assert stored == [{"n": 1}] and len(attempts) == 3
    await trail.stop()


async def test_a_store_slower_than_the_wait_answers_503_and_still_stores_the_event():
    sink = GatedSink()
    trail = AuditTrail(sink, wait_seconds=0.01)
    trail.start()
    with pytest.raises(AuditUnavailable):
        await trail.record({"n": 1})
    sink.open.set()
    await trail.flush()
    assert sink.stored == [1]
    await trail.stop()


async def test_when_the_pending_events_reach_the_cap_a_request_waits_to_be_admitted():
    sink = GatedSink()
    trail = AuditTrail(sink, max_size=2, batch_size=1)
    trail.start()
    first = [asyncio.create_task(trail.record({"n": n})) for n in range(2)]
    await sink.entered.wait()
    admitted = asyncio.create_task(trail.admit())
    await asyncio.sleep(0)
    assert not admitted.done() and trail.queued == 2  # the third request waits before doing any work
    sink.open.set()
    await asyncio.gather(*first, admitted)
    await trail.record({"n": 2})
    assert sink.stored == [0, 1, 2]
    await trail.stop()


async def test_room_freed_admits_only_as_many_requests_as_it_holds():
    sink = GatedSink()
    trail = AuditTrail(sink, max_size=2, batch_size=2)
    trail.start()
    first = [asyncio.create_task(trail.record({"n": n})) for n in range(2)]
    await sink.entered.wait()
    admits = [asyncio.create_task(trail.admit()) for _ in range(5)]
    sink.open.set()
    await asyncio.gather(*first)
    for _ in range(20):  # let every waiter that can pass do so
        await asyncio.sleep(0)
    assert sum(admit.done() for admit in admits) == 2  # not all five at once
    await asyncio.gather(*(trail.record({"n": 2 + n}) for n in range(2)))
    for _ in range(20):
        await asyncio.sleep(0)
    assert sum(admit.done() for admit in admits) == 4
    for admit in admits:
        admit.cancel()
    await trail.stop()


async def test_a_request_not_admitted_within_the_wait_is_refused_before_its_work_is_done():
    sink = GatedSink()
    trail = AuditTrail(sink, max_size=1, wait_seconds=0.01)
    trail.start()
    waiting = asyncio.create_task(trail.record({"n": 0}))
    await sink.entered.wait()
    with pytest.raises(AuditUnavailable):
        await trail.admit()
    with pytest.raises(AuditUnavailable):  # the store is stuck: the first request is refused too
        await waiting
    sink.open.set()
    await trail.flush()
    assert sink.stored == [0]  # and its event, whose work was done, is still stored
    await trail.stop()


async def test_events_recorded_after_stop_are_written_directly():
    sink = GatedSink()
    sink.open.set()
    trail = AuditTrail(sink)
    trail.start()
    await trail.record({"n": 0})
    await trail.stop()
    await trail.record({"n": 1})
    assert sink.stored == [0, 1]


async def test_stop_journals_what_a_stuck_store_could_not_take_and_the_next_start_stores_it(tmp_path):
    journal = AuditJournal(tmp_path / "data" / JOURNAL_FILE)
    stuck = GatedSink()  # never opens: the store takes nothing
    trail = AuditTrail(stuck, batch_size=2, journal=journal)
    trail.start()
    waiting = [asyncio.create_task(trail.record({"n": n, "value": Decimal("1.50")})) for n in range(5)]
    await stuck.entered.wait()
    await trail.stop(drain_seconds=0)
    for recorder in waiting:  # the requests waiting for those events are answered 503, not hung
        with pytest.raises(AuditUnavailable):
            await recorder
    assert stuck.batches == []
    assert (journal.path.stat().st_mode & 0o777) == 0o600
    assert (journal.path.parent.stat().st_mode & 0o777) == 0o700

    working = GatedSink()
    working.open.set()
    restarted = AuditTrail(working, batch_size=2, journal=journal)
    restarted.start()
    await restarted.record({"n": 5})
    await restarted.stop()
    stored = [event for batch in working.batches for event in batch]
    assert sorted(event["n"] for event in stored) == [0, 1, 2, 3, 4, 5]
    assert stored[0]["value"] == Decimal("1.50")
    assert not journal.path.exists()


def test_a_journal_line_cut_short_by_a_crash_is_skipped_and_the_others_are_read(tmp_path):
    journal = AuditJournal(tmp_path / JOURNAL_FILE)
    journal.append([{"n": 1}, {"n": 2}])
    with journal.path.open("a", encoding="utf-8") as file:
        file.write('{"n": 3, "cut')
    assert journal.read() == [{"n": 1}, {"n": 2}]
