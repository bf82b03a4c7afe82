"""Connect motor to MongoDB (or the embedded server), find out what it supports, create the indexes."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo.errors import OperationFailure

from gateway.store.codec import CODEC_OPTIONS
from gateway.store.gate import TransactionGate
from gateway.store.indexes import CURRENT_INDEXES, HISTORY_INDEXES

log = logging.getLogger(__name__)

Document = dict[str, Any]


def history_collection_name(resource_type: str) -> str:
    return f"{resource_type}_history"


@dataclass
class Database:
    client: AsyncIOMotorClient[Document]
    db: AsyncIOMotorDatabase[Document]
    supports_transactions: bool
    # Single-resource writes run in a transaction only on real clusters. mongoeco accepts transactions but
    # aborts both sides of a conflict (measured: 20 racing writers, 296 aborts, one starved after 200
    # tries), while the versioned compare-and-swap alone always lets one writer through.
    transactional_writes: bool
    # Open on clusters; on mongoeco, which binds a transaction to the whole engine, it runs one at a time.
    gate: TransactionGate = field(default_factory=lambda: TransactionGate(exclusive=False))
    # Types whose collections and indexes exist. The core types are made at start-up; the other R4 types on
    # their first write, so a database holds only the collections it uses (each costs files and memory).
    prepared: set[str] = field(default_factory=set)

    async def prepare(self, resource_type: str) -> None:
        """Create the type's indexes once per process (idempotent on the server, so races are harmless)."""
        if resource_type in self.prepared:
            return
        await self.current(resource_type).create_indexes(CURRENT_INDEXES)
        await self.history(resource_type).create_indexes(HISTORY_INDEXES)
        self.prepared.add(resource_type)

    def current(self, resource_type: str) -> Any:
        return self.db[resource_type]

    def history(self, resource_type: str) -> Any:
        return self.db[history_collection_name(resource_type)]

    def close(self) -> None:
        self.client.close()


def is_mongoeco(hello: Document) -> bool:
    """The embedded store names itself in `hello` (MongoDB puts a commit hash there)."""
    return hello.get("gitVersion") == "mongoeco"


async def _probe_transactions(
    client: AsyncIOMotorClient[Document], db: AsyncIOMotorDatabase[Document]
) -> bool:
    """A standalone mongod refuses transactions (IllegalOperation); replica sets and mongoeco accept them."""
    try:
        async with await client.start_session() as session, session.start_transaction():
            await db["_transaction_probe"].find_one({}, session=session)
    except OperationFailure as error:
        log.info("the store does not support transactions (%s): writes use versioned compare-and-swap", error)
        return False
    return True


async def connect(
    uri: str, database_name: str, resource_types: list[str], shared: bool = True, **options: Any
) -> Database:
    """`shared`: other processes may write to this database meanwhile (a MONGODB_URI), so start-up
    recovery leaves their young pending-write notes to them; the in-process embedded store is ours alone.
    `options` go to the client (tests pass `event_listeners` to count round trips)."""
    client: AsyncIOMotorClient[Document] = AsyncIOMotorClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=10_000, **options
    )
    db = client.get_database(database_name, codec_options=CODEC_OPTIONS)
    hello = await client.admin.command("hello")
    is_cluster = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
    # mongoeco runs transactions, so it needs no probe; and a probe is harmful there: it binds the whole
    # engine, so a process starting beside others (`serve --workers`, instances on `fhir-gateway db`) would
    # make their commands fail while it runs.
    transactions = is_mongoeco(hello) or await _probe_transactions(client, db)
    # A server that runs transactions but is no cluster is the embedded mongoeco (a standalone mongod
    # refuses them): its transactions must run alone.
    gate = TransactionGate(exclusive=transactions and not is_cluster)
    database = Database(client, db, transactions, transactional_writes=transactions and is_cluster, gate=gate)
    # Imported here: both build on this module. Old documents are upgraded before indexes are made, since
    # release 1's unique history index has the key pattern of today's plain one.
    from gateway.store.recovery import IN_FLIGHT_GRACE, recover
    from gateway.store.upgrade import upgrade_documents

    await upgrade_documents(database)
    for resource_type in resource_types:
        await database.prepare(resource_type)
    await recover(database, IN_FLIGHT_GRACE if shared else timedelta(0))
    return database
