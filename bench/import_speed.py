"""`fhir-gateway import` speed: resources stored per second from the Synthea bundles into the embedded store.

    .venv/bin/python bench/import_speed.py                # SQLite engine (what `make run` uses)
    .venv/bin/python bench/import_speed.py --engine memory ../shared/fhir-examples/synthea

Runs the same code as the command (gateway/bulk_import.py) in a fresh temporary data directory and prints
the resources created or updated, the seconds taken and their ratio; the target is >= 300 resources/s.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/graphql.py would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from gateway.bulk_import import run_import  # noqa: E402
from gateway.settings import Settings  # noqa: E402

SYNTHEA = Path(__file__).resolve().parents[2] / "shared" / "fhir-examples" / "synthea"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[SYNTHEA])
    parser.add_argument("--engine", choices=["sqlite", "memory"], default="sqlite")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data" if arguments.engine == "sqlite" else None
        settings = Settings(mongodb_uri=None, data_dir=data_dir, database_name="bench_import")
        started = time.perf_counter()
        summary = asyncio.run(run_import(settings, arguments.paths, show_progress=False))
        seconds = time.perf_counter() - started
    stored = sum(summary.created.values()) + sum(summary.updated.values())
    print(summary.table())
    print(f"{arguments.engine}: {stored} resources in {seconds:.1f} s = {stored / seconds:.1f} resources/s")


if __name__ == "__main__":
    main()
