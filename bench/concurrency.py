"""Writers, transactions and readers at once on the embedded store, for a bounded time: counts per status.

    .venv/bin/python bench/concurrency.py       # 8 writers, 2 transaction senders, 4 readers, 60 s
    .venv/bin/python bench/concurrency.py --seconds 120 --engine memory

mongoeco binds a transaction to the whole engine; the store's gate runs each transaction alone and makes
other requests wait for it (gateway/store/gate.py). The target is 0 responses of 5xx: a wait past the
gate's bound would show up as 503 here. Writers PUT a few shared Patients (version races) and POST new
ones; transactions create 5 Patients and update one shared Patient; readers read and search.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/graphql.py would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.fhir.json import dumps  # noqa: E402
from gateway.settings import Settings  # noqa: E402

SHARED = [f"shared-{number}" for number in range(4)]
JSON = {"Content-Type": "application/fhir+json"}


def _patient(family: str, resource_id: str | None = None) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "name": [{"family": family}]}
    return patient | ({"id": resource_id} if resource_id else {})


async def _run(arguments: argparse.Namespace, data_dir: Path | None) -> None:
    app = create_app(Settings(mongodb_uri=None, data_dir=data_dir, dev_mode=True, rate_limit="off"))
    headers = {"Authorization": f"Bearer {app.state.auth.issue('bench', 'system/*.cruds')}"}
    counts: dict[str, Counter[int]] = {"write": Counter(), "transaction": Counter(), "read": Counter()}
    async with (
        LifespanManager(app, shutdown_timeout=120),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers, timeout=None
        ) as client,
    ):
        for resource_id in SHARED:
            await client.put(f"/Patient/{resource_id}", json=_patient("Shared", resource_id), headers=JSON)
        deadline = time.perf_counter() + arguments.seconds

        async def writer() -> None:
            while time.perf_counter() < deadline:
                if random.random() < 0.5:
                    resource_id = random.choice(SHARED)
                    body = _patient(f"W{random.randrange(1000)}", resource_id)
                    response = await client.put(f"/Patient/{resource_id}", json=body, headers=JSON)
                else:
                    response = await client.post("/Patient", json=_patient("Writer"), headers=JSON)
                counts["write"][response.status_code] += 1

        async def transactions() -> None:
            while time.perf_counter() < deadline:
                resource_id = random.choice(SHARED)
                entries = [
                    {"resource": _patient("Tx"), "request": {"method": "POST", "url": "Patient"}}
                    for _ in range(5)
                ]
                entries.append(
                    {
                        "resource": _patient("TxShared", resource_id),
                        "request": {"method": "PUT", "url": f"Patient/{resource_id}"},
                    }
                )
                bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
                response = await client.post("/", content=dumps(bundle), headers=JSON)
                counts["transaction"][response.status_code] += 1

        async def reader() -> None:
            while time.perf_counter() < deadline:
                if random.random() < 0.5:
                    response = await client.get(f"/Patient/{random.choice(SHARED)}")
                else:
                    response = await client.get("/Patient", params={"family": "tx", "_count": "10"})
                counts["read"][response.status_code] += 1

        started = time.perf_counter()
        await asyncio.gather(
            *(writer() for _ in range(arguments.writers)),
            *(transactions() for _ in range(arguments.transactions)),
            *(reader() for _ in range(arguments.readers)),
        )
        elapsed = time.perf_counter() - started
    total = Counter[int]()
    for kind, counted in counts.items():
        total.update(counted)
        print(f"{kind:<12} {sum(counted.values()):6d} requests  statuses {dict(sorted(counted.items()))}")
    server_errors = sum(count for status, count in total.items() if status >= 500)
    print(f"{sum(total.values())} requests in {elapsed:.0f} s; 5xx: {server_errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--transactions", type=int, default=2, help="concurrent transaction senders")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--engine", choices=["sqlite", "memory"], default="sqlite")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data" if arguments.engine == "sqlite" else None
        asyncio.run(_run(arguments, data_dir))


if __name__ == "__main__":
    main()
