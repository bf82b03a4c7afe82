"""Sustained load on the audit trail: paced reads for a bounded time, printing the audit queue over time,
then how long shutdown takes and what it stored or journaled.

    .venv/bin/python bench/audit_load.py                          # 50 req/s for 120 s, SQLite engine
    .venv/bin/python bench/audit_load.py --rate 50 --seconds 300 --engine memory

Every request is GET /Patient/{id} through the full app over ASGI (auth, rate limit, guarded service), and
is answered once its AuditEvent is stored. Columns: requests sent and the achieved rate, median latency of
the last period, requests in flight, events pending in the trail (never more than the requests in flight),
events stored and the inserts (batches) that stored them. A store that cannot keep up shows latency rising
and, past the trail's wait (30 s), 503 answers rather than a queue growing without end. Requests are paced by
start time; a slow server makes the achieved rate fall below the target.
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

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.audit.journal import JOURNAL_FILE, AuditJournal  # noqa: E402
from gateway.settings import Settings  # noqa: E402


async def _load(rate: float, seconds: float, data_dir: Path | None, report_every: float) -> None:
    settings = Settings(mongodb_uri=None, data_dir=data_dir, dev_mode=True, rate_limit="off")
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {app.state.auth.issue('bench', 'system/*.cruds')}"}
    manager = LifespanManager(app, shutdown_timeout=120)
    await manager.__aenter__()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
        service, trail = app.state.service, app.state.audit
        await service.append("Patient", [{"resourceType": "Patient", "gender": "other"} for _ in range(100)])
        ids = [
            version.id for version in (await service.store.search("Patient", [], [], 100, None, False)).items
        ]
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        pending: set[asyncio.Task[None]] = set()

        async def one() -> None:
            started = time.perf_counter()
            response = await client.get(f"/Patient/{random.choice(ids)}")
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        print(
            f"{'t (s)':>6} {'sent':>7} {'req/s':>6} {'p50 ms':>7} {'flight':>7} {'queued':>7} {'stored':>7}"
            f" {'inserts':>7}"
        )
        begin = time.perf_counter()
        sent, next_report, reported = 0, report_every, 0
        while (elapsed := time.perf_counter() - begin) < seconds:
            due = int(elapsed * rate) + 1
            while sent < due:
                task = asyncio.create_task(one())
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent += 1
            if elapsed >= next_report:
                window = latencies[reported:]
                reported = len(latencies)
                p50 = statistics.median(window) * 1000 if window else float("nan")
                line = f"{elapsed:6.0f} {sent:7d} {sent / elapsed:6.1f} {p50:7.1f}"
                print(
                    f"{line} {len(pending):7d} {trail.queued:7d} {trail.written:7d} {trail.batches:7d}",
                    flush=True,
                )
                next_report += report_every
            await asyncio.sleep(min(1 / rate, 0.05))
        await asyncio.gather(*pending)
        print(f"statuses: {dict(sorted(statuses.items()))}; queued at the end of the load: {trail.queued}")
    started = time.perf_counter()
    left, written = trail.queued, trail.written
    await manager.__aexit__(None, None, None)
    journaled = len(AuditJournal(data_dir / JOURNAL_FILE).read()) if data_dir else 0
    print(
        f"shutdown: {time.perf_counter() - started:.1f} s with {left} events queued; "
        f"{trail.written - written} stored during shutdown, {journaled} journaled for the next start"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    parser.add_argument("--seconds", type=float, default=120.0, help="duration of the load (default 120)")
    parser.add_argument("--engine", choices=["sqlite", "memory"], default="sqlite")
    parser.add_argument("--report-every", type=float, default=10.0, help="seconds between lines")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data" if arguments.engine == "sqlite" else None
        print(f"audit load: {arguments.rate:g} req/s for {arguments.seconds:g} s, {arguments.engine} engine")
        asyncio.run(_load(arguments.rate, arguments.seconds, data_dir, arguments.report_every))


if __name__ == "__main__":
    main()
