"""Mutations go through the same service as REST: validation, versions, history, If-Match."""

from gateway.fhir.json import loads
from tests.conftest import example
from tests.graphql_support import graphql, outcome_codes

RETURNED = "id meta { versionId } name { family given } gender"


async def _create(client, res):
    return await graphql(
        client,
        f"mutation ($res: PatientInput!) {{ PatientCreate(res: $res) {{ {RETURNED} }} }}",
        {"res": res},
    )


async def test_patient_create_stores_a_version_rest_can_read(client):
    status, body = await _create(
        client, {"name": [{"family": "Chalmers", "given": ["Peter"]}], "gender": "male"}
    )
    created = body["data"]["PatientCreate"]
    assert status == 200 and created["meta"]["versionId"] == "1"
    read = loads((await client.get(f"/Patient/{created['id']}")).content)
    assert read["name"] == [{"family": "Chalmers", "given": ["Peter"]}] and read["resourceType"] == "Patient"


async def test_an_hl7_example_can_be_created_through_graphql_unchanged(client):
    resource = example("patient/patient-example.json")
    resource.pop("id")
    resource.pop("resourceType")
    _, body = await _create(client, resource)
    stored = loads((await client.get(f"/Patient/{body['data']['PatientCreate']['id']}")).content)
    assert {key: value for key, value in stored.items() if key not in ("id", "meta", "resourceType")} == {
        key: value for key, value in resource.items() if key != "meta"
    }


async def test_an_invalid_res_gets_the_validation_issues_rest_would_give(client):
    status, body = await _create(client, {"gender": "mal"})
    assert status == 200 and body["data"]["PatientCreate"] is None
    assert outcome_codes(body["errors"][0]) == ["code-invalid"]
    assert body["errors"][0]["extensions"]["resource"]["issue"][0]["expression"] == ["Patient.gender"]
    rest = await client.post(
        "/Patient",
        json={"resourceType": "Patient", "gender": "mal"},
        headers={"Content-Type": "application/fhir+json"},
    )
    assert [issue["code"] for issue in rest.json()["issue"]] == ["code-invalid"]


async def test_an_input_of_the_wrong_shape_is_refused_before_anything_runs(client):
    status, body = await _create(client, {"gender": "male", "birthDate": 1974})
    assert status == 400 and body["data"] is None
    assert outcome_codes(body["errors"][0]) == ["invalid"]


UPDATE = (
    "mutation ($id: ID!, $res: PatientInput!, $ifMatch: String) "
    "{ PatientUpdate(id: $id, res: $res, ifMatch: $ifMatch) { id meta { versionId } gender } }"
)


async def test_patient_update_makes_a_new_version_in_the_history(client):
    _, body = await _create(client, {"gender": "male"})
    identifier = body["data"]["PatientCreate"]["id"]
    _, updated = await graphql(
        client, UPDATE, {"id": identifier, "res": {"gender": "female"}, "ifMatch": 'W/"1"'}
    )
    assert updated["data"]["PatientUpdate"] == {
        "id": identifier,
        "meta": {"versionId": "2"},
        "gender": "female",
    }
    history = (await client.get(f"/Patient/{identifier}/_history")).json()
    assert history["total"] == 2


async def test_a_stale_if_match_fails_with_a_conflict_and_changes_nothing(client):
    _, body = await _create(client, {"gender": "male"})
    identifier = body["data"]["PatientCreate"]["id"]
    await graphql(client, UPDATE, {"id": identifier, "res": {"gender": "female"}, "ifMatch": "1"})
    _, stale = await graphql(client, UPDATE, {"id": identifier, "res": {"gender": "other"}, "ifMatch": "1"})
    assert stale["data"]["PatientUpdate"] is None
    assert outcome_codes(stale["errors"][0]) == ["conflict"]
    assert (await client.get(f"/Patient/{identifier}")).json()["gender"] == "female"


async def test_an_update_whose_res_names_another_id_is_refused(client):
    _, body = await _create(client, {"gender": "male"})
    identifier = body["data"]["PatientCreate"]["id"]
    _, refused = await graphql(client, UPDATE, {"id": identifier, "res": {"id": "other", "gender": "male"}})
    assert outcome_codes(refused["errors"][0]) == ["invalid"]


async def test_patient_delete_removes_it_and_a_read_then_says_deleted(client):
    _, body = await _create(client, {"gender": "male"})
    identifier = body["data"]["PatientCreate"]["id"]
    _, deleted = await graphql(client, "mutation ($id: ID!) { PatientDelete(id: $id) }", {"id": identifier})
    assert deleted["data"]["PatientDelete"] is True
    _, again = await graphql(client, "mutation ($id: ID!) { PatientDelete(id: $id) }", {"id": identifier})
    assert again["data"]["PatientDelete"] is False
    _, read = await graphql(client, "query ($id: ID!) { Patient(id: $id) { id } }", {"id": identifier})
    assert outcome_codes(read["errors"][0]) == ["deleted"]
    assert (await client.get(f"/Patient/{identifier}")).status_code == 410


async def test_mutations_are_refused_over_get(client):
    response = await client.get("/$graphql", params={"query": 'mutation { PatientDelete(id: "x") }'})
    assert response.status_code == 405
    assert outcome_codes(response.json()["errors"][0]) == ["not-supported"]
