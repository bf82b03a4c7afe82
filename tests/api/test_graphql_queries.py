"""Queries over ASGI on the real store: read, search lists, the CapabilityStatement, GET, GraphiQL."""

from graphql import get_introspection_query

from gateway.fhir.json import loads
from tests.conftest import example
from tests.graphql_support import create, create_examples, graphql, outcome_codes


async def test_patient_by_id_returns_the_stored_patient(client):
    stored = await create(client, example("patient/patient-example.json"))
    status, body = await graphql(
        client,
        "query ($id: ID!) { Patient(id: $id) { resourceType id gender birthDate } }",
        {"id": stored["id"]},
    )
    assert status == 200
    assert body["data"]["Patient"] == {
        "resourceType": "Patient",
        "id": stored["id"],
        "gender": "male",
        "birthDate": "1974-12-25",
    }


async def test_primitive_extensions_are_reachable_as_underscore_fields(client):
    stored = await create(client, example("patient/patient-example.json"))
    _, body = await graphql(
        client,
        f'{{ Patient(id: "{stored["id"]}") {{ _birthDate {{ extension {{ url valueDateTime }} }} }} }}',
    )
    assert body["data"]["Patient"]["_birthDate"] == stored["_birthDate"]


async def test_patient_list_ors_the_values_of_one_argument(client):
    await create_examples(client)
    _, body = await graphql(
        client, '{ PatientList(family: ["Chalmers", "van de Heuvel"], _sort: "_id") { name { family } } }'
    )
    families = {
        name["family"]
        for patient in body["data"]["PatientList"]
        for name in patient["name"]
        if "family" in name
    }
    assert {"Chalmers", "van de Heuvel"} <= families
    assert len(body["data"]["PatientList"]) == 2


async def test_patient_list_ands_different_arguments_and_maps_dashes_to_underscores(client):
    await create_examples(client)
    _, body = await graphql(
        client, '{ PatientList(gender: ["male"], address_city: ["PleasantVille"]) { id gender } }'
    )
    assert [patient["gender"] for patient in body["data"]["PatientList"]] == ["male"]


async def test_patient_list_matches_the_rest_search_with_the_same_parameters(client):
    await create_examples(client)
    _, body = await graphql(
        client, '{ PatientList(birthdate: ["ge1980"], _sort: "birthdate,_id", _count: 50) { id } }'
    )
    rest = loads(
        (
            await client.get(
                "/Patient", params={"birthdate": "ge1980", "_sort": "birthdate,_id", "_count": "50"}
            )
        ).content
    )
    assert [patient["id"] for patient in body["data"]["PatientList"]] == [
        entry["resource"]["id"] for entry in rest["entry"]
    ]


async def test_count_and_offset_page_a_patient_list(client):
    await create_examples(client)
    _, whole = await graphql(client, '{ PatientList(_sort: "_id", _count: 10) { id } }')
    _, page = await graphql(client, '{ PatientList(_sort: "_id", _count: 3, _offset: 4) { id } }')
    assert page["data"]["PatientList"] == whole["data"]["PatientList"][4:7]


async def test_a_bad_search_value_is_an_invalid_error_like_rest(client):
    status, body = await graphql(client, '{ PatientList(birthdate: ["yesterday"]) { id } }')
    assert status == 200 and body["data"]["PatientList"] is None
    assert outcome_codes(body["errors"][0]) == ["invalid"]


async def test_the_capability_statement_is_the_one_metadata_serves(client):
    metadata = loads((await client.get("/metadata")).content)
    _, body = await graphql(
        client,
        "{ CapabilityStatement { resourceType id date fhirVersion kind format "
        "rest { mode operation { name definition } resource { type operation { name } "
        "searchParam { name type } } } } }",
    )
    statement = body["data"]["CapabilityStatement"]
    assert statement["date"] == metadata["date"] and statement["fhirVersion"] == "4.0.1"
    assert statement["rest"][0]["operation"] == [
        {"name": "graphql", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-graphql"}
    ]
    assert statement["rest"][0]["operation"] == metadata["rest"][0]["operation"]
    assert [p["name"] for p in statement["rest"][0]["resource"][0]["searchParam"]] == [
        p["name"] for p in metadata["rest"][0]["resource"][0]["searchParam"]
    ]


async def test_a_query_can_be_sent_with_get(client):
    stored = await create(client, example("patient/patient-example.json"))
    response = await client.get(
        "/$graphql",
        params={
            "query": "query ($id: ID!) { Patient(id: $id) { id } }",
            "variables": f'{{"id": "{stored["id"]}"}}',
        },
    )
    assert response.status_code == 200
    assert response.json()["data"]["Patient"]["id"] == stored["id"]


async def test_graphql_serves_the_same_schema_and_graphiql_to_a_browser(client):
    answer = await client.post("/graphql", json={"query": "{ PatientList { id } }"})
    assert answer.json() == {"data": {"PatientList": []}}
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "graphql/assets/graphiql.min.js" in page.text
    assert "http" not in page.text.split("<body>")[1]  # nothing loads from another host


async def test_graphiql_scripts_and_styles_are_served_by_the_gateway(client):
    for name in (
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ):
        response = await client.get(f"/graphql/assets/{name}")
        assert response.status_code == 200, name
        assert len(response.content) > 1000
    assert (await client.get("/graphql/assets/..%2Fpackage.json")).status_code == 404


async def test_introspection_as_graphiql_sends_it_is_within_the_default_limits(client):

    status, body = await graphql(client, get_introspection_query())
    assert status == 200 and "errors" not in body
