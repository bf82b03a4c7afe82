"""Two date comparisons on one parameter (`ge` and `lt`) are looked up as the range between them
(gateway/store/query.py), and still find exactly what FHIR says: each comparison may be met by a different
value of a repeating element, which the hull keys of search_keys.py keep findable. Both embedded engines."""

from pathlib import Path
from typing import Any

import pytest

from gateway.store.embedded import EmbeddedMongo
from tests.conftest import FHIR_JSON, fresh_settings, http_client, running_app

AMBULATORY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}
# Encounter.location.period repeats: `location-period` has one date entry per stay.
STAYS = {
    "two-stays-around": [("1990-03-01", "1990-03-02"), ("1999-05-01", "1999-05-03")],
    "one-stay-inside": [("1995-06-01", "1995-06-02")],
    "one-stay-after": [("2005-01-01", "2005-01-02")],
    "two-stays-before": [("1980-01-01", "1980-01-02"), ("1985-01-01", "1985-01-02")],
    "long-stay-across": [("1960-01-01", "2020-01-01")],
}
BIRTHS = {"born-2018": "2018-12-31", "born-2019-jan": "2019-01-01", "born-2019-jun": "2019-06-30"}
BIRTHS |= {"born-2019-jul": "2019-07-01", "born-2020": "2020-02-02"}


def _encounter(encounter_id: str, stays: list[tuple[str, str]]) -> dict[str, Any]:
    locations = [
        {"location": {"reference": "Location/ward"}, "period": {"start": start, "end": end}}
        for start, end in stays
    ]
    return {
        "resourceType": "Encounter",
        "id": encounter_id,
        "status": "finished",
        "class": AMBULATORY,
        "location": locations,
    }


async def _search(client: Any, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return sorted(entry["resource"]["id"] for entry in response.json().get("entry", []))


async def _check(client: Any) -> None:
    for encounter_id, stays in STAYS.items():
        response = await client.put(
            f"/Encounter/{encounter_id}", json=_encounter(encounter_id, stays), headers=FHIR_JSON
        )
        assert response.status_code == 201, response.text
    for patient_id, birth in BIRTHS.items():
        body = {"resourceType": "Patient", "id": patient_id, "birthDate": birth}
        response = await client.put(f"/Patient/{patient_id}", json=body, headers=FHIR_JSON)
        assert response.status_code == 201, response.text
    found = await _search(client, "/Encounter?location-period=ge1995-01-01&location-period=lt1996-01-01")
    assert found == ["long-stay-across", "one-stay-inside", "two-stays-around"]
    apart = await _search(client, "/Encounter?location-period=gt2000&location-period=lt1981")
    assert apart == ["long-stay-across"]
    born = await _search(client, "/Patient?birthdate=ge2019-01-01&birthdate=lt2019-07-01&_count=2")
    assert born == ["born-2019-jan", "born-2019-jun"]


async def test_date_comparison_pairs_find_exactly_what_fhir_says(client):
    await _check(client)


@pytest.fixture
async def sqlite_client(tmp_path: Path):
    server = EmbeddedMongo(data_dir=tmp_path)
    try:
        async with (
            running_app(fresh_settings(server.start())) as application,
            http_client(application) as http,
        ):
            yield http
    finally:
        server.stop()


async def test_date_comparison_pairs_find_exactly_what_fhir_says_on_the_sqlite_engine(sqlite_client):
    await _check(sqlite_client)
