"""Connect motor to MongoDB (or the embedded server), find out what it supports, create the indexes."""

import logging
from dataclasses import dataclass
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import OperationFailure

from gateway.store.codec import CODEC_OPTIONS
from gateway.store.query import MISSING_FIELD, SEARCH_FIELD

log = logging.getLogger(__name__)

Document = dict[str, Any]


def history_collection_name(resource_type: str) -> str:
    return f"{resource_type}_history"


# Every search is an $elemMatch on one of these compound multikey indexes (the attribute pattern):
# p bounds the parameter, the next field bounds the value, so no search scans the collection.
CURRENT_INDEXES = [
    IndexModel([(f"{SEARCH_FIELD}.p", ASCENDING), (f"{SEARCH_FIELD}.v", ASCENDING)], name="search_string"),
    IndexModel([(f"{SEARCH_FIELD}.p", ASCENDING), (f"{SEARCH_FIELD}.x", ASCENDING)], name="search_exact"),
    IndexModel(
        [
            (f"{SEARCH_FIELD}.p", ASCENDING),
            (f"{SEARCH_FIELD}.c", ASCENDING),
            (f"{SEARCH_FIELD}.s", ASCENDING),
        ],
        name="search_token",
    ),
    IndexModel(
        [
            (f"{SEARCH_FIELD}.p", ASCENDING),
            (f"{SEARCH_FIELD}.lo", ASCENDING),
            (f"{SEARCH_FIELD}.hi", ASCENDING),
        ],
        name="search_range",
    ),
    IndexModel([(MISSING_FIELD, ASCENDING)], name="search_missing"),
    IndexModel([("lastUpdated", ASCENDING), ("_id", ASCENDING)], name="last_updated"),
]
HISTORY_INDEXES = [
    IndexModel([("id", ASCENDING), ("versionId", DESCENDING)], name="version", unique=True),
    IndexModel([("lastUpdated", DESCENDING), ("_id", DESCENDING)], name="type_history"),
]


@dataclass
class Database:
    client: AsyncIOMotorClient[Document]
    db: AsyncIOMotorDatabase[Document]
    supports_transactions: bool
    # Single-resource writes run in a transaction only on real clusters. mongoeco accepts transactions but
    # aborts both sides of a conflict (measured: 20 racing writers, 296 aborts, one starved after 200
    # tries), while the versioned compare-and-swap alone always lets one writer through.
    transactional_writes: bool

    def current(self, resource_type: str) -> Any:
        return self.db[resource_type]

    def history(self, resource_type: str) -> Any:
        return self.db[history_collection_name(resource_type)]

    def close(self) -> None:
        self.client.close()


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


async def connect(uri: str, database_name: str, resource_types: list[str]) -> Database:
    client: AsyncIOMotorClient[Document] = AsyncIOMotorClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=10_000
    )
    db = client.get_database(database_name, codec_options=CODEC_OPTIONS)
    hello = await client.admin.command("hello")
    is_cluster = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
    transactions = await _probe_transactions(client, db)
    database = Database(client, db, transactions, transactional_writes=transactions and is_cluster)
    for resource_type in resource_types:
        await database.current(resource_type).create_indexes(CURRENT_INDEXES)
        await database.history(resource_type).create_indexes(HISTORY_INDEXES)
    return database
