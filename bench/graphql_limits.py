"""Benchmark: how long the gateway takes to refuse the two GraphQL documents that froze it (issue 15, item 6).

- nested fragments: 12 fragments, each spreading the next one 4 times (under 1 KB, 4^11 fields expanded);
- duplicate fields: one selection set with 10,000 copies of the same field (about 30 KB).
Both are sent to POST /$graphql over ASGI on the embedded in-memory store; prints status and seconds for each.
Usage: .venv/bin/python bench/graphql_limits.py [runs]
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import asyncio  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.settings import Settings  # noqa: E402


def nested_fragments(levels: int = 12, spreads: int = 4) -> str:
    fragments = [
        f"fragment F{index} on Patient {{ {' '.join([f'...F{index + 1}'] * spreads)} }}"
        for index in range(levels - 1)
    ]
    fragments.append(f"fragment F{levels - 1} on Patient {{ id }}")
    return "{ PatientList(_count: 1) { ...F0 } } " + " ".join(fragments)


def duplicate_fields(copies: int = 10_000) -> str:
    return "{ PatientList(_count: 1) { " + " ".join(["id"] * copies) + " } }"


async def _refusal_seconds(client: httpx.AsyncClient, query: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = await client.post("/$graphql", json={"query": query})
    return response.status_code, time.perf_counter() - started


async def main(runs: int) -> None:
    settings = Settings(
        mongodb_uri=None, data_dir=None, database_name="bench", dev_mode=True, rate_limit="off"
    )
    app = create_app(settings)
    async with LifespanManager(app):
        token = app.state.auth.issue("bench", "system/*.cruds")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
            timeout=None,
        ) as client:
            for name, query in (
                ("nested fragments", nested_fragments()),
                ("duplicate fields", duplicate_fields()),
            ):
                timings = [await _refusal_seconds(client, query) for _ in range(runs)]
                statuses = sorted({status for status, _ in timings})
                median = statistics.median(seconds for _, seconds in timings)
                print(
                    f"{name}: {len(query)} bytes, status {statuses}, median {median:.4f} s over {runs} runs"
                )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
