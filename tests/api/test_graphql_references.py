"""GraphQL references: Reference.resource with inline fragments, and reverse lists and connections."""

import pytest

from tests.clinical_fixtures import module_client_with_examples
from tests.graphql_support import graphql, outcome_codes

# The examples are loaded once for the whole module, into a database of its own. The one write (an
# Observation with no subject, in the last test) is nothing the other tests' queries can reach.
pytestmark = pytest.mark.asyncio(loop_scope="module")
client = module_client_with_examples()


@pytest.fixture
def loaded() -> None:
    """The module's client has them loaded already."""


async def test_a_reference_resolves_to_its_resource_through_inline_fragments(client, loaded):
    query = """{ Observation(id: "f001") {
        subject { reference resource { ... on Patient { id name { family } } } }
        performer { resource { __typename ... on Practitioner { id } ... on Organization { id } } } } }"""
    status, body = await graphql(client, query)
    assert status == 200 and "errors" not in body, body
    observation = body["data"]["Observation"]
    assert observation["subject"]["resource"] == {"id": "f001", "name": [{"family": "van de Heuvel"}]}
    assert observation["performer"][0]["resource"] == {"__typename": "Practitioner", "id": "f005"}


async def test_type_filters_and_optional_turn_unresolvable_references_into_nulls(client, loaded):
    query = """{ Patient(id: "example") {
        managingOrganization { a: resource(type: "Practitioner") { __typename }
                               b: resource(type: "Organization") { ... on Organization { name } } }
      }
      mom: Patient(id: "infant-mom") { generalPractitioner { resource(optional: true) { __typename } } } }"""
    status, body = await graphql(client, query)
    assert status == 200 and "errors" not in body, body
    organization = body["data"]["Patient"]["managingOrganization"]
    assert organization["a"] is None and organization["b"] == {"name": "Gastroenterology"}
    # Practitioner/21B is not an R4 example, so it is not here
    assert body["data"]["mom"]["generalPractitioner"][0]["resource"] is None


async def test_an_unresolvable_reference_without_optional_is_an_error_with_an_outcome(client, loaded):
    status, body = await graphql(
        client, '{ Patient(id: "infant-mom") { generalPractitioner { resource { __typename } } } }'
    )
    assert status == 200
    assert outcome_codes(body["errors"][0]) == ["not-found"]


async def test_reverse_lists_find_what_points_at_a_resource(client, loaded):
    query = """{ Patient(id: "example") {
        ObservationList(_reference: "subject", category: ["vital-signs"], _sort: "code") { id }
        all: ObservationList(_reference: "patient") { id }
        EncounterList(_reference: "subject") { id }
        ObservationConnection(_reference: "subject", _count: 2) {
            count pagesize edges { resource { id } } } } }"""
    status, body = await graphql(client, query)
    assert status == 200 and "errors" not in body, body
    patient = body["data"]["Patient"]
    vital = {item["id"] for item in patient["ObservationList"]}
    assert {"body-height", "bmi", "heart-rate", "blood-pressure"} <= vital
    assert len(patient["all"]) == 8
    assert "example" in {item["id"] for item in patient["EncounterList"]}
    connection = patient["ObservationConnection"]
    assert connection["count"] == 8 and connection["pagesize"] == 2 and len(connection["edges"]) == 2


async def test_a_reverse_list_needs_a_reference_parameter(client, loaded):
    """`_reference` is HL7's enum of the source's reference parameters: `code` is refused before running."""
    status, body = await graphql(
        client, '{ Patient(id: "example") { ObservationList(_reference: code) { id } } }'
    )
    assert status == 400
    assert outcome_codes(body["errors"][0]) == ["invalid"]
    assert "ObservationReferenceParameter" in body["errors"][0]["message"]


async def test_core_types_have_queries_and_mutations(client, loaded):
    query = """{ EncounterList(class: ["AMB"], _count: 50) { id class { code } }
        PractitionerList(family: ["van den broek"]) { id }
        Organization(id: "hl7") { name } }"""
    status, body = await graphql(client, query)
    assert status == 200 and "errors" not in body, body
    assert "f001" in {item["id"] for item in body["data"]["EncounterList"]}
    assert body["data"]["PractitionerList"] == [{"id": "f001"}]
    mutation = (
        """mutation { ObservationCreate(res: {status: "final", code: {text: "pulse"}}) { id status } }"""
    )
    status, body = await graphql(client, mutation)
    assert status == 200 and body["data"]["ObservationCreate"]["status"] == "final", body
    bad = """mutation { ObservationCreate(res: {status: "done", code: {text: "pulse"}}) { id } }"""
    status, body = await graphql(client, bad)
    assert outcome_codes(body["errors"][0]) == ["code-invalid"]
