"""What one search page reads on the embedded SQLite engine: the rows its SQL returns and mongoeco decodes
(each then tested by the Python residual), SQLite's plan for that SQL, and the page's CPU time.

    .venv/bin/python bench/page_cost.py --patients 1000 --data /tmp/page-cost-1k
    .venv/bin/python bench/page_cost.py --patients 20000 --data /tmp/page-cost-20k
    .venv/bin/python bench/page_cost.py --patients 20000 --data /tmp/page-cost-20k birthdate=2019

Seeds `--patients` Patients (and one Observation each, bench/scale.py's generator) into the data directory
once and reuses it on later runs, so a profile (py-spy) or a before/after pair can read the same file; the
store upgrades an older document format at start-up, which is timed. Queries are `name=value` pairs (default:
the half-year `ge&lt` pair bench/scale.py asked until session 7). Prints numbers; asserts nothing.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and would shadow graphql-core (see graph.py).
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from mongoeco.engines import SQLiteEngine  # noqa: E402

from bench.scale import Seeder  # noqa: E402
from gateway.service.interactions import FhirService  # noqa: E402
from gateway.store.database import connect  # noqa: E402
from gateway.store.embedded import DATABASE_FILE, EmbeddedMongo  # noqa: E402
from gateway.store.resource_store import ResourceStore  # noqa: E402

DEFAULT_QUERY = ["birthdate=ge2019-01-01", "birthdate=lt2019-07-01"]


class Reads:
    """Counts the rows mongoeco decodes and keeps the SQL of the reader connections, while `on`."""

    def __init__(self) -> None:
        self.on, self.decoded = False, 0
        self.statements: list[str] = []
        connect_sqlite, decode = SQLiteEngine._create_sqlite_connection, SQLiteEngine._deserialize_document

        def connection(engine: Any) -> sqlite3.Connection:
            opened = connect_sqlite(engine)
            opened.set_trace_callback(self._trace)
            return opened

        def deserialize(engine: Any, payload: str, **options: Any) -> Any:
            self.decoded += 1 if self.on else 0
            return decode(engine, payload, **options)

        setattr(SQLiteEngine, "_create_sqlite_connection", connection)  # noqa: B010 - a spy, on purpose
        setattr(SQLiteEngine, "_deserialize_document", deserialize)  # noqa: B010

    def _trace(self, statement: str) -> None:
        if self.on:
            self.statements.append(statement)


async def run(
    uri: str, name: str, data: Path, patients: int, query: list[tuple[str, str]], runs: int, reads: Reads
) -> None:
    began, began_cpu = time.perf_counter(), time.process_time()
    database = await connect(uri, name, ["Patient", "Observation"])
    print(
        f"start-up (with any format upgrade): {time.perf_counter() - began:.1f} s, "
        f"{time.process_time() - began_cpu:.1f} s CPU"
    )
    store = ResourceStore(database)
    seeded = data / "seeded"
    if not seeded.exists():
        seeding = await Seeder(store, 1).grow_to(patients)
        print(f"seeding: {seeding['seed resources/s']:.0f} resources/s", flush=True)
        seeded.write_text(str(patients))
    service = FhirService(store)
    parameters = [*query, ("_count", "20")]
    for _ in range(3):
        await service.search("Patient", parameters, "http://bench")
    reads.on = True
    outcome = await service.search("Patient", parameters, "http://bench")
    reads.on = False
    print(
        f"{seeded.read_text()} Patients, {parameters}: {len(outcome.page.items)} returned, "
        f"{reads.decoded} rows decoded"
    )
    selects = [statement for statement in reads.statements if statement.startswith("SELECT document")]
    plain = sqlite3.connect(data / DATABASE_FILE)
    for select in selects:
        print(f"  SQL: {select}")
        for row in plain.execute("EXPLAIN QUERY PLAN " + select):
            print(f"    plan: {row[3]}")
    plain.close()
    cpu = []
    for _ in range(runs):
        began_cpu = time.process_time()
        await service.search("Patient", parameters, "http://bench")
        cpu.append((time.process_time() - began_cpu) * 1000)
    print(f"CPU ms per page over {runs} runs: p50 {statistics.median(cpu):.2f}, min {min(cpu):.2f}")
    database.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("query", nargs="*", default=DEFAULT_QUERY, help="name=value search parameters")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--data", type=Path, required=True, help="data directory, seeded once and reused")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database", default="page_cost", help="database name inside the data directory")
    arguments = parser.parse_args()
    query = [tuple(pair.split("=", 1)) for pair in arguments.query]
    reads = Reads()
    embedded = EmbeddedMongo(arguments.data)
    uri = embedded.start() + "&connectTimeoutMS=600000&socketTimeoutMS=0"
    try:
        asyncio.run(
            run(uri, arguments.database, arguments.data, arguments.patients, query, arguments.runs, reads)
        )
    finally:
        embedded.stop()


if __name__ == "__main__":
    main()
