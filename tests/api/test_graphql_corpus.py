"""In the manner of the FHIR test-case corpus for R4 GraphQL (its types: MedicationDispense, List, Condition),
with our own data, queries and answers: instance-level queries, references followed through a List, and
reverse lists that sit exactly where a reference parameter can point."""

import pytest

from gateway.fhir.json import dumps
from tests.conftest import FHIR_JSON
from tests.graphql_support import graphql, outcome_codes

RESOURCES = [
    {"resourceType": "Patient", "id": "p1", "name": [{"family": "Okafor", "given": ["Ngozi"]}]},
    {"resourceType": "Practitioner", "id": "dr1", "name": [{"family": "Lind"}]},
    {"resourceType": "Group", "id": "g1", "type": "person", "actual": True},
    {
        "resourceType": "Medication",
        "id": "med1",
        "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "197361"}]},
    },
    {
        "resourceType": "MedicationDispense",
        "id": "md1",
        "status": "completed",
        "medicationReference": {"reference": "Medication/med1"},
        "subject": {"reference": "Patient/p1"},
        "quantity": {"value": 30, "unit": "tablet"},
    },
    {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"text": "Asthma"},
        "subject": {"reference": "Patient/p1"},
        "asserter": {"reference": "Practitioner/dr1"},
    },
    {
        "resourceType": "Condition",
        "id": "c2",
        "code": {"text": "Outbreak"},
        "subject": {"reference": "Group/g1"},
    },
    {
        "resourceType": "List",
        "id": "l1",
        "status": "current",
        "mode": "working",
        "subject": {"reference": "Patient/p1"},
        "entry": [{"item": {"reference": "Condition/c1"}}, {"item": {"reference": "MedicationDispense/md1"}}],
    },
]


@pytest.fixture
async def corpus(client) -> None:
    for resource in RESOURCES:
        path = f"/{resource['resourceType']}/{resource['id']}"
        response = await client.put(path, content=dumps(resource).encode(), headers=FHIR_JSON)
        assert response.status_code == 201, response.text


async def ok(client, query, path="/$graphql"):
    status, body = await graphql(client, query, None, path)
    assert status == 200 and "errors" not in body, body
    return body["data"]


async def test_an_instance_query_on_a_medication_dispense_follows_its_medication(client, corpus):
    data = await ok(
        client,
        "{ id status quantity { value unit } medicationReference { resource { ... on Medication "
        "{ code { coding { code } } } } } subject { reference } }",
        path="/MedicationDispense/md1/$graphql",
    )
    assert data == {
        "id": "md1",
        "status": "completed",
        "quantity": {"value": 30, "unit": "tablet"},
        "medicationReference": {"resource": {"code": {"coding": [{"code": "197361"}]}}},
        "subject": {"reference": "Patient/p1"},
    }


async def test_a_list_resolves_entries_of_different_types_with_inline_fragments(client, corpus):
    data = await ok(
        client,
        """{ List(id: l1) { entry { item { resource {
              __typename
              ... on Condition { code { text } }
              ... on MedicationDispense { status } } } } } }""",
    )
    assert [entry["item"]["resource"] for entry in data["List"]["entry"]] == [
        {"__typename": "Condition", "code": {"text": "Asthma"}},
        {"__typename": "MedicationDispense", "status": "completed"},
    ]


async def test_reverse_lists_follow_the_targets_a_parameter_may_point_at(client, corpus):
    data = await ok(
        client,
        """{ Patient(id: p1) { MedicationDispenseList(_reference: subject) { id }
                              ListList(_reference: subject) { id }
                              ConditionConnection(_reference: subject) { count } }
             Group(id: g1) { ConditionList(_reference: subject) { code { text } } }
             Practitioner(id: dr1) { ConditionList(_reference: asserter) { id } } }""",
    )
    assert data["Patient"] == {
        "MedicationDispenseList": [{"id": "md1"}],
        "ListList": [{"id": "l1"}],
        "ConditionConnection": {"count": 1},
    }
    assert data["Group"]["ConditionList"] == [{"code": {"text": "Outbreak"}}]
    assert data["Practitioner"]["ConditionList"] == [{"id": "c1"}]


async def test_a_parameter_that_cannot_point_at_the_type_is_refused_naming_those_that_can(client, corpus):
    status, body = await graphql(
        client, "{ Practitioner(id: dr1) { ConditionList(_reference: subject) { id } } }"
    )
    assert status == 200 and outcome_codes(body["errors"][0]) == ["invalid"]
    assert "asserter" in body["errors"][0]["message"]


async def test_types_no_parameter_names_have_no_reverse_lists(client):
    data = await ok(
        client,
        """{ valueSet: __type(name: "ValueSet") { fields { name } }
             patient: __type(name: "Patient") { fields { name } } }""",
    )
    value_set_fields = {field["name"] for field in data["valueSet"]["fields"]}
    patient_fields = {field["name"] for field in data["patient"]["fields"]}
    assert not {name for name in value_set_fields if name.endswith(("List", "Connection"))}
    assert {"ConditionList", "MedicationDispenseConnection", "ProvenanceList"} <= patient_fields
    # Observation.focus may point at any type: it adds no ObservationList to a ValueSet
    assert "ObservationList" not in value_set_fields
