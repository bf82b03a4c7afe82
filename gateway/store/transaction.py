"""Multi-document transactions: a bundle's writes commit together or not at all.

The session lives in a context variable, so the store's ordinary reads and writes join it without every
service call passing it along; outside `transaction()` nothing changes.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClientSession

from gateway.store.database import Database

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
    async with await database.client.start_session() as session, session.start_transaction():
        token = _ACTIVE.set(session)
        try:
            yield
        finally:
            _ACTIVE.reset(token)
