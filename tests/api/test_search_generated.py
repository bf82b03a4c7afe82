"""Generated patients against a plain-Python oracle of the FHIR matching rules: the answers must agree."""

import random
import unicodedata

import pytest
import pytest_asyncio

from tests.api.search_fixtures import match_ids
from tests.conftest import FHIR_JSON, fresh_settings, http_client, running_app

# Read-only: the population is stored once for the whole module, into a database of its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")

FAMILIES = [
    "Müller",
    "Muller",
    "Mueller",
    "Smith",
    "Smyth",
    "O'Brien",
    "van der Berg",
    "Łukasz",
    "Øster",
    "García",
]
GIVEN = ["Ann", "Anna", "Annabel", "Bob", "Bóris", "Chen", "Zoë"]


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def generated(rng: random.Random, number: int) -> dict:
    patient = {
        "resourceType": "Patient",
        "name": [{"family": rng.choice(FAMILIES), "given": rng.sample(GIVEN, k=rng.randint(1, 2))}],
        "gender": rng.choice(["male", "female", "other", "unknown"]),
        "identifier": [{"system": rng.choice(["urn:a", "urn:b"]), "value": f"id-{number % 7}"}],
    }
    if rng.random() < 0.8:
        patient["birthDate"] = f"{rng.randint(1930, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return patient


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(mongodb_uri):
    async with running_app(fresh_settings(mongodb_uri)) as app, http_client(app) as http:
        yield http


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def population(client) -> list[dict]:
    rng = random.Random(20261125)
    stored = []
    for number in range(40):
        response = await client.post("/Patient", json=generated(rng, number), headers=FHIR_JSON)
        stored.append(response.json())
    return stored


ORACLES = {
    "family=mul": lambda p: fold(p["name"][0]["family"]).startswith("mul"),
    "family=MUE": lambda p: fold(p["name"][0]["family"]).startswith("mue"),
    "family:exact=Müller": lambda p: p["name"][0]["family"] == "Müller",
    "family:contains=er": lambda p: "er" in fold(p["name"][0]["family"]),
    "given=ann": lambda p: any(fold(g).startswith("ann") for g in p["name"][0]["given"]),
    "given=boris": lambda p: any(fold(g).startswith("boris") for g in p["name"][0]["given"]),
    "gender=female,other": lambda p: p["gender"] in ("female", "other"),
    "gender:not=male": lambda p: p["gender"] != "male",
    "identifier=urn:a|id-3": lambda p: p["identifier"][0] == {"system": "urn:a", "value": "id-3"},
    "identifier=id-3": lambda p: p["identifier"][0]["value"] == "id-3",
    "birthdate=ge1980": lambda p: p.get("birthDate", "0000") >= "1980",
    "birthdate=lt1960-06-15": lambda p: "birthDate" in p and p["birthDate"] < "1960-06-15",
    "birthdate=1986": lambda p: p.get("birthDate", "").startswith("1986"),
    "birthdate:missing=true": lambda p: "birthDate" not in p,
    "birthdate=ge1950&birthdate=le1990&gender=male": lambda p: (
        p.get("birthDate", "0000") >= "1950"
        and p.get("birthDate", "9999")[:10] <= "1990-12-31"
        and p["gender"] == "male"
    ),
}


@pytest.mark.parametrize("query", list(ORACLES))
async def test_the_server_agrees_with_the_oracle(client, population, query):
    expected = {patient["id"] for patient in population if ORACLES[query](patient)}
    assert 0 < len(expected) < len(population), "a query that matches none or all proves little"
    assert set(await match_ids(client, f"{query}&_count=100")) == expected
