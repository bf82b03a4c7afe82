"""Observation, Encounter, Practitioner, Organization: CRUD, versions, history, validation as Patient."""

import pytest

from gateway.fhir.json import dumps, loads
from tests.clinical_fixtures import examples_of
from tests.conftest import FHIR_JSON

EXAMPLES = [
    path
    for folder in ("observation", "encounter", "practitioner", "organization")
    for path in examples_of(folder)
]


def _without_meta(resource: dict) -> dict:
    return {key: value for key, value in resource.items() if key != "meta"} | {
        "meta": {k: v for k, v in resource.get("meta", {}).items() if k not in ("versionId", "lastUpdated")}
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
async def test_every_hl7_example_round_trips_exactly(client, path):
    resource = loads(path.read_bytes())
    url = f"/{resource['resourceType']}/{resource['id']}"
    created = await client.put(url, content=dumps(resource), headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    read = loads((await client.get(url)).content)
    assert _without_meta(read) == _without_meta(resource)


@pytest.mark.parametrize("resource_type", ["Observation", "Encounter", "Practitioner", "Organization"])
async def test_create_update_delete_and_history_work_for_each_core_type(client, resource_type):
    path = next(path for path in EXAMPLES if loads(path.read_bytes())["resourceType"] == resource_type)
    resource = loads(path.read_bytes())
    del resource["id"]
    created = await client.post(f"/{resource_type}", content=dumps(resource), headers=FHIR_JSON)
    assert created.status_code == 201
    new_id = created.json()["id"]
    assert created.headers["location"].endswith(f"/{resource_type}/{new_id}/_history/1")
    resource["id"] = new_id
    updated = await client.put(
        f"/{resource_type}/{new_id}", content=dumps(resource), headers={**FHIR_JSON, "If-Match": 'W/"1"'}
    )
    assert updated.status_code == 200 and updated.headers["etag"] == 'W/"2"'
    assert (await client.delete(f"/{resource_type}/{new_id}")).status_code == 204
    assert (await client.get(f"/{resource_type}/{new_id}")).status_code == 410
    history = (await client.get(f"/{resource_type}/{new_id}/_history")).json()
    assert [entry["response"]["etag"] for entry in history["entry"]] == ['W/"3"', 'W/"2"', 'W/"1"']
    assert (await client.get(f"/{resource_type}/{new_id}/_history/1")).status_code == 200


@pytest.mark.parametrize(
    ("resource", "element"),
    [
        ({"resourceType": "Observation", "status": "done", "code": {"text": "x"}}, "Observation.status"),
        ({"resourceType": "Observation", "code": {"text": "x"}}, "Observation.status"),
        ({"resourceType": "Encounter", "status": "over", "class": {"code": "AMB"}}, "Encounter.status"),
        (
            {
                "resourceType": "Encounter",
                "status": "finished",
                "class": {"code": "AMB"},
                "location": [{"location": {"reference": "Location/1"}, "status": "gone"}],
            },
            "Encounter.location[0].status",
        ),
        ({"resourceType": "Practitioner", "gender": "mal"}, "Practitioner.gender"),
        ({"resourceType": "Organization", "name": 42}, "Organization.name"),
    ],
)
async def test_invalid_resources_get_an_operation_outcome_naming_the_element(client, resource, element):
    response = await client.post(f"/{resource['resourceType']}", content=dumps(resource), headers=FHIR_JSON)
    assert response.status_code == 400, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(element in issue.get("expression", [""])[0] for issue in outcome["issue"]), outcome
    listed = (await client.get(f"/{resource['resourceType']}")).json()
    assert listed["total"] == 0  # nothing stored


async def test_metadata_lists_the_core_types_with_their_search_parameters_and_the_other_types(client):
    statement = (await client.get("/metadata")).json()
    resources = {item["type"]: item for item in statement["rest"][0]["resource"]}
    for name in ("Patient", "Observation", "Encounter", "Practitioner", "Organization"):
        assert name in resources
    observation = {
        parameter["name"]: parameter["type"] for parameter in resources["Observation"]["searchParam"]
    }
    assert observation["value-quantity"] == "quantity" and observation["code"] == "token"
    condition = {parameter["name"] for parameter in resources["Condition"]["searchParam"]}
    assert {"_id", "_lastUpdated", "patient", "subject", "encounter"} <= condition
    assert "code" not in condition  # only what works is listed
