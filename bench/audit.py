"""What auditing costs a read: GET /Patient/{id} with the audit trail off, queued (the event handed to the
trail without waiting: the design before durable audit), and durable (the response waits until its event is
stored, in a batch shared with concurrent requests: what the gateway does).

    .venv/bin/python bench/audit.py                        # SQLite engine (serve's default), then memory
    .venv/bin/python bench/audit.py --reads 300 --rate 25 --clients 8 --engine sqlite

Every mode reads the same Patients through the full app (auth, rate limit, headers, guarded service) over
ASGI; only what happens to the AuditEvent differs. Three loads: one client reading back to back, reads paced
at `--rate` per second, and `--clients` clients reading back to back at once (where requests share batches).
Reported: median and mean latency with the ratio to the unaudited run, AuditEvents stored, and the inserts
(batches) that stored them.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/graphql.py would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.audit.trail import AuditTrail  # noqa: E402
from gateway.settings import Settings  # noqa: E402


@dataclass(frozen=True)
class Load:
    reads: int
    rate: float | None  # reads per second per client; None: back to back
    clients: int


@dataclass(frozen=True)
class Result:
    times: list[float]
    stored: int
    batches: int


async def _no_audit(events: list[dict[str, Any]]) -> None:
    """The baseline: the event is built (that cost stays) but neither queued nor stored."""


def _queued(trail: AuditTrail) -> Callable[[list[dict[str, Any]]], Awaitable[None]]:
    """The design before durable audit: hand the events over and answer at once; they are stored later."""
    durable = trail.record_many
    handed: set[asyncio.Task[None]] = set()

    async def record_many(events: list[dict[str, Any]]) -> None:
        task = asyncio.create_task(durable(events))
        handed.add(task)
        task.add_done_callback(handed.discard)

    return record_many


async def _read(client: httpx.AsyncClient, ids: list[str], times: list[float], rate: float | None) -> None:
    started = time.perf_counter()
    response = await client.get(f"/Patient/{random.choice(ids)}")
    times.append(time.perf_counter() - started)
    response.raise_for_status()
    if rate is not None:
        await asyncio.sleep(max(0.0, 1 / rate - times[-1]))


async def _run(mode: str, load: Load, data_dir: Path | None) -> Result:
    settings = Settings(
        mongodb_uri=None, data_dir=data_dir, database_name=f"bench_{mode}", dev_mode=True, rate_limit="off"
    )
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {app.state.auth.issue('bench', 'system/*.cruds')}"}
    async with (
        LifespanManager(app, startup_timeout=600, shutdown_timeout=600),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
        ) as client,
    ):
        service, trail = app.state.service, app.state.audit
        await service.append("Patient", [{"resourceType": "Patient", "gender": "other"} for _ in range(200)])
        page = await service.store.search("Patient", [], [], 200, None, with_total=False)
        ids = [version.id for version in page.items]
        if mode == "off":
            trail.record_many = _no_audit
        elif mode == "queued":
            trail.record_many = _queued(trail)
        warm: list[float] = []
        for _ in range(20):
            await _read(client, ids, warm, None)
        times: list[float] = []
        batches_before = trail.batches
        per_client = load.reads // load.clients
        for _ in range(per_client):
            await asyncio.gather(*(_read(client, ids, times, load.rate) for _ in range(load.clients)))
        await trail.flush()
        stored = await service.store.count("AuditEvent", [])
        batches = trail.batches - batches_before
        await service.store.drop_database()
    return Result(times, stored, batches)


async def _compare(load: Load, engine: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for mode in ("off", "queued", "durable"):
            data_dir = Path(folder) / mode if engine == "sqlite" else None
            results[mode] = await _run(mode, load, data_dir)
    base_median = statistics.median(results["off"].times)
    base_mean = statistics.fmean(results["off"].times)
    pace = f"paced at {load.rate:g}/s" if load.rate else "back to back"
    print(f"{load.reads} reads of GET /Patient/{{id}}, {load.clients} client(s) {pace}, {engine} engine")
    for mode, result in results.items():
        median, mean = statistics.median(result.times), statistics.fmean(result.times)
        print(
            f"  audit {mode:8} median {median * 1000:7.2f} ms ({median / base_median:5.2f}x)"
            f"  mean {mean * 1000:7.2f} ms ({mean / base_mean:5.2f}x)"
            f"  AuditEvents stored: {result.stored} in {result.batches} inserts",
            flush=True,
        )


async def main(reads: int, rate: float, clients: int, engines: list[str]) -> None:
    for engine in engines:
        for load in (Load(reads, None, 1), Load(reads, rate, 1), Load(reads, None, clients)):
            await _compare(load, engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--rate", type=float, default=25.0, help="reads per second of the paced run")
    parser.add_argument("--clients", type=int, default=8, help="clients reading at once in the third load")
    parser.add_argument("--engine", choices=("memory", "sqlite"), action="append")
    arguments = parser.parse_args()
    asyncio.run(
        main(arguments.reads, arguments.rate, arguments.clients, arguments.engine or ["sqlite", "memory"])
    )
