"""The audit queue: batches off the request path, back-pressure not dropping, retries, flush on stop."""

import asyncio
from decimal import Decimal

from gateway.audit.journal import JOURNAL_FILE, AuditJournal
from gateway.audit.trail import AuditTrail


class SlowSink:
    """Stores batches only while `open` is set, remembering each batch."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.batches: list[list[dict]] = []

    async def __call__(self, batch: list[dict]) -> None:
        await self.open.wait()
        self.batches.append(batch)


async def test_a_full_queue_makes_the_recorder_wait_and_drops_nothing():
    sink = SlowSink()
    trail = AuditTrail(sink, max_size=2, batch_size=10, linger_seconds=0)
    trail.start()
    await trail.record({"n": 0})
    await asyncio.sleep(0)  # the writer takes event 0 and waits on the sink
    await trail.record({"n": 1})
    await trail.record({"n": 2})
    blocked = asyncio.create_task(trail.record({"n": 3}))
    await asyncio.sleep(0.05)
    assert not blocked.done()  # back-pressure: the request waits for room
    sink.open.set()
    await blocked
    await trail.flush()
    assert sorted(event["n"] for batch in sink.batches for event in batch) == [0, 1, 2, 3]
    assert len(sink.batches) < 4  # stored in batches, not one by one
    await trail.stop()


async def test_a_failing_store_is_retried_until_the_events_are_stored():
    attempts: list[int] = []
    stored: list[dict] = []

    async def flaky(batch: list[dict]) -> None:
        attempts.append(len(batch))
        if len(attempts) < 3:
            raise ConnectionError("store unavailable")
        stored.extend(batch)

    trail = AuditTrail(flaky)
    trail.start()
    await trail.record({"n": 1})
    await trail.flush()
    assert stored == [{"n": 1}] and len(attempts) == 3
    await trail.stop()


async def test_stop_stores_what_is_queued_and_later_events_are_written_directly():
    sink = SlowSink()
    sink.open.set()
    trail = AuditTrail(sink, batch_size=2)
    trail.start()
    for n in range(5):
        await trail.record({"n": n})
    await trail.stop()
    await trail.record({"n": 5})
    assert sorted(event["n"] for batch in sink.batches for event in batch) == [0, 1, 2, 3, 4, 5]


async def test_stop_journals_what_a_stuck_store_could_not_take_and_the_next_start_stores_it(tmp_path):
    journal = AuditJournal(tmp_path / "data" / JOURNAL_FILE)
    stuck = SlowSink()  # never opens: the store takes nothing
    trail = AuditTrail(stuck, batch_size=2, linger_seconds=0, journal=journal)
    trail.start()
    for n in range(5):
        await trail.record({"n": n, "value": Decimal("1.50")})
    await trail.stop(drain_seconds=0)
    assert stuck.batches == []
    assert (journal.path.stat().st_mode & 0o777) == 0o600
    assert (journal.path.parent.stat().st_mode & 0o777) == 0o700

    working = SlowSink()
    working.open.set()
    restarted = AuditTrail(working, batch_size=2, linger_seconds=0, journal=journal)
    restarted.start()
    await restarted.record({"n": 5})
    await restarted.flush()
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


async def test_flush_and_stop_end_the_linger_at_once_and_store_what_was_gathered():
    """A writer gathering a batch for an hour must not hold up a flush (tests, benchmark) or a shutdown."""
    sink = SlowSink()
    sink.open.set()
    trail = AuditTrail(sink, batch_size=10, linger_seconds=3600)
    trail.start()
    await trail.record({"n": 0})
    await asyncio.sleep(0)  # the writer takes event 0 and lingers for more
    await trail.record({"n": 1})
    # Guards against a hang only: without the fix each call waits out the hour-long linger.
    await asyncio.wait_for(trail.flush(), 600)
    assert [[event["n"] for event in batch] for batch in sink.batches] == [[0, 1]]
    await trail.record({"n": 2})
    await asyncio.wait_for(trail.stop(), 600)
    assert [event["n"] for batch in sink.batches for event in batch] == [0, 1, 2]
