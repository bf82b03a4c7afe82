"""Every field of the types, on every HL7 Patient example: GraphQL gives back exactly what REST stored."""

import pytest

from gateway.fhir.json import loads
from schema.selection import every_field
from tests.conftest import example, patient_examples
from tests.graphql_support import create, graphql, without_nulls

# The HL7 Patient examples nest at most 5 objects deep; selecting 6 levels leaves nothing out.
DEPTH = 6


def _depth(value):
    if isinstance(value, dict):
        return 1 + max([_depth(item) for item in value.values()] + [0])
    if isinstance(value, list):
        return max([_depth(item) for item in value] + [0])
    return 0


def _every_field_query(app, root: str) -> str:
    selection, fragments = every_field(app.state.graphql.system._schema, "Patient", DEPTH)
    return f"query ($id: ID!) {{ {root}(id: $id) {selection} }}\n{fragments}"


@pytest.mark.parametrize("name", [path.name for path in patient_examples()])
async def test_a_query_selecting_every_field_returns_the_stored_json_of_each_hl7_example(app, client, name):
    stored = await create(client, example(f"patient/{name}"))
    assert _depth(stored) <= DEPTH
    status, body = await graphql(client, _every_field_query(app, "Patient"), {"id": stored["id"]})
    assert status == 200 and "errors" not in body, body
    assert without_nulls(body["data"]["Patient"]) == stored


@pytest.mark.parametrize("name", [path.name for path in patient_examples()])
async def test_rest_and_graphql_give_the_same_resource_json_for_each_hl7_example(app, client, name):
    stored = await create(client, example(f"patient/{name}"))
    rest = await client.get(f"/Patient/{stored['id']}")
    _, body = await graphql(client, _every_field_query(app, "Patient"), {"id": stored["id"]})
    assert without_nulls(body["data"]["Patient"]) == loads(rest.content)


async def test_decimals_come_back_with_exactly_their_digits(client):
    resource = example("patient/patient-example-f201-roel.json") | {
        "extension": [{"url": "http://example.org/precise", "valueDecimal": loads("0.0100")}]
    }
    stored = await create(client, resource)
    query = f'{{ Patient(id: "{stored["id"]}") {{ extension {{ valueDecimal }} }} }}'
    response = await client.post("/$graphql", json={"query": query})
    assert '"valueDecimal":0.0100' in response.text


async def test_the_instance_endpoint_answers_with_the_patient_as_the_root_object(app, client):
    stored = await create(client, example("patient/patient-example.json"))
    selection, fragments = every_field(app.state.graphql.instance["Patient"]._schema, "Patient", DEPTH)
    status, body = await graphql(
        client, f"{selection}\n{fragments}", path=f"/Patient/{stored['id']}/$graphql"
    )
    assert status == 200, body
    assert without_nulls(body["data"]) == stored
