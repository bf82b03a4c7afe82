"""Search latency at two collection sizes, with the server's query plan for each search.

    .venv/bin/python bench/search.py                  # embedded mongoeco, SQLite engine: 1,000 and 10,000
    .venv/bin/python bench/search.py --engine memory  # mongoeco memory engine
    MONGODB_URI=mongodb://... .venv/bin/python bench/search.py --sizes 1000 100000  # a real MongoDB

Seeds in bulk (mongoeco's inserts slow down as a collection grows, so its write numbers are not ours),
then times each search through the service layer. Read mongoeco's numbers as a floor: it filters
$elemMatch in Python, so its ratio 10k/1k shows a scan; on a real MongoDB the plans are index scans.
"""

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.interactions import FhirService
from gateway.service.search import parse_search
from gateway.service.versions import next_version
from gateway.store.database import connect
from gateway.store.embedded import EmbeddedMongo
from gateway.store.resource_store import ResourceStore

FAMILIES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernández",
    "López",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Pérez",
    "Thompson",
    "White",
    "Harris",
    "Sánchez",
    "Clark",
    "Ramírez",
    "Lewis",
    "Robinson",
]
GIVEN = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Chris",
    "Karen",
]
SYSTEM = "http://hospital.example.org/mrn"
PATIENT = RESOURCE_DEFINITIONS["Patient"]


def generated_patient(number: int, rng: random.Random) -> dict[str, Any]:
    family = f"{rng.choice(FAMILIES)}{number % 97}"
    return {
        "resourceType": "Patient",
        "identifier": [{"system": SYSTEM, "value": f"MRN{number:07d}"}],
        "active": True,
        "name": [{"use": "official", "family": family, "given": [rng.choice(GIVEN), rng.choice(GIVEN)]}],
        "gender": rng.choice(["male", "female", "other", "unknown"]),
        "birthDate": f"{rng.randint(1920, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "telecom": [{"system": "phone", "value": f"555-{number:07d}", "use": "home"}],
        "address": [{"use": "home", "city": rng.choice(["Boston", "Springfield", "Salem"]), "country": "US"}],
    }


async def seed(store: ResourceStore, start: int, stop: int, rng: random.Random) -> float:
    began = time.perf_counter()
    batch = []
    for number in range(start, stop):
        batch.append(next_version(PATIENT, str(uuid.uuid4()), generated_patient(number, rng), None, "POST"))
        if len(batch) == 100:  # small commands: mongoeco answers nothing else while one runs
            await store.insert_new(batch)
            batch = []
    await store.insert_new(batch)
    return time.perf_counter() - began


SEARCHES = {
    "family": lambda rng: [("family", f"{rng.choice(FAMILIES)[:4]}{rng.randint(0, 96)}")],
    "name": lambda rng: [("name", rng.choice(GIVEN)[:3])],
    "identifier": lambda rng: [("identifier", f"{SYSTEM}|MRN{rng.randint(0, 999):07d}")],
    "birthdate=ge": lambda rng: [("birthdate", f"ge{rng.randint(2015, 2024)}-01-01")],
}


def plan_summary(plan: dict[str, Any]) -> str:
    if "queryPlanner" in plan:
        winning = plan["queryPlanner"]["winningPlan"]
        stages = []
        while isinstance(winning, dict):
            stages.append(
                winning.get("stage", "?") + (f"({winning['indexName']})" if "indexName" in winning else "")
            )
            winning = winning.get("inputStage") or (winning.get("inputStages") or [None])[0]
        return " <- ".join(stages)
    return f"mongoeco {plan.get('engine')}: {plan.get('strategy')} filter"


async def measure(service: FhirService, runs: int, rng: random.Random) -> dict[str, tuple[float, float, str]]:
    results = {}
    for label, make in SEARCHES.items():
        timings = []
        for _ in range(runs):
            parameters = [*make(rng), ("_count", "20")]
            began = time.perf_counter()
            await service.search("Patient", parameters, "http://bench")
            timings.append((time.perf_counter() - began) * 1000)
        request = parse_search(PATIENT, make(rng), "http://bench", strict=True)
        plan = plan_summary(await service.store.explain_search("Patient", request.conditions))
        timings.sort()
        results[label] = (statistics.median(timings), timings[int(len(timings) * 0.95) - 1], plan)
    return results


async def run(uri: str, sizes: list[int], runs: int) -> None:
    database = await connect(uri, f"bench_{uuid.uuid4().hex[:8]}", ["Patient"])
    store = ResourceStore(database)
    service = FhirService(store)
    rng = random.Random(7)
    by_size: dict[int, dict[str, tuple[float, float, str]]] = {}
    seeded = 0
    try:
        for size in sizes:
            took = await seed(store, seeded, size, rng)
            print(f"seeded {size - seeded} patients in {took:.1f} s (total {size})")
            seeded = size
            by_size[size] = await measure(service, runs, rng)
        print(
            f"\n{'search':<14}"
            + "".join(f"{f'p50 @{size}':>12}{f'p95 @{size}':>12}" for size in sizes)
            + f"{'ratio p50':>11}  plan at the largest size"
        )
        for label in SEARCHES:
            cells = "".join(
                f"{by_size[size][label][0]:>10.1f}ms{by_size[size][label][1]:>10.1f}ms" for size in sizes
            )
            ratio = by_size[sizes[-1]][label][0] / by_size[sizes[0]][label][0]
            print(f"{label:<14}{cells}{ratio:>10.1f}x  {by_size[sizes[-1]][label][2]}")
    finally:
        await store.drop_database()
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--engine", choices=["sqlite", "memory"], default="sqlite")
    arguments = parser.parse_args()
    uri = os.environ.get("MONGODB_URI")
    embedded = None
    if not uri:
        data_dir = Path(tempfile.mkdtemp(prefix="bench-")) if arguments.engine == "sqlite" else None
        embedded = EmbeddedMongo(data_dir)
        # A bulk insert keeps mongoeco busy for long at 10,000 documents: do not take that for a dead server.
        uri = embedded.start() + "&connectTimeoutMS=600000&socketTimeoutMS=0"
        print(f"embedded mongoeco ({arguments.engine}) at {uri}")
    try:
        asyncio.run(run(uri, arguments.sizes, arguments.runs))
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    main()
