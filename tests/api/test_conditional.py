"""Conditional update and delete (http.html#cond-update, #cdelete): no match, one match, several; and the
match is found only among what the caller may see."""

from gateway.fhir.json import dumps
from tests.conftest import FHIR_JSON, http_client, mint_token


def _patient(value: str, **more: object) -> dict[str, object]:
    return {"resourceType": "Patient", "identifier": [{"system": "urn:mrn", "value": value}], **more}


async def test_a_conditional_update_with_no_match_creates_and_with_one_match_updates_it(client):
    created = await client.put(
        "/Patient?identifier=urn:mrn|1", content=dumps(_patient("1")), headers=FHIR_JSON
    )
    assert created.status_code == 201, created.text
    patient_id = created.json()["id"]
    updated = await client.put(
        "/Patient?identifier=urn:mrn|1", content=dumps(_patient("1", gender="female")), headers=FHIR_JSON
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["id"] == patient_id and updated.json()["meta"]["versionId"] == "2"


async def test_a_conditional_update_with_several_matches_is_412_and_changes_nothing(client):
    for _ in range(2):
        await client.post("/Patient", content=dumps(_patient("dup")), headers=FHIR_JSON)
    response = await client.put(
        "/Patient?identifier=urn:mrn|dup", content=dumps(_patient("dup", gender="male")), headers=FHIR_JSON
    )
    assert response.status_code == 412
    assert (await client.get("/Patient?gender=male")).json()["total"] == 0


async def test_a_conditional_update_whose_body_names_another_id_is_400(client):
    created = (await client.post("/Patient", content=dumps(_patient("2")), headers=FHIR_JSON)).json()
    body = _patient("2", id="someone-else")
    response = await client.put("/Patient?identifier=urn:mrn|2", content=dumps(body), headers=FHIR_JSON)
    assert response.status_code == 400
    assert (await client.get(f"/Patient/{created['id']}")).json()["meta"]["versionId"] == "1"


async def test_a_conditional_update_without_criteria_is_400(client):
    response = await client.put("/Patient", content=dumps(_patient("3")), headers=FHIR_JSON)
    assert response.status_code == 400


async def test_a_conditional_delete_removes_the_one_match_and_accepts_no_match(client):
    created = (await client.post("/Patient", content=dumps(_patient("4")), headers=FHIR_JSON)).json()
    assert (await client.delete("/Patient?identifier=urn:mrn|4")).status_code == 204
    assert (await client.get(f"/Patient/{created['id']}")).status_code == 410
    assert (await client.delete("/Patient?identifier=urn:mrn|4")).status_code == 204


async def test_a_conditional_delete_with_several_matches_is_412(client):
    for _ in range(2):
        await client.post("/Patient", content=dumps(_patient("5")), headers=FHIR_JSON)
    assert (await client.delete("/Patient?identifier=urn:mrn|5")).status_code == 412
    assert (await client.get("/Patient?identifier=urn:mrn|5")).json()["total"] == 2


async def test_a_patient_scope_does_not_match_or_change_another_patients_resources(app, client):
    mine = (await client.post("/Patient", content=dumps(_patient("mine")), headers=FHIR_JSON)).json()["id"]
    other = (await client.post("/Patient", content=dumps(_patient("other")), headers=FHIR_JSON)).json()["id"]
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/{other}"},
        "identifier": [{"system": "urn:obs", "value": "secret"}],
    }
    stored = (await client.post("/Observation", content=dumps(observation), headers=FHIR_JSON)).json()
    token = mint_token(app, "patient/Observation.cruds patient/Patient.cruds", patient=mine)
    async with http_client(app, token) as patient_client:
        deleted = await patient_client.delete("/Observation?identifier=urn:obs|secret")
        assert deleted.status_code == 204  # no match among what this token sees: nothing to delete
        # A conditional update finds no match either, so it creates, and the new one must be the patient's.
        moved = {**observation, "subject": {"reference": f"Patient/{other}"}}
        refused = await patient_client.put(
            "/Observation?identifier=urn:obs|secret", content=dumps(moved), headers=FHIR_JSON
        )
        assert refused.status_code == 403
    assert (await client.get(f"/Observation/{stored['id']}")).json()["meta"]["versionId"] == "1"


async def test_a_transaction_entry_may_be_a_conditional_update_or_delete(client):
    await client.post("/Patient", content=dumps(_patient("6")), headers=FHIR_JSON)
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "resource": _patient("6", gender="other"),
                "request": {"method": "PUT", "url": "Patient?identifier=urn:mrn|6"},
            },
            {"request": {"method": "DELETE", "url": "Patient?identifier=urn:mrn|nobody"}},
            {
                "resource": _patient("7"),
                "request": {"method": "PUT", "url": "Patient?identifier=urn:mrn|7"},
            },
        ],
    }
    response = await client.post("/", content=dumps(bundle), headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    statuses = [entry["response"]["status"] for entry in response.json()["entry"]]
    assert statuses == ["200 OK", "204 No Content", "201 Created"]
    assert (await client.get("/Patient?identifier=urn:mrn|6")).json()["entry"][0]["resource"][
        "gender"
    ] == "other"


async def test_a_conditional_update_with_no_match_keeps_the_body_id_but_never_overwrites_another(client):
    kept = await client.put(
        "/Patient?identifier=urn:mrn|8", content=dumps(_patient("8", id="p-8")), headers=FHIR_JSON
    )
    assert kept.status_code == 201 and kept.json()["id"] == "p-8"
    taken = await client.put(
        "/Patient?identifier=urn:mrn|9", content=dumps(_patient("9", id="p-8")), headers=FHIR_JSON
    )
    assert taken.status_code == 409
    assert (await client.get("/Patient/p-8")).json()["identifier"][0]["value"] == "8"
