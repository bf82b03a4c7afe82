"""Multi-document transactions: a bundle's writes commit together or not at all.

The session lives in a context variable, so the store's ordinary reads and writes join it without every
service call passing it along; outside `transaction()` nothing changes. On an engine that binds a
transaction to the whole engine (mongoeco) the database's gate runs it alone (gateway/store/gate.py).
"""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClientSession
from pymongo.errors import OperationFailure

from gateway.store.database import Database
from gateway.store.gate import RETRY_AFTER_SECONDS, StoreBusy

_ACTIVE: ContextVar[AsyncIOMotorClientSession | None] = ContextVar("fhir_transaction", default=None)


class TransactionsUnsupported(Exception):
    """The server cannot run multi-document transactions (a standalone mongod)."""


def active_session() -> AsyncIOMotorClientSession | None:
    return _ACTIVE.get()


def session_options() -> dict[str, Any]:
    """`{"session": s}` inside a transaction, else nothing: spread into motor calls."""
    session = _ACTIVE.get()
    return {"session": session} if session is not None else {}


@asynccontextmanager
async def transaction(database: Database) -> AsyncIterator[None]:
    """Commit everything written inside on success; abort it all when the block raises."""
    if not database.supports_transactions:
        raise TransactionsUnsupported
    async with database.gate.transaction():
        try:
            async with await database.client.start_session() as session, session.start_transaction():
                token = _ACTIVE.set(session)
                try:
                    yield
                finally:
                    _ACTIVE.reset(token)
        except OperationFailure as error:
            # mongoeco's SQLite engine says "database is locked" when its file lock stayed taken past
            # SQLite's busy timeout: as transient as a write conflict, and rolled back the same way.
            message = str(error).lower()
            if error.has_error_label("TransientTransactionError") or (
                "write conflict" in message or "database is locked" in message
            ):
                raise StoreBusy(
                    "The transaction met a concurrent write and was rolled back; retry it",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                ) from None
            raise


@asynccontextmanager
async def write_session(database: Database) -> AsyncIterator[AsyncIOMotorClientSession | None]:
    """The session a single write runs in: the bundle's, a transaction of its own on a cluster, or none."""
    outer = active_session()
    if outer is not None:  # inside a bundle's transaction: join it
        yield outer
        return
    if not database.transactional_writes:
        yield None
        return
    async with await database.client.start_session() as session, session.start_transaction():
        yield session


def gated(database: Database) -> AbstractAsyncContextManager[None]:
    """Pass the database's gate, unless this is part of the running transaction (which holds it)."""
    return nullcontext() if active_session() is not None else database.gate.operation()
