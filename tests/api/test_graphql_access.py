"""GraphQL references and reverse lists obey the same scopes as REST: another patient's resources resolve like
resources that do not exist, and a type the token cannot read is refused on that field alone."""

from tests.api.test_access_paths import World, _world
from tests.conftest import http_client, mint_token
from tests.graphql_support import graphql, outcome_codes

PERFORMERS = """{ ObservationList { id performer { reference resource(optional: true) {
    __typename ... on Patient { id identifier { value } } } } } }"""


def _patient_token(app, world: World) -> str:
    return mint_token(app, "patient/*.rs", patient=world.mine)


async def test_a_patient_token_resolves_no_reference_to_another_patient(app, client):
    world = await _world(client)
    async with http_client(app, token=_patient_token(app, world)) as http:
        status, body = await graphql(http, PERFORMERS)
    assert status == 200
    assert [item["id"] for item in body["data"]["ObservationList"]] == [world.own_observation]
    performers = {
        item["reference"]: item["resource"] for item in body["data"]["ObservationList"][0]["performer"]
    }
    assert performers[f"Patient/{world.other}"] is None and "B-secret" not in str(body)
    # patient/ scopes do not reach Practitioner: that field alone is refused, the Patient one still resolved
    assert performers[f"Practitioner/{world.practitioner}"] is None
    assert [outcome_codes(error) for error in body["errors"]] == [["forbidden"]]


async def test_another_patients_reference_fails_like_a_missing_one(app, client):
    world = await _world(client)
    query = """{ Observation(id: "%s") { performer { resource(type: "Patient") { __typename } } } }"""
    async with http_client(
        app, token=mint_token(app, "patient/Observation.rs patient/Patient.rs", patient=world.mine)
    ) as http:
        _, foreign = await graphql(http, query % world.own_observation)
    assert [outcome_codes(error) for error in foreign["errors"]] == [["not-found"]]
    assert "B-secret" not in str(foreign)


async def test_reverse_lists_under_a_patient_token_stay_in_the_compartment(app, client):
    world = await _world(client)
    query = '{ Patient(id: "ID") { ObservationList(_reference: "performer") { id } } }'.replace(
        "ID", world.mine
    )
    _, everything = await graphql(client, query)
    assert everything["data"]["Patient"]["ObservationList"] == [{"id": world.naming_me}]
    async with http_client(app, token=_patient_token(app, world)) as http:
        status, body = await graphql(http, query)
    assert status == 200 and "errors" not in body, body
    assert body["data"]["Patient"]["ObservationList"] == []


async def test_a_reference_to_a_type_the_token_cannot_read_is_refused(app, client):
    await _world(client)
    query = "{ ObservationList { id subject { resource(optional: true) { __typename } } } }"
    async with http_client(app, scope="system/Observation.rs") as http:
        status, body = await graphql(http, query)
    assert status == 200 and body["errors"]
    assert {code for error in body["errors"] for code in outcome_codes(error)} == {"forbidden"}
    assert "A-secret" not in str(body)
