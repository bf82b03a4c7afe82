"""Connecting to the store at start-up: on the embedded store (mongoeco binds a transaction to the whole
engine) a starting process must not open a transaction, or every other process on the same `fhir-gateway db`
(another instance, another `serve --workers` worker) has its commands refused while it runs."""

import os
import uuid

import pytest
from pymongo import monitoring

from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.store.database import connect

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MONGODB_URI")), reason="about the embedded store; MONGODB_URI points elsewhere"
)


class TransactionStarts(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command.get("startTransaction"):
            self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_connecting_to_the_embedded_store_opens_no_transaction_yet_knows_it_has_them(mongodb_uri):
    starts = TransactionStarts()
    types = list(CORE_DEFINITIONS)
    database = await connect(mongodb_uri, f"start_{uuid.uuid4().hex}", types, event_listeners=[starts])
    try:
        assert starts.commands == []
        assert database.supports_transactions and database.gate.exclusive
    finally:
        await database.client.drop_database(database.db.name)
        database.close()
