"""`fhir-gateway import` speed: resources stored per second from the Synthea bundles into the embedded store.

    .venv/bin/python bench/import_speed.py                      # both engines, one fresh process each
    .venv/bin/python bench/import_speed.py --engine memory ../shared/fhir-examples/synthea
    .venv/bin/python bench/import_speed.py --workers 1          # reading and validating in one worker
    .venv/bin/python bench/import_speed.py --engine sqlite --preload 20000   # into a store of 20k Patients

Runs the same code as the command (gateway/bulk_import.py: worker processes read and validate, this process
writes) in a fresh temporary data directory per engine and prints per engine the resources stored, the
seconds taken, resources/s (the target is >= 300), the CPU seconds spent (this process with its store
threads, and the worker processes apart) per stored resource, the time spent in garbage collection, the
cores used and the load average, since
on a shared machine the wall clock says as much about the neighbours as about the import; for SQLite also
the size of the data files. `--preload N` first seeds N of bench/scale.py's Patients (one Observation each)
into the same database, untimed: the import then writes into a store of that size, as into a server in use.

To compare with another checkout, run this script with that checkout's interpreter (its `gateway` is used):
    /path/to/other/.venv/bin/python bench/import_speed.py --engine sqlite
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/graphql.py would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

SYNTHEA = Path(__file__).resolve().parents[2] / "shared" / "fhir-examples" / "synthea"
ENGINES = ("sqlite", "memory")
DATABASE = "bench_import"


class _GarbageCollection:
    """The time this process spends in the garbage collector's collections (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds, self.collections, self._started = 0.0, 0, 0.0

    def observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1


async def _preload(data_dir: Path, database_name: str, patients: int) -> None:
    from bench.scale import embedded_seeder

    async with embedded_seeder(data_dir, database_name) as seeder:
        await seeder.grow_to(patients)


def _measure(engine: str, paths: list[Path], workers: int, preload: int) -> dict[str, object]:
    from gateway.bulk_import import run_import
    from gateway.settings import Settings

    collecting = _GarbageCollection()
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data" if engine == "sqlite" else None
        settings = Settings(mongodb_uri=None, data_dir=data_dir, database_name=DATABASE)
        if preload and data_dir is not None:
            # In its own process: threads left here would change how the import starts its workers.
            seeding = [sys.executable, __file__, "--seed-into", str(data_dir), "--preload", str(preload)]
            subprocess.run(seeding, check=True)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started, cpu = time.perf_counter(), time.process_time()
        gc.callbacks.append(collecting.observe)
        summary = asyncio.run(run_import(settings, paths, show_progress=False, workers=workers))
        gc.callbacks.remove(collecting.observe)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        on_disk = sum(path.stat().st_size for path in data_dir.glob("*")) if data_dir is not None else 0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "engine": engine,
        "preloaded": 2 * preload if data_dir is not None else 0,
        "stored": summary.stored,
        "summary": summary.sentence(),
        "seconds": seconds,
        "writer_cpu": cpu,
        "worker_cpu": children.ru_utime
        + children.ru_stime
        - children_before.ru_utime
        - children_before.ru_stime,
        "load": os.getloadavg()[0],
        "gc_seconds": collecting.seconds,
        "gc_collections": collecting.collections,
        "on_disk": on_disk,
    }


def _report(result: dict[str, object], workers: int) -> str:
    stored, seconds = int(str(result["stored"])), float(str(result["seconds"]))
    writer, readers = float(str(result["writer_cpu"])), float(str(result["worker_cpu"]))
    return (
        f"{result['engine']:<7} into {int(str(result['preloaded'])):,} stored: {stored} resources in "
        f"{seconds:.1f} s = {stored / seconds:.1f} resources/s; "
        f"CPU per resource: writer {1000 * writer / stored:.1f} ms, "
        f"readers {1000 * readers / stored:.1f} ms; "
        f"garbage collection {float(str(result['gc_seconds'])):.2f} s "
        f"({result['gc_collections']} collections); "
        f"{workers} reading workers on {os.cpu_count()} cores; load average {float(str(result['load'])):.1f}"
        + (f"; data files {int(str(result['on_disk'])) / 2**20:.0f} MB" if result.get("on_disk") else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[SYNTHEA])
    parser.add_argument("--engine", choices=[*ENGINES, "both"], default="both")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--preload", type=int, default=0, help="Patients (one Observation each) stored before, sqlite only"
    )
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)  # --preload's own process
    parser.add_argument("--json", action="store_true", help="one JSON line (used for the per-engine runs)")
    arguments = parser.parse_args()
    if arguments.seed_into:
        asyncio.run(_preload(arguments.seed_into, DATABASE, arguments.preload))
        return
    if arguments.engine != "both":
        result = _measure(arguments.engine, arguments.paths, arguments.workers, arguments.preload)
        print(
            json.dumps(result)
            if arguments.json
            else f"{result['summary']}\n{_report(result, arguments.workers)}"
        )
        return
    for engine in ENGINES:  # a fresh process each: no threads or caches left over from the other engine
        command = [
            sys.executable,
            __file__,
            "--engine",
            engine,
            "--workers",
            str(arguments.workers),
            "--preload",
            str(arguments.preload),
            "--json",
        ]
        finished = subprocess.run([*command, *map(str, arguments.paths)], capture_output=True, text=True)
        if finished.returncode != 0:
            raise SystemExit(finished.stderr)
        result = json.loads(finished.stdout.strip().splitlines()[-1])
        print(result["summary"])
        print(_report(result, arguments.workers))


if __name__ == "__main__":
    main()
