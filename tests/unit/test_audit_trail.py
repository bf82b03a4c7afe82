"""The audit queue: batches off the request path, back-pressure not dropping, retries, flush on stop."""

import asyncio

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
