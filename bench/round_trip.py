"""The floor under every store operation on the embedded engines: one command's round trip through motor and
mongoeco's wire server, on a tiny document, with nothing of the gateway around it.

    .venv/bin/python bench/round_trip.py                 # both engines
    .venv/bin/python bench/round_trip.py --engine sqlite --commands 1000
    .venv/bin/python bench/round_trip.py --documents 20000   # the same in a collection of 20,000 documents

Prints per command the wall and CPU milliseconds (this process holds the client, the server and the engine,
so CPU is the whole cost). A store interaction is a handful of these: a create is a write-ahead note, the
history and current inserts and the note's settling; a conditional create adds its match and its claim.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/graphql.py would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from typing import Any  # noqa: E402

from motor.motor_asyncio import AsyncIOMotorClient  # noqa: E402

from gateway.store.embedded import EmbeddedMongo  # noqa: E402


async def _note(client: AsyncIOMotorClient[Any], n: int) -> None:
    """A write-ahead note's two commands (gateway/store/writes.py), in a collection that stays small."""
    notes = client["bench"]["notes"]
    await notes.replace_one({"_id": f"n{n}"}, {"ids": ["a"]}, upsert=True)
    await notes.delete_one({"_id": f"n{n}"})


def _commands(client: AsyncIOMotorClient[Any]) -> dict[str, Callable[[int], Awaitable[Any]]]:
    collection = client["bench"]["round_trip"]
    return {
        "ping": lambda n: client.admin.command("ping"),
        "find_one by _id": lambda n: collection.find_one({"_id": "kept"}),
        "insert_one": lambda n: collection.insert_one({"_id": f"d{n}", "a": {"b": [1, 2, "x"]}}),
        "note: upsert + delete": lambda n: _note(client, n),
        "delete_one by _id": lambda n: collection.delete_one({"_id": f"d{n}"}),
        "delete_one, absent _id": lambda n: collection.delete_one({"_id": f"absent{n}"}),
    }


async def _measure(engine: str, count: int, documents: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        server = EmbeddedMongo(Path(directory) if engine == "sqlite" else None)
        client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(server.start())
        try:
            await client["bench"]["round_trip"].insert_one({"_id": "kept"})
            for start in range(0, documents, 1000):
                batch = range(start, min(start + 1000, documents))
                await client["bench"]["round_trip"].insert_many([{"_id": f"filler{n}"} for n in batch])
            for name, command in _commands(client).items():
                started, cpu = time.perf_counter(), time.process_time()
                for n in range(count):
                    await command(n)
                wall = 1000 * (time.perf_counter() - started) / count
                cpu = 1000 * (time.process_time() - cpu) / count
                print(f"{engine:6s} {name:22s} {wall:5.2f} ms wall {cpu:5.2f} ms CPU")
        finally:
            client.close()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "memory"), action="append")
    parser.add_argument("--commands", type=int, default=500, help="of each kind")
    parser.add_argument("--documents", type=int, default=0, help="in the collection beforehand")
    arguments = parser.parse_args()
    for engine in arguments.engine or ["sqlite", "memory"]:
        asyncio.run(_measure(engine, arguments.commands, arguments.documents))


if __name__ == "__main__":
    main()
