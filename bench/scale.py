"""Benchmark: the store at growing size. Seeds Patients (plus Observations each) up to every size in turn
and prints, per size: seeding resources/s, create and update p50, search p50s, a 20-patient GraphQL walk.

    .venv/bin/python bench/scale.py                                  # embedded SQLite engine (`make run`'s)
    .venv/bin/python bench/scale.py --engine memory --sizes 1000 5000
    MONGODB_URI=mongodb://... .venv/bin/python bench/scale.py         # a real MongoDB

Targets (issue 9, ratios within one run): write p50 at the largest size <= 1.3x at the smallest; every search
p50 <= 50 ms at 5k and <= 1.5x its smallest-size value at the largest (`count birthdate=YYYY`, an exact count
asked for with `_summary=count`, reads every match and is shown for its cost, not held to the target).
Numbers, not assertions: read them.
Seeding goes through the store's bulk path (`insert_new`, what imports use), timed as resources per second,
with its system CPU and bytes written per resource (on the embedded SQLite engine, its write amplification).
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and would shadow graphql-core (see graph.py).
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import AsyncIterator, Awaitable, Callable  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from typing import Any  # noqa: E402

from gateway.audit.trail import AuditTrail  # noqa: E402
from gateway.auth.guarded import GuardedService  # noqa: E402
from gateway.auth.principal import Principal  # noqa: E402
from gateway.auth.scopes import parse_scopes  # noqa: E402
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS  # noqa: E402
from gateway.service.interactions import FhirService  # noqa: E402
from gateway.service.versions import next_version  # noqa: E402
from gateway.store.database import connect  # noqa: E402
from gateway.store.embedded import EmbeddedMongo  # noqa: E402
from gateway.store.resource_store import ResourceStore  # noqa: E402
from schema.build import build_schemas  # noqa: E402
from schema.context import GraphQLContext  # noqa: E402

FAMILIES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Müller", "López"]
GIVEN = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Susan"]
SYSTEM = "http://hospital.example.org/mrn"
LOINC = "http://loinc.org"
CODES = ["8867-4", "8480-6", "8462-4", "29463-7", "8302-2"]
PER_PAGE = "resources/page"
WALK = """{ PatientList(_count: 20, family: "%s") { id
  ObservationList(_reference: "subject") { id valueQuantity { value unit } } } }"""


def patient(number: int, rng: random.Random) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": SYSTEM, "value": f"MRN{number:07d}"}],
        "active": True,
        "name": [{"family": f"{rng.choice(FAMILIES)}{number % 97}", "given": [rng.choice(GIVEN)]}],
        "gender": rng.choice(["male", "female"]),
        "birthDate": f"{rng.randint(1930, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "address": [{"city": rng.choice(["Boston", "Springfield", "Salem"]), "country": "US"}],
    }


def observation(patient_id: str, rng: random.Random) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": rng.choice(CODES)}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z",
        "valueQuantity": {
            "value": rng.randint(40, 180),
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
        },
    }


class Seeder:
    def __init__(self, store: ResourceStore, observations: int) -> None:
        self.store, self.observations, self.count = store, observations, 0
        self.ids: list[str] = []
        self.rng = random.Random(7)

    async def grow_to(self, size: int) -> dict[str, float]:
        """Bulk-load patients (and their observations) until there are `size`: resources per second, and
        per resource the system CPU and the KB this process wrote (the embedded SQLite file is written here,
        so the second shows the engine's write amplification; zero against an external server)."""
        began, written, usage = time.perf_counter(), 0, resource.getrusage(resource.RUSAGE_SELF)
        while self.count < size:
            batch = min(200, size - self.count)
            patients, observations = [], []
            for number in range(self.count, self.count + batch):
                patient_id = str(uuid.uuid4())
                self.ids.append(patient_id)
                patients.append(
                    next_version(
                        RESOURCE_DEFINITIONS["Patient"], patient_id, patient(number, self.rng), None, "POST"
                    )
                )
                observations += [
                    next_version(
                        RESOURCE_DEFINITIONS["Observation"],
                        str(uuid.uuid4()),
                        observation(patient_id, self.rng),
                        None,
                        "POST",
                    )
                    for _ in range(self.observations)
                ]
            await self.store.insert_new(patients)
            await self.store.insert_new(observations)
            written += len(patients) + len(observations)
            self.count += batch
        after = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "seed resources/s": written / (time.perf_counter() - began),
            "seed sys cpu/resource": 1000 * (after.ru_stime - usage.ru_stime) / max(written, 1),
            "seed KB written/resource": 0.5 * (after.ru_oublock - usage.ru_oublock) / max(written, 1),
        }


@asynccontextmanager
async def embedded_seeder(data_dir: Path, database_name: str) -> AsyncIterator[Seeder]:
    """A Seeder (one Observation per Patient) on an embedded SQLite store in `data_dir`, closed after."""
    embedded = EmbeddedMongo(data_dir)
    database = await connect(embedded.start(), database_name, ["Patient", "Observation"])
    try:
        yield Seeder(ResourceStore(database), 1)
    finally:
        database.close()
        embedded.stop()


async def p50(runs: int, action: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Median wall time and median CPU time of this process, in ms. The embedded server runs in this
    process, so CPU time counts its work too and, unlike wall time, not the other jobs of a shared box."""
    timings, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        await action()
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(timings), statistics.median(cpu)


async def _discard(events: list[dict[str, Any]]) -> None:
    """The walk is measured, not the audit trail."""


def searches(seeder: Seeder, rng: random.Random) -> dict[str, Callable[[], list[tuple[str, str]]]]:
    def some_patient() -> str:
        return rng.choice(seeder.ids)

    return {
        "identifier": lambda: [("identifier", f"{SYSTEM}|MRN{rng.randrange(seeder.count):07d}")],
        # What a search box sends after four letters: every size fills the page (a tenth of the Patients).
        "family prefix": lambda: [("family", rng.choice(FAMILIES)[:4])],
        "birthdate=YYYY": lambda: [("birthdate", str(rng.randint(1930, 2020)))],
        # Three years with a half-year at each edge (their months are keys): a full page at every size, so
        # the ratio is the collection's growth, not the page's (half a year filled 6 of 20 at 1k).
        "birthdate ge&lt": lambda: [("birthdate", "ge2016-07-01"), ("birthdate", "lt2019-07-01")],
        "_include": lambda: [("subject", f"Patient/{some_patient()}"), ("_include", "Observation:subject")],
        # An exact count (what fhirpy's `.count()` asks): it reads every match, so it grows with them.
        "count birthdate=YYYY": lambda: [("birthdate", str(rng.randint(1930, 2020))), ("_summary", "count")],
    }


async def measure(service: FhirService, seeder: Seeder, runs: int) -> dict[str, float]:
    rng = random.Random(seeder.count)
    results: dict[str, float] = {}
    created: list[str] = []

    async def create() -> None:
        outcome = await service.create("Patient", patient(rng.randint(0, 10**6), rng))
        created.append(outcome.version.id)

    async def update() -> None:
        resource_id = created.pop()
        body = {**patient(rng.randint(0, 10**6), rng), "id": resource_id}
        await service.update("Patient", resource_id, body)

    def record(label: str, measured: tuple[float, float]) -> None:
        results[label], results[f"{label} cpu"] = measured

    record("create p50", await p50(runs, create))
    record("update p50", await p50(runs, update))
    for label, make in searches(seeder, rng).items():
        resource_type = "Observation" if label == "_include" else "Patient"
        returned: list[int] = []

        async def search(
            resource_type: str = resource_type, make: Any = make, returned: list[int] = returned
        ) -> None:
            outcome = await service.search(resource_type, [*make(), ("_count", "20")], "http://bench")
            returned.append(len(outcome.page.items) + len(outcome.included))

        record(label, await p50(runs, search))
        # A search's cost grows with the resources on its page: a page 1k fills less is cheaper, not faster.
        results[f"{label} {PER_PAGE}"] = statistics.mean(returned)
    principal = Principal("bench", "bench", "system/*.rs", parse_scopes("system/*.rs"))
    guarded = GuardedService(service, principal, AuditTrail(_discard), "127.0.0.1", "graphql")
    schema = build_schemas(16, 30).system

    async def walk() -> None:
        context = GraphQLContext(guarded, "http://bench", "now", 100_000)
        result = await schema.execute(WALK % rng.choice(FAMILIES)[:3], context_value=context)
        assert result.errors is None, result.errors

    record("GraphQL walk", await p50(max(runs // 4, 3), walk))
    return results


async def run(uri: str, sizes: list[int], runs: int, observations: int) -> None:
    database = await connect(uri, f"bench_{uuid.uuid4().hex[:8]}", ["Patient", "Observation"])
    store = ResourceStore(database)
    service, seeder = FhirService(store), Seeder(store, observations)
    table: dict[int, dict[str, float]] = {}
    try:
        for size in sizes:
            table[size] = {**await seeder.grow_to(size), **await measure(service, seeder, runs)}
            print(
                f"{size} patients: " + ", ".join(f"{k} {v:.1f}" for k, v in table[size].items()), flush=True
            )
        labels = list(table[sizes[0]])
        print(f"\n| {'Patients':<22} |" + "".join(f" {size:>9} |" for size in sizes) + " last/first |")
        print("|" + "-" * 24 + "|" + "----------:|" * len(sizes) + "-----------:|")
        for label in labels:
            unit = "" if (label.startswith("seed") and "cpu" not in label) or PER_PAGE in label else " ms"
            cells = "".join(f" {table[size][label]:>9.1f} |" for size in sizes)
            first, last = table[sizes[0]][label], table[sizes[-1]][label]
            ratio = f"{last / first:>9.2f}x" if first else f"{'-':>10}"
            print(f"| {label + unit:<22} |{cells} {ratio} |")
    finally:
        await store.drop_database()
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--observations", type=int, default=3, help="Observations per Patient")
    parser.add_argument("--engine", choices=["sqlite", "memory"], default="sqlite")
    arguments = parser.parse_args()
    uri = os.environ.get("MONGODB_URI")
    embedded = None
    if not uri:
        data_dir = Path(tempfile.mkdtemp(prefix="bench-scale-")) if arguments.engine == "sqlite" else None
        embedded = EmbeddedMongo(data_dir)
        uri = embedded.start() + "&connectTimeoutMS=600000&socketTimeoutMS=0"
        print(f"embedded mongoeco, {arguments.engine} engine")
    try:
        asyncio.run(run(uri, sorted(arguments.sizes), arguments.runs, arguments.observations))
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    main()
