"""What opening the embedded SQLite store costs as it fills (`serve`, `import` and `fhir-gateway db` open it).

    .venv/bin/python bench/reopen.py                     # Synthea folder imported 1, then 4 more times
    .venv/bin/python bench/reopen.py --rounds 1 2 --opens 5

Imports the Synthea folder into one data directory round after round (the patient transactions create new
Patients each time; the support batches match what is there), and after each round prints the documents in
the file and the wall and CPU seconds of opening the store and answering one command, best of `--opens`.
Compare with another checkout by running this script with that checkout's interpreter.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/graphql.py would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

SYNTHEA = Path(__file__).resolve().parents[2] / "shared" / "fhir-examples" / "synthea"


def _open_once(data_dir: Path) -> tuple[float, float]:
    from motor.motor_asyncio import AsyncIOMotorClient

    from gateway.store.embedded import EmbeddedMongo

    started, cpu = time.perf_counter(), time.process_time()
    server = EmbeddedMongo(data_dir)
    uri = server.start()

    async def ping() -> None:
        client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(uri)
        await client.admin.command("ping")
        client.close()

    asyncio.run(ping())
    server.stop()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    from gateway.bulk_import import run_import
    from gateway.settings import Settings
    from gateway.store.embedded import DATABASE_FILE

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, nargs="+", default=[1, 4], help="imports before each measure")
    parser.add_argument("--opens", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data"
        settings = Settings(mongodb_uri=None, data_dir=data_dir, database_name="bench_reopen")
        for rounds in arguments.rounds:
            for _ in range(rounds):
                asyncio.run(run_import(settings, [SYNTHEA], show_progress=False))
            with sqlite3.connect(data_dir / DATABASE_FILE) as connection:
                (documents,) = connection.execute("SELECT count(*) FROM documents").fetchone()
            opens = sorted(_open_once(data_dir) for _ in range(arguments.opens))
            wall, cpu = opens[0]
            best = f"best of {len(opens)}"
            print(f"{documents:>7,} documents: open + ping {wall:.2f} s wall, {cpu:.2f} s CPU ({best})")


if __name__ == "__main__":
    main()
