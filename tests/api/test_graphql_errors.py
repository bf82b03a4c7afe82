"""Errors carry an OperationOutcome with REST's issue codes; bad input never shows a trace."""

import pytest

from tests.graphql_support import graphql, outcome_codes


async def test_an_unknown_id_is_a_not_found_outcome(client):
    status, body = await graphql(client, '{ Patient(id: "nobody") { id } }')
    assert status == 200 and body["data"] == {"Patient": None}
    assert outcome_codes(body["errors"][0]) == ["not-found"]
    assert body["errors"][0]["path"] == ["Patient"]


async def test_an_id_that_is_not_a_fhir_id_is_an_invalid_outcome(client):
    _, body = await graphql(client, '{ Patient(id: "not an id!") { id } }')
    assert outcome_codes(body["errors"][0]) == ["invalid"]


async def test_the_instance_endpoint_of_an_unknown_patient_is_not_found(client):
    status, body = await graphql(client, "{ id }", path="/Patient/nobody/$graphql")
    assert status == 404
    assert outcome_codes(body["errors"][0]) == ["not-found"]


@pytest.mark.parametrize(
    "query",
    [
        "{ Patient(id: ",
        "{ NoSuchField }",
        '{ Patient(id: "x") { noSuchElement } }',
        '{ PatientList(unknown: ["x"]) { id } }',
    ],
)
async def test_a_broken_or_invalid_document_is_a_400_with_an_invalid_outcome(client, query):
    status, body = await graphql(client, query)
    assert status == 400 and body["data"] is None
    assert outcome_codes(body["errors"][0]) == ["invalid"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'["a list"]', "application/json"),
        (b'{"query": 3}', "application/json"),
        (b'{"query": "{ PatientList { id } }", "variables": "x"}', "application/json"),
        (b"{}", "text/plain"),
    ],
)
async def test_a_malformed_http_request_is_a_400_with_an_outcome_and_no_trace(client, content, content_type):
    response = await client.post("/$graphql", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert outcome_codes(error) == ["invalid"]
    assert "Traceback" not in response.text and 'File "' not in response.text


async def test_a_get_without_a_query_from_a_client_is_an_invalid_request(client):
    response = await client.get("/$graphql")
    assert response.status_code == 400
    assert outcome_codes(response.json()["errors"][0]) == ["invalid"]


async def test_a_variable_of_the_wrong_type_is_an_invalid_request(client):
    status, body = await graphql(client, "query ($n: Int) { PatientList(_count: $n) { id } }", {"n": "many"})
    assert status == 400
    assert outcome_codes(body["errors"][0]) == ["invalid"]


async def test_a_bad_cursor_is_an_invalid_outcome(client):
    _, body = await graphql(client, '{ PatientConnection(_cursor: "garbage") { count } }')
    assert outcome_codes(body["errors"][0]) == ["invalid"]
    assert body["errors"][0]["extensions"]["resource"]["issue"][0]["expression"] == ["_cursor"]
