"""The `gql` client library against the running server: it fetches the schema, checks and runs documents."""

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

from tests.e2e.server import auth_headers

pytestmark = pytest.mark.e2e

CREATE = "mutation ($res: PatientInput!) { PatientCreate(res: $res) { id meta { versionId } } }"
SEARCH = """query ($family: [String!]) {
  PatientConnection(family: $family, _count: 1) { count next edges { resource { id name { family given } } } }
}"""


async def test_gql_creates_searches_and_pages_patients_on_the_running_server(server):
    # The first introspection of all 52 types takes ~5 s of CPU (then it is cached), past gql's default
    # 10 s execute timeout on a loaded machine: this checks behaviour, not speed (bench/graphql_schema.py).
    transport = HTTPXAsyncTransport(url=f"{server}/$graphql", timeout=300, headers=auth_headers())
    async with Client(transport=transport, fetch_schema_from_transport=True, execute_timeout=300) as session:
        for given in ("Ada", "Grace"):
            created = await session.execute(
                GraphQLRequest(
                    CREATE,
                    variable_values={"res": {"name": [{"family": "Lovelace-Hopper", "given": [given]}]}},
                )
            )
            assert created["PatientCreate"]["meta"]["versionId"] == "1"
        page = await session.execute(GraphQLRequest(SEARCH, variable_values={"family": ["Lovelace-Hopper"]}))
        connection = page["PatientConnection"]
        assert connection["count"] == 2 and len(connection["edges"]) == 1
        following = await session.execute(
            GraphQLRequest(
                "query ($cursor: String) "
                "{ PatientConnection(_cursor: $cursor) { next edges { resource { id } } } }",
                variable_values={"cursor": connection["next"]},
            )
        )
        assert following["PatientConnection"]["next"] is None
        assert (
            following["PatientConnection"]["edges"][0]["resource"]["id"]
            != connection["edges"][0]["resource"]["id"]
        )


async def test_gql_gets_the_not_found_outcome_of_an_unknown_patient(server):
    async with Client(
        transport=HTTPXAsyncTransport(url=f"{server}/$graphql", timeout=300, headers=auth_headers()),
        execute_timeout=300,
    ) as session:
        with pytest.raises(TransportQueryError) as raised:
            await session.execute(GraphQLRequest('{ Patient(id: "nobody") { id } }'))
    outcome = raised.value.errors[0]["extensions"]["resource"]
    assert outcome["issue"][0]["code"] == "not-found"
