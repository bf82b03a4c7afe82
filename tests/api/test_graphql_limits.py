"""Depth, aliases, resources per request and response size are bounded; over a limit the server stays up."""

import dataclasses

import pytest

from tests.graphql_support import create, graphql, outcome_codes


@pytest.fixture
def settings(settings):
    return dataclasses.replace(
        settings,
        graphql_max_depth=5,
        graphql_max_aliases=3,
        graphql_max_resources=30,
        graphql_max_response_bytes=4000,
    )


async def test_a_query_nested_deeper_than_the_limit_is_refused_as_too_costly(client):
    query = "{ PatientList { contact { name { _given { extension { extension { url } } } } } } }"
    status, body = await graphql(client, query)
    assert status == 400 and body["data"] is None
    assert outcome_codes(body["errors"][0]) == ["too-costly"]
    assert "limit is 5" in body["errors"][0]["message"]


async def test_depth_through_fragments_counts_too(client):
    query = (
        "{ PatientList { ...P } } fragment P on Patient { contact { name { _given { extension { url } } } } }"
    )
    status, body = await graphql(client, query)
    assert status == 400 and outcome_codes(body["errors"][0]) == ["too-costly"]


async def test_too_many_aliases_are_refused_as_too_costly(client):
    query = "{ a: PatientList { id } b: PatientList { id } c: PatientList { id } d: PatientList { id } }"
    status, body = await graphql(client, query)
    assert status == 400 and outcome_codes(body["errors"][0]) == ["too-costly"]


async def test_lists_asking_for_more_resources_than_the_budget_are_refused_before_searching(client):
    status, body = await graphql(
        client, "{ a: PatientList(_count: 20) { id } b: PatientList(_count: 20) { id } }"
    )
    assert status == 200
    assert body["data"]["a"] == [] and body["data"]["b"] is None
    assert outcome_codes(body["errors"][0]) == ["too-costly"]


async def test_a_response_larger_than_the_limit_is_replaced_by_a_too_costly_error(client):
    for index in range(10):
        await create(client, {"resourceType": "Patient", "name": [{"family": f"{'Long' * 100}{index}"}]})
    status, body = await graphql(client, "{ PatientList(_count: 10) { id name { family } } }")
    assert status == 200 and body["data"] is None
    assert outcome_codes(body["errors"][0]) == ["too-costly"]
    assert "4000" in body["errors"][0]["message"]


async def test_the_server_answers_normally_right_after_an_over_limit_query(client):
    await graphql(
        client, "{ a: PatientList { id } b: PatientList { id } c: PatientList { id } d: PatientList { id } }"
    )
    status, body = await graphql(client, "{ PatientList(_count: 1) { id } }")
    assert status == 200 and body == {"data": {"PatientList": []}}
