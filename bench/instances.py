"""What the shared rate limit costs per request: counters in the database vs in process memory.

    .venv/bin/python bench/instances.py [--requests 300] [--rounds 3] [--engine sqlite|memory] [--uri URI]
                                        [--with-audit]

Serves the real app in process (ASGI, httpx) over a real wire-protocol store: by default the embedded mongoeco
server with a SQLite file, as `fhir-gateway db` runs it, or the MongoDB at --uri. One client reads one
Patient `--requests` times with each storage, alternating, `--rounds` times; prints the median ms per request,
the rate-limit check alone (RateLimiter.hit) and the ratio of shared to in-memory. The audit trail is off
unless `--with-audit`: on the embedded store a durable AuditEvent costs more than the read itself and would
hide what the counters cost (bench/audit.py measures the trail).
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path and bench/graphql.py would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402
from limits.aio.strategies import FixedWindowRateLimiter  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.middleware.rate_limit import RateLimiter  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.store.embedded import EmbeddedMongo  # noqa: E402

SECRET = "bench-" + "x" * 40


def _settings(uri: str, storage: str) -> Settings:
    return Settings(
        mongodb_uri=uri,
        database_name=f"bench_{uuid.uuid4().hex[:8]}",
        data_dir=None,
        auth_secret=SECRET,
        rate_limit="1000000/hour",  # never refuses: we measure the counting, not refusals
        rate_limit_storage=storage,
    )


async def _no_audit(events: list[dict[str, Any]]) -> None:
    """The event is built (that cost stays) but not stored."""


# What is measured: where the counts live, and for the database the strategy. The gateway uses the moving
# window; the fixed window (one counter upsert per request) was tried and is measured here for comparison:
# on mongoeco its pipeline upsert is not atomic under concurrent requests (docs/scaling.md).
VARIANTS = {
    "memory": ("memory", False),
    "database, moving window (used)": ("database", False),
    "database, fixed window (tried)": ("database", True),
}


async def _per_request_ms(variant: str, uri: str, requests: int, audit: bool) -> tuple[float, float]:
    """(ms per whole GET /Patient/{id}, ms per RateLimiter.hit alone) with this storage."""
    storage, fixed = VARIANTS[variant]
    app = create_app(_settings(uri, storage))
    if fixed:
        limiter_tried: RateLimiter = app.state.rate_limiter
        limiter_tried._strategy = FixedWindowRateLimiter(limiter_tried.storage)  # type: ignore[assignment]
    async with LifespanManager(app, startup_timeout=600, shutdown_timeout=600):  # a busy host is slow
        if not audit:
            app.state.audit.record_many = _no_audit
        token = app.state.auth.issue(f"bench-{uuid.uuid4().hex}", "system/*.cruds")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as http:
            created = await http.post("/Patient", json={"resourceType": "Patient", "active": True})
            path = f"/Patient/{created.json()['id']}"
            for _ in range(10):  # warm up connections and caches
                await http.get(path)
            began = time.perf_counter()
            for _ in range(requests):
                response = await http.get(path)
                assert response.status_code == 200, response.text
            whole = (time.perf_counter() - began) * 1000 / requests
        limiter: RateLimiter = app.state.rate_limiter
        key = f"bench-alone-{uuid.uuid4().hex}"
        began = time.perf_counter()
        for _ in range(requests):
            await limiter.hit(key)
        alone = (time.perf_counter() - began) * 1000 / requests
        await app.state.service.store.drop_database()
    return whole, alone


async def _measure(uri: str, requests: int, rounds: int, audit: bool) -> dict[str, list[tuple[float, float]]]:
    samples: dict[str, list[tuple[float, float]]] = {variant: [] for variant in VARIANTS}
    for _ in range(rounds):
        for variant in samples:
            samples[variant].append(await _per_request_ms(variant, uri, requests, audit))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engine", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument(
        "--uri", default=None, help="a MongoDB to measure against instead of the embedded one"
    )
    parser.add_argument("--with-audit", action="store_true", help="store an AuditEvent per request too")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        server = None
        uri = arguments.uri
        if uri is None:
            server = EmbeddedMongo(Path(directory) if arguments.engine == "sqlite" else None)
            uri = server.start()
        try:
            samples = asyncio.run(_measure(uri, arguments.requests, arguments.rounds, arguments.with_audit))
        finally:
            if server is not None:
                server.stop()
    where = arguments.uri.split("@")[-1] if arguments.uri else f"embedded mongoeco ({arguments.engine})"
    audit = "audit on" if arguments.with_audit else "audit off"
    print(
        f"store: {where}; {arguments.requests} GET /Patient/{{id}} per run, median of {arguments.rounds} runs"
        f" ({audit})"
    )
    medians = {
        storage: (statistics.median(w for w, _ in runs), statistics.median(a for _, a in runs))
        for storage, runs in samples.items()
    }
    memory = medians["memory"][0]
    for variant, (whole, alone) in medians.items():
        print(
            f"counters in {variant:33}: {whole:6.2f} ms per request ({whole / memory:4.2f}x in-memory),"
            f" {alone:6.2f} ms per check"
        )


if __name__ == "__main__":
    main()
