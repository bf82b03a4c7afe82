"""Other R4 types (Condition, Claim, ...): CRUD, history, validation, search by _id, _lastUpdated, patient."""

import pytest

from gateway.fhir.json import dumps
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from tests.clinical_fixtures import search_ids
from tests.conftest import FHIR_JSON

CONDITION = {
    "resourceType": "Condition",
    "clinicalStatus": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
    },
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
    "subject": {"reference": "Patient/p1"},
    "encounter": {"reference": "Encounter/e1"},
}


async def test_a_condition_is_created_read_updated_deleted_and_has_history(client):
    created = await client.post("/Condition", content=dumps(CONDITION), headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    condition_id = created.json()["id"]
    updated = await client.put(
        f"/Condition/{condition_id}", content=dumps({**CONDITION, "id": condition_id}), headers=FHIR_JSON
    )
    assert updated.json()["meta"]["versionId"] == "2"
    assert (await client.delete(f"/Condition/{condition_id}")).status_code == 204
    history = (await client.get(f"/Condition/{condition_id}/_history")).json()
    assert history["total"] == 3
    assert (await client.get(f"/Condition/{condition_id}")).status_code == 410


async def test_other_types_are_searched_by_patient_subject_encounter_id_and_last_updated(client):
    created = (await client.post("/Condition", content=dumps(CONDITION), headers=FHIR_JSON)).json()
    other = {**CONDITION, "subject": {"reference": "Group/g1"}}
    await client.post("/Condition", content=dumps(other), headers=FHIR_JSON)
    assert await search_ids(client, "/Condition?patient=p1") == {created["id"]}
    assert await search_ids(client, "/Condition?patient=Group/g1") == set()  # patient means a Patient
    assert len(await search_ids(client, "/Condition?subject=Group/g1")) == 1
    assert await search_ids(client, "/Condition?encounter=e1&patient=Patient/p1") == {created["id"]}
    assert await search_ids(client, f"/Condition?_id={created['id']}") == {created["id"]}
    assert len(await search_ids(client, "/Condition?_lastUpdated=gt2000-01-01")) == 2


async def test_an_invalid_claim_is_refused_by_its_model_and_nothing_is_stored(client):
    response = await client.post(
        "/Claim", content=dumps({"resourceType": "Claim", "status": "active"}), headers=FHIR_JSON
    )
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert (await client.get("/Claim")).json()["total"] == 0


async def test_a_parameter_an_other_type_does_not_support_is_reported(client):
    response = await client.get("/Condition?code=44054006", headers={"Prefer": "handling=strict"})
    assert response.status_code == 400


async def test_unknown_types_are_404_with_an_operation_outcome(client):
    response = await client.get("/Spaceship/1")
    assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"


async def test_collections_of_other_types_are_created_on_first_write_only(app, client):
    database = app.state.service.store._database
    names = set(await database.db.list_collection_names())
    assert "Condition" not in names and "Observation" in names
    await client.post("/Condition", content=dumps(CONDITION), headers=FHIR_JSON)
    assert "Condition" in set(await database.db.list_collection_names())


@pytest.mark.parametrize("name", ["Claim", "ExplanationOfBenefit", "Immunization", "DiagnosticReport"])
def test_synthea_types_link_to_their_patient(name):
    assert RESOURCE_DEFINITIONS[name].search_parameter("patient") is not None
