"""One transaction at a time on an engine that binds a transaction to the whole engine (mongoeco).

mongoeco's SQLite engine refuses every other operation while a transaction is open ("active transaction
bound to another session") and its memory engine aborts one side of any overlap at commit. So on such an
engine a transaction waits until the operations in flight are done and runs alone; operations that arrive
meanwhile wait until it ends. Waiting prefers the transaction (it queues ahead of newer operations) so a
steady read load cannot starve it. Every wait is bounded: past it the caller gets StoreBusy, a retryable
503, never a 500. On MongoDB clusters the gate is open: their transactions run side by side.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from gateway.fhir.errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 2


class StoreBusy(ServiceUnavailable):
    """The store stayed busy with a transaction longer than the configured wait."""


class TransactionGate:
    def __init__(self, exclusive: bool, wait_seconds: float = 30.0) -> None:
        self.exclusive, self.wait_seconds = exclusive, wait_seconds
        self._changed: asyncio.Condition | None = None
        self._operations = 0  # ordinary operations in flight
        self._transaction = False  # a transaction holds the engine
        self._waiting_transactions = 0

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:  # made on first use, in the loop that uses it
            self._changed = asyncio.Condition()
        return self._changed

    async def _wait(self, what: str, predicate: Callable[[], bool]) -> None:
        changed = self._condition()
        try:
            await asyncio.wait_for(changed.wait_for(predicate), self.wait_seconds)
        except TimeoutError:
            raise StoreBusy(
                f"The store is busy with a transaction; {what} waited {self.wait_seconds:g} s: retry",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None

    def _no_transaction(self) -> bool:
        return not self._transaction and not self._waiting_transactions

    def _engine_free(self) -> bool:
        return not self._transaction and not self._operations

    @asynccontextmanager
    async def operation(self) -> AsyncIterator[None]:
        """An ordinary read or write: waits while a transaction runs or is queued."""
        if not self.exclusive:
            yield
            return
        changed = self._condition()
        async with changed:
            if self._transaction or self._waiting_transactions:
                await self._wait("this request", self._no_transaction)
            self._operations += 1
        try:
            yield
        finally:
            async with changed:
                self._operations -= 1
                changed.notify_all()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A whole transaction, alone on the engine."""
        if not self.exclusive:
            yield
            return
        changed = self._condition()
        async with changed:
            self._waiting_transactions += 1
            try:
                if self._transaction or self._operations:
                    await self._wait("this transaction", self._engine_free)
            finally:
                self._waiting_transactions -= 1
                changed.notify_all()  # operations queued behind a transaction that gave up may go
            self._transaction = True
        try:
            yield
        finally:
            async with changed:
                self._transaction = False
                changed.notify_all()
