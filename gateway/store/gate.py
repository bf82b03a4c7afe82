"""One transaction at a time on an engine that binds a transaction to the whole engine (mongoeco).

mongoeco's SQLite engine refuses every other operation while a transaction is open ("active transaction
bound to another session") and its memory engine aborts one side of any overlap at commit. So on such an
engine a transaction waits until the operations in flight are done and runs alone; operations that arrive
meanwhile wait until it ends. Turns alternate: a queued transaction goes ahead of newer operations, so a
steady read load cannot starve it, and the operations that waited for a transaction all go before the
next transaction, so a stream of transactions cannot starve them. Every wait is bounded: past it the
caller gets StoreBusy, a retryable 503, never a 500. On MongoDB clusters the gate is open: their
transactions run side by side.
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
        self._waiting_operations = 0
        self._operations_turn = False  # the operations that waited for a transaction go before the next

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

    def _operation_may_go(self) -> bool:
        return not self._transaction and (not self._waiting_transactions or self._operations_turn)

    def _transaction_may_go(self) -> bool:
        return not self._transaction and not self._operations and not self._operations_turn

    @asynccontextmanager
    async def operation(self) -> AsyncIterator[None]:
        """An ordinary read or write: waits while a transaction runs or is queued."""
        if not self.exclusive:
            yield
            return
        changed = self._condition()
        async with changed:
            if not self._operation_may_go():
                self._waiting_operations += 1
                try:
                    await self._wait("this request", self._operation_may_go)
                finally:
                    self._waiting_operations -= 1
                    if not self._waiting_operations:
                        self._operations_turn = False
                        changed.notify_all()
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
                if not self._transaction_may_go():
                    await self._wait("this transaction", self._transaction_may_go)
            finally:
                self._waiting_transactions -= 1
                changed.notify_all()  # operations queued behind a transaction that gave up may go
            self._transaction = True
        try:
            yield
        finally:
            async with changed:
                self._transaction = False
                self._operations_turn = self._waiting_operations > 0
                changed.notify_all()
