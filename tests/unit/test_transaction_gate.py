"""The transaction gate: on an engine that binds one transaction to the whole engine, a transaction runs
alone, operations wait for it (bounded), and a wait past the bound is a retryable 503."""

import asyncio

import pytest

from gateway.store.gate import StoreBusy, TransactionGate


async def test_an_operation_waits_for_a_running_transaction_and_then_runs():
    gate = TransactionGate(exclusive=True)
    order: list[str] = []
    release = asyncio.Event()

    async def transaction() -> None:
        async with gate.transaction():
            order.append("transaction")
            await release.wait()
            order.append("transaction done")

    async def operation() -> None:
        async with gate.operation():
            order.append("operation")

    running = asyncio.create_task(transaction())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(operation())
    await asyncio.sleep(0)
    assert order == ["transaction"]
    release.set()
    await asyncio.gather(running, waiting)
    assert order == ["transaction", "transaction done", "operation"]


async def test_a_transaction_waits_for_operations_in_flight_and_newer_operations_queue_behind_it():
    gate = TransactionGate(exclusive=True)
    order: list[str] = []
    release = asyncio.Event()

    async def operation(name: str, hold: bool) -> None:
        async with gate.operation():
            order.append(name)
            if hold:
                await release.wait()

    async def transaction() -> None:
        async with gate.transaction():
            order.append("transaction")

    first = asyncio.create_task(operation("first", hold=True))
    await asyncio.sleep(0)
    queued = asyncio.create_task(transaction())
    await asyncio.sleep(0)
    later = asyncio.create_task(operation("later", hold=False))
    await asyncio.sleep(0)
    assert order == ["first"]
    release.set()
    await asyncio.gather(first, queued, later)
    assert order == ["first", "transaction", "later"]


async def test_an_operation_kept_waiting_past_the_bound_gets_a_retryable_503():
    gate = TransactionGate(exclusive=True, wait_seconds=0.01)
    release = asyncio.Event()

    async def transaction() -> None:
        async with gate.transaction():
            await release.wait()

    running = asyncio.create_task(transaction())
    await asyncio.sleep(0)
    with pytest.raises(StoreBusy) as refused:
        async with gate.operation():
            pass
    assert refused.value.status == 503 and "Retry-After" in refused.value.headers
    release.set()
    await running
    async with gate.operation():  # the gate is usable again
        pass


async def test_an_open_gate_lets_transactions_and_operations_overlap():
    gate = TransactionGate(exclusive=False)
    async with gate.transaction(), gate.transaction(), gate.operation():
        pass


async def test_operations_that_waited_for_a_transaction_go_before_the_next_queued_transaction():
    gate = TransactionGate(exclusive=True)
    order: list[str] = []
    release = asyncio.Event()

    async def transaction(name: str, hold: bool) -> None:
        async with gate.transaction():
            order.append(name)
            if hold:
                await release.wait()

    async def operation(name: str) -> None:
        async with gate.operation():
            order.append(name)

    first = asyncio.create_task(transaction("first transaction", hold=True))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(operation(f"operation {number}")) for number in range(2)]
    await asyncio.sleep(0)
    second = asyncio.create_task(transaction("second transaction", hold=False))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, second, *waiting)
    assert order == ["first transaction", "operation 0", "operation 1", "second transaction"]
