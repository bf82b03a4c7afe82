"""What auditing costs a read: GET /Patient/{id} with the audit trail off, on (queued, stored in batches
off the request path), and, for comparison, stored synchronously inside each request.

    .venv/bin/python bench/audit.py                       # embedded mongoeco, memory engine
    .venv/bin/python bench/audit.py --reads 1000 --rate 50 --engine sqlite

Every mode reads the same Patients through the full app (auth, rate limit, headers, guarded service) over
ASGI; only what happens to the AuditEvent differs. Two loads: reads back to back (saturation: one client
reading as fast as it can), and reads paced at `--rate` per second (a steady load). Reported: median and
mean latency (the mean carries the batch writes that land between requests), ratio to the unaudited run.
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
from typing import Any  # noqa: E402

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.settings import Settings  # noqa: E402


async def _no_audit(event: dict[str, Any]) -> None:
    """The baseline: the event is built (that cost stays) but neither queued nor stored."""


async def _run(mode: str, reads: int, rate: float | None, data_dir: Path | None) -> tuple[list[float], int]:
    settings = Settings(
        mongodb_uri=None, data_dir=data_dir, database_name=f"bench_{mode}", dev_mode=True, rate_limit="off"
    )
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {app.state.auth.issue('bench', 'system/*.cruds')}"}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
        ) as client,
    ):
        service, trail = app.state.service, app.state.audit
        await service.append("Patient", [{"resourceType": "Patient", "gender": "other"} for _ in range(200)])
        page = await service.store.search("Patient", [], [], 200, None, with_total=False)
        ids = [version.id for version in page.items]
        if mode == "off":
            trail.record = _no_audit
        elif mode == "synchronous":
            trail.record = lambda event: service.append("AuditEvent", [event])
        for _ in range(50):  # warm up
            (await client.get(f"/Patient/{random.choice(ids)}")).raise_for_status()
        times = []
        for _ in range(reads):
            started = time.perf_counter()
            response = await client.get(f"/Patient/{random.choice(ids)}")
            times.append(time.perf_counter() - started)
            response.raise_for_status()
            if rate is not None:
                await asyncio.sleep(max(0.0, 1 / rate - times[-1]))
        await trail.flush()
        stored = await service.store.count("AuditEvent", [])
        await service.store.drop_database()
    return times, stored


async def _compare(reads: int, rate: float | None, engine: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for mode in ("off", "queued", "synchronous"):
            data_dir = Path(folder) / mode if engine == "sqlite" else None
            results[mode] = await _run(mode, reads, rate, data_dir)
    base_median = statistics.median(results["off"][0])
    base_mean = statistics.fmean(results["off"][0])
    load = f"paced at {rate:g}/s" if rate else "back to back"
    print(f"{reads} reads of GET /Patient/{{id}}, {load}, embedded mongoeco ({engine} engine)")
    for mode, (times, stored) in results.items():
        median, mean = statistics.median(times), statistics.fmean(times)
        print(
            f"  audit {mode:12} median {median * 1000:6.2f} ms ({median / base_median:5.2f}x)"
            f"  mean {mean * 1000:6.2f} ms ({mean / base_mean:5.2f}x)  AuditEvents stored: {stored}"
        )


async def main(reads: int, rate: float, engine: str) -> None:
    await _compare(reads, rate, engine)
    await _compare(reads, None, engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--rate", type=float, default=25.0, help="reads per second of the paced run")
    parser.add_argument("--engine", choices=("memory", "sqlite"), default="memory")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.reads, arguments.rate, arguments.engine))
