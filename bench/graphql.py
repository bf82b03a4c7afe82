"""Benchmark: `PatientList(_count: 100)`, every field, vs `GET /Patient?_count=100`: the same 100 patients.

Runs the app in-process over ASGI on the embedded in-memory store, seeds 100 Patients from the HL7 examples,
then times both requests alternately and prints the medians and their ratio (goal: GraphQL <= 1.5x REST).
Usage: .venv/bin/python bench/graphql.py [runs]
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
from gateway.fhir.json import dumps, loads  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from schema.selection import every_field  # noqa: E402

EXAMPLES = sorted((Path(__file__).parent.parent / "tests" / "data" / "patient").glob("*.json"))
DEPTH = 6  # the HL7 Patient examples nest 5 levels; one more selects fields none of them uses


async def _seed(client: httpx.AsyncClient, count: int) -> None:
    for index in range(count):
        resource = loads(EXAMPLES[index % len(EXAMPLES)].read_bytes())
        resource.pop("id", None)
        response = await client.post(
            "/Patient", content=dumps(resource).encode(), headers={"Content-Type": "application/fhir+json"}
        )
        response.raise_for_status()


async def _time(request: object) -> float:
    started = time.perf_counter()
    response = await request  # type: ignore[misc]
    response.raise_for_status()
    return time.perf_counter() - started


async def main(runs: int) -> None:
    settings = Settings(
        mongodb_uri=None, data_dir=None, database_name="bench", dev_mode=True, rate_limit="off"
    )
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {app.state.auth.issue('bench', 'system/*.cruds')}"}
    transport = httpx.ASGITransport(app=app)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client,
    ):
        await _seed(client, 100)
        selection, fragments = every_field(app.state.graphql.system._schema, "Patient", DEPTH)
        query = {"query": f"query {{ PatientList(_count: 100) {selection} }}\n{fragments}"}
        graphql = await client.post("/$graphql", json=query)
        rest = await client.get("/Patient", params={"_count": "100"})
        assert len(graphql.json()["data"]["PatientList"]) == len(rest.json()["entry"]) == 100
        rest_times, graphql_times = [], []
        for _ in range(runs):
            rest_times.append(await _time(client.get("/Patient", params={"_count": "100"})))
            graphql_times.append(await _time(client.post("/$graphql", json=query)))
        rest_median, graphql_median = statistics.median(rest_times), statistics.median(graphql_times)
        print(f"{'REST    GET /Patient?_count=100':45} median {rest_median * 1000:7.2f} ms ({runs} runs)")
        label = "GraphQL PatientList(_count: 100), every field"
        print(f"{label} median {graphql_median * 1000:7.2f} ms ({runs} runs)")
        print(f"ratio GraphQL / REST: {graphql_median / rest_median:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
