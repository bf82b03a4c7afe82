"""Patient compartment search (`Patient/{id}/{type}`, `*`) and `Patient/{id}/$everything` (R4
CompartmentDefinition/patient), within the caller's scopes."""

from typing import Any

from gateway.fhir.json import dumps
from tests.clinical_fixtures import search_ids
from tests.conftest import FHIR_JSON, http_client, mint_token


async def _create(client, resource: dict[str, Any]) -> str:
    response = await client.post(f"/{resource['resourceType']}", content=dumps(resource), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


def _observation(subject: str, performer: str | None = None) -> dict[str, Any]:
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": subject},
    }
    if performer:
        observation["performer"] = [{"reference": performer}]
    return observation


async def _record(client) -> dict[str, str]:
    """Two patients; observations by subject and by performer; a condition and an allergy of the first."""
    ids = {
        "alice": await _create(client, {"resourceType": "Patient", "name": [{"family": "Alice"}]}),
        "bob": await _create(client, {"resourceType": "Patient", "name": [{"family": "Bob"}]}),
    }
    ids["subject"] = await _create(client, _observation(f"Patient/{ids['alice']}"))
    ids["performed"] = await _create(client, _observation(f"Patient/{ids['bob']}", f"Patient/{ids['alice']}"))
    ids["bobs"] = await _create(client, _observation(f"Patient/{ids['bob']}"))
    ids["condition"] = await _create(
        client,
        {
            "resourceType": "Condition",
            "code": {"text": "headache"},
            "subject": {"reference": f"Patient/{ids['alice']}"},
        },
    )
    ids["allergy"] = await _create(
        client,
        {
            "resourceType": "AllergyIntolerance",
            "patient": {"reference": f"Patient/{ids['bob']}"},
            "recorder": {"reference": f"Patient/{ids['alice']}"},
        },
    )
    return ids


async def test_a_compartment_search_finds_every_link_the_compartment_definition_names(client):
    ids = await _record(client)
    alice = ids["alice"]
    assert await search_ids(client, f"/Patient/{alice}/Observation") == {ids["subject"], ids["performed"]}
    assert await search_ids(client, f"/Patient/{alice}/Condition") == {ids["condition"]}
    assert await search_ids(client, f"/Patient/{alice}/AllergyIntolerance") == {ids["allergy"]}
    assert await search_ids(client, f"/Patient/{ids['bob']}/Condition") == set()


async def test_a_compartment_search_takes_further_parameters_and_pages(client):
    ids = await _record(client)
    first = (await client.get(f"/Patient/{ids['alice']}/Observation?_count=1&_total=accurate")).json()
    assert first["total"] == 2 and len(first["entry"]) == 1
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = (await client.get(following.removeprefix("http://testserver"))).json()
    assert {first["entry"][0]["resource"]["id"], second["entry"][0]["resource"]["id"]} == {
        ids["subject"],
        ids["performed"],
    }
    assert await search_ids(client, f"/Patient/{ids['alice']}/Observation?_id={ids['subject']}") == {
        ids["subject"]
    }


async def test_types_outside_the_patient_compartment_are_404(client):
    response = await client.get("/Patient/x/Organization")
    assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"


async def test_everything_returns_the_patient_first_and_its_whole_compartment(client):
    ids = await _record(client)
    bundle = (await client.get(f"/Patient/{ids['alice']}/$everything")).json()
    found = [(entry["resource"]["resourceType"], entry["resource"]["id"]) for entry in bundle["entry"]]
    assert found[0] == ("Patient", ids["alice"])
    assert set(found) == {
        ("Patient", ids["alice"]),
        ("Observation", ids["subject"]),
        ("Observation", ids["performed"]),
        ("Condition", ids["condition"]),
        ("AllergyIntolerance", ids["allergy"]),
    }
    assert bundle["total"] == 5


async def test_everything_filters_by_type_and_since_and_pages_with_count(client):
    ids = await _record(client)
    alice = ids["alice"]
    typed = (await client.get(f"/Patient/{alice}/$everything?_type=Condition")).json()
    assert [entry["resource"]["id"] for entry in typed["entry"]] == [ids["condition"]]
    later = (await client.get(f"/Patient/{alice}/$everything?_since=2999-01-01T00:00:00Z")).json()
    assert later["total"] == 0 and "entry" not in later
    seen: list[str] = []
    url: str | None = f"/Patient/{alice}/$everything?_count=2"
    while url:
        page = (await client.get(url)).json()
        seen += [entry["resource"]["id"] for entry in page.get("entry", [])]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
        url = url.removeprefix("http://testserver") if url else None
    assert len(seen) == 5 and len(set(seen)) == 5


async def test_everything_of_an_unknown_patient_is_404(client):
    assert (await client.get("/Patient/nobody/$everything")).status_code == 404


async def test_a_patient_scope_sees_only_its_own_compartment_and_everything(app, client):
    ids = await _record(client)
    token = mint_token(app, "patient/*.rs", patient=ids["bob"])
    async with http_client(app, token) as bob:
        # Alice's compartment holds an observation about Bob (she performed it): Bob may see that one only.
        assert await search_ids(bob, f"/Patient/{ids['alice']}/Observation") == {ids["performed"]}
        assert (await bob.get(f"/Patient/{ids['alice']}/$everything")).status_code == 403
        everything = (await bob.get(f"/Patient/{ids['bob']}/$everything")).json()
        found = {entry["resource"]["id"] for entry in everything["entry"]}
        assert found == {ids["bob"], ids["performed"], ids["bobs"], ids["allergy"]}
        assert ids["subject"] not in found and ids["condition"] not in found


async def test_the_star_compartment_search_returns_every_type_in_the_compartment(client):
    ids = await _record(client)
    bundle = (await client.get(f"/Patient/{ids['alice']}/*?_type=Observation,Condition")).json()
    assert {entry["resource"]["id"] for entry in bundle["entry"]} == {
        ids["subject"],
        ids["performed"],
        ids["condition"],
    }
