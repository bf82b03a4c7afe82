"""Benchmark: a nested GraphQL walk with and without batching, and Synthea import throughput.

1. 20 patients -> their encounters -> each encounter's observations -> each observation's performer, on the
   embedded in-memory store: database round trips (pymongo command monitoring) and median time, with the
   per-request DataLoaders batching, and with every lookup made on its own.
2. `fhir-gateway import`'s path over the Synthea support bundles and the patient bundles of the same run:
   resources per second (the embedded store's inserts slow down as collections grow; see DESIGN.md).
Usage: .venv/bin/python bench/graph.py [runs]
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import asyncio  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from typing import Any  # noqa: E402

from pymongo import monitoring  # noqa: E402

from gateway.audit.trail import AuditTrail  # noqa: E402
from gateway.auth.guarded import GuardedService  # noqa: E402
from gateway.auth.principal import Principal  # noqa: E402
from gateway.auth.scopes import parse_scopes  # noqa: E402
from gateway.bulk_import import import_bundles, reading_pool  # noqa: E402
from gateway.fhir.resource_types import CORE_DEFINITIONS, RESOURCE_DEFINITIONS  # noqa: E402
from gateway.service.interactions import FhirService  # noqa: E402
from gateway.service.versions import next_version  # noqa: E402
from gateway.store.database import connect  # noqa: E402
from gateway.store.embedded import EmbeddedMongo  # noqa: E402
from gateway.store.resource_store import ResourceStore  # noqa: E402
from schema.build import build_schemas  # noqa: E402
from schema.context import GraphQLContext  # noqa: E402
from schema.loaders import Loaders  # noqa: E402

SYNTHEA = Path(__file__).parents[2] / "shared" / "fhir-examples" / "synthea"
RUN_B = ["Cornell131_Frami345", "Danyell947_Mills423", "Johnna810_Windler79"]  # the support bundles' run
QUERY = """{ PatientList(_count: 20) { id
  EncounterList(_reference: "subject") { id
    ObservationList(_reference: "encounter") { id
      performer { resource { ... on Practitioner { id name { family } } } } } } } }"""


class Counter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("find", "count", "aggregate", "getMore"):
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _versions(resource_type: str, resources: list[dict[str, Any]]) -> list[Any]:
    definition = RESOURCE_DEFINITIONS[resource_type]
    return [next_version(definition, item["id"], item, None, "POST") for item in resources]


async def _seed(store: ResourceStore) -> None:
    """20 patients x 3 encounters x 3 observations, performers among 5 practitioners."""
    doctors = [
        {"resourceType": "Practitioner", "id": f"d{n}", "name": [{"family": f"Doc{n}"}]} for n in range(5)
    ]
    patients = [{"resourceType": "Patient", "id": f"p{n}"} for n in range(20)]
    encounters = [
        {
            "resourceType": "Encounter",
            "id": f"p{n}-e{k}",
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": f"Patient/p{n}"},
        }
        for n in range(20)
        for k in range(3)
    ]
    observations = [
        {
            "resourceType": "Observation",
            "id": f"{encounter['id']}-o{k}",
            "status": "final",
            "code": {"text": "pulse"},
            "subject": encounter["subject"],
            "encounter": {"reference": f"Encounter/{encounter['id']}"},
            "performer": [{"reference": f"Practitioner/d{(index + k) % 5}"}],
        }
        for index, encounter in enumerate(encounters)
        for k in range(3)
    ]
    for resource_type, items in (
        ("Practitioner", doctors),
        ("Patient", patients),
        ("Encounter", encounters),
        ("Observation", observations),
    ):
        await store.insert_new(_versions(resource_type, items))


async def _discard(events: list[dict[str, Any]]) -> None:
    """The benchmark measures the walk, not the audit trail."""


def _system_service(service: FhirService) -> GuardedService:
    principal = Principal("bench", "bench", "system/*.rs", parse_scopes("system/*.rs"))
    return GuardedService(service, principal, AuditTrail(_discard), "127.0.0.1", "graphql")


async def nested_walk(uri: str, runs: int) -> None:
    counter = Counter()
    database = await connect(
        uri, f"bench_{uuid.uuid4().hex[:8]}", list(CORE_DEFINITIONS), event_listeners=[counter]
    )
    store = ResourceStore(database)
    await _seed(store)
    schema, service = build_schemas(16, 30).system, _system_service(FhirService(store))
    for batch in (True, False):
        times, trips = [], 0
        for _ in range(runs):
            context = GraphQLContext(service, "http://bench", "now", 100_000)
            context.__dict__["loaders"] = Loaders(service, "http://bench", batch=batch)
            before, started = counter.count, time.perf_counter()
            result = await schema.execute(QUERY, context_value=context)
            times.append(time.perf_counter() - started)
            trips = counter.count - before
            assert result.errors is None, result.errors
        label = "batched (DataLoader)" if batch else "one lookup per key"
        print(
            f"nested walk, {label:22} {trips:4} round trips, median {statistics.median(times) * 1000:8.1f} ms"
        )
    await store.drop_database()
    database.close()


async def import_throughput(uri: str) -> None:
    database = await connect(uri, f"bench_{uuid.uuid4().hex[:8]}", list(CORE_DEFINITIONS))
    store = ResourceStore(database)
    paths = [
        SYNTHEA / "support",
        *(path for path in sorted(SYNTHEA.glob("*.json")) if path.name[:19] in RUN_B),
    ]
    started = time.perf_counter()
    with reading_pool() as pool:  # as `fhir-gateway import` reads: in worker processes
        summary = await import_bundles(FhirService(store), paths, show_progress=False, pool=pool)
    elapsed = time.perf_counter() - started
    print(
        f"import: {summary.stored} resources from {len(paths) + 1} bundles in {elapsed:.1f} s = "
        f"{summary.stored / elapsed:.0f} resources/s ({summary.sentence()}; bench/import_speed.py "
        "measures the command itself)"
    )
    await store.drop_database()
    database.close()


async def main(runs: int) -> None:
    server = EmbeddedMongo(data_dir=None)
    uri = server.start()
    try:
        await nested_walk(uri, runs)
        if SYNTHEA.is_dir():
            await import_throughput(uri)
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
