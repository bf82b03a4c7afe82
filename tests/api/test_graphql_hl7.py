"""The HL7 R4 GraphQL page's features on our own data: bare literals, list navigation, directives,
every served type, nested cursors and _filter (queries and answers written from the page)."""

import pytest

from tests.graphql_hl7_data import EYE_COLOUR, load
from tests.graphql_support import graphql, outcome_codes


@pytest.fixture
async def loaded(client) -> None:
    await load(client)


async def ok(client, query, variables=None, path="/$graphql"):
    status, body = await graphql(client, query, variables, path)
    assert status == 200 and "errors" not in body, body
    return body["data"]


async def test_hl7_bare_literals_run_for_ids_tokens_booleans_and_type_names(client, loaded):
    data = await ok(
        client,
        """{ Patient(id: pat1) { id managingOrganization {
               resource(type: Organization) { ... on Organization { name } } } }
             PatientList(gender: female, active: true) { id } }""",
    )
    organization = data["Patient"]["managingOrganization"]["resource"]
    assert data["Patient"]["id"] == "pat1" and organization == {"name": "Analytical Clinic"}
    assert data["PatientList"] == [{"id": "pat1"}]


async def test_hl7_style_variables_declared_as_nullable_lists_run(client, loaded):
    query = """query Find($family: [String], $gender: [token], $active: [token]) {
        PatientList(family: $family, gender: $gender, active: $active) { id } }"""
    data = await ok(client, query, {"family": ["Chalmers", None], "gender": "female", "active": [True]})
    assert data["PatientList"] == [{"id": "pat1"}]


async def test_list_navigation_selects_items_by_child_value_fhirpath_and_paging(client, loaded):
    data = await ok(
        client,
        f"""{{ Patient(id: pat1) {{
            official: name(use: official) {{ family given }}
            named: name(fhirpath: "family.exists()") {{ family }}
            eyes: extension(url: "{EYE_COLOUR}") {{ valueString }}
            second: telecom(_offset: 1, _count: 1) {{ value }}
            phone: telecom(system: phone, use: home) {{ value }} }} }}""",
    )
    patient = data["Patient"]
    assert patient["official"] == [{"family": "Chalmers", "given": ["Ada", "May"]}]
    assert patient["named"] == [{"family": "Chalmers"}, {"family": "Lovelace"}]
    assert patient["eyes"] == [{"valueString": "green"}]
    assert patient["second"] == [{"value": "ada@example.org"}]
    assert patient["phone"] == [{"value": "555-0100"}]


async def test_list_navigation_works_below_a_resolved_reference_too(client, loaded):
    data = await ok(
        client,
        """{ Condition(id: cond1) { subject { resource { ... on Patient {
              name(use: usual) { given } } } } } }""",
    )
    assert data["Condition"]["subject"]["resource"]["name"] == [{"given": ["Addie"]}]


async def test_an_unreadable_fhirpath_is_an_invalid_error(client, loaded):
    status, body = await graphql(client, '{ Patient(id: pat1) { name(fhirpath: "family ==") { family } } }')
    assert status == 200 and body["data"]["Patient"] is None
    assert outcome_codes(body["errors"][0]) == ["invalid"]


async def test_flatten_first_and_singleton_reshape_the_answer(client, loaded):
    data = await ok(
        client,
        """{ Patient(id: pat1) {
              id
              name @flatten { family given }
              telecom @first { value }
              identifier @singleton { value } } }""",
    )
    assert data["Patient"] == {
        "id": "pat1",
        "family": ["Chalmers", "Lovelace"],
        "given": ["Ada", "May", "Addie", "Ada"],
        "telecom": {"value": "555-0100"},
        "identifier": {"value": "MRN-1"},
    }


async def test_flatten_keeps_first_children_single_and_slice_names_items(client, loaded):
    data = await ok(
        client,
        """{ Patient(id: pat1) {
              name(use: official) @flatten { family @first given }
              telecom @slice(path: "system") { system value }
              numbered: name @slice(path: "$index") { use } } }""",
    )
    patient = data["Patient"]
    assert patient["family"] == "Chalmers" and patient["given"] == ["Ada", "May"]
    assert patient["telecom.phone"] == {"system": "phone", "value": "555-0100"}
    assert patient["telecom.email"] == {"system": "email", "value": "ada@example.org"}
    assert [patient[f"numbered.{index}"]["use"] for index in range(3)] == ["official", "usual", "maiden"]


async def test_singleton_on_a_list_of_many_is_an_error(client, loaded):
    status, body = await graphql(client, "{ Patient(id: pat1) { name @singleton { family } } }")
    assert status == 200
    assert "@singleton" in body["errors"][0]["message"]
    assert outcome_codes(body["errors"][0]) == ["invalid"]


async def test_condition_has_read_list_connection_reverse_lists_and_mutations(client, loaded):
    data = await ok(
        client,
        """{ Condition(id: cond1) { clinicalStatus { coding { code } } }
             ConditionList(patient: pat1, _sort: "_id") { id }
             ConditionConnection(subject: "Patient/pat2") { count edges { resource { id } } }
             Patient(id: pat1) { ConditionList(_reference: patient, _count: 5) { id } } }""",
    )
    assert data["Condition"]["clinicalStatus"]["coding"] == [{"code": "relapse"}]
    assert data["ConditionList"] == [{"id": "cond1"}, {"id": "cond2"}, {"id": "cond3"}]
    assert data["ConditionConnection"] == {"count": 1, "edges": [{"resource": {"id": "cond4"}}]}
    assert {item["id"] for item in data["Patient"]["ConditionList"]} == {"cond1", "cond2", "cond3"}
    created = await ok(
        client,
        """mutation { ConditionCreate(res: { code: { text: "new" }, subject: { reference: "Patient/pat2" } })
             { id code { text } } }""",
    )
    assert created["ConditionCreate"]["code"] == {"text": "new"}


async def test_nested_connections_give_cursors_that_page_in_place_and_at_the_top(client, loaded):
    query = """query Page($cursor: String) { Patient(id: pat1) {
        ConditionConnection(_reference: patient, _count: 2, _sort: "_id", _cursor: $cursor) {
          count offset first previous next last edges { resource { id } } } } }"""
    first_page = (await ok(client, query))["Patient"]["ConditionConnection"]
    assert first_page["count"] == 3 and first_page["previous"] is None
    assert first_page["first"] and first_page["next"] and first_page["last"]
    assert [edge["resource"]["id"] for edge in first_page["edges"]] == ["cond1", "cond2"]
    second = (await ok(client, query, {"cursor": first_page["next"]}))["Patient"]["ConditionConnection"]
    assert second["offset"] == 2 and second["next"] is None and second["previous"] is not None
    assert [edge["resource"]["id"] for edge in second["edges"]] == ["cond3"]
    top = await ok(
        client,
        "query($c: String) { ConditionConnection(_cursor: $c) { edges { resource { id } } } }",
        {"c": first_page["next"]},
    )
    assert top["ConditionConnection"]["edges"] == [{"resource": {"id": "cond3"}}]


async def test_a_nested_cursor_of_another_parent_is_refused(client, loaded):
    query = """query($cursor: String) { Patient(id: %s) {
        ConditionConnection(_reference: patient, _count: 1, _cursor: $cursor) { next } } }"""
    cursor = (await ok(client, query % "pat1"))["Patient"]["ConditionConnection"]["next"]
    status, body = await graphql(client, query % "pat2", {"cursor": cursor})
    assert status == 200 and outcome_codes(body["errors"][0]) == ["invalid"]


async def test_filter_runs_comparisons_joined_by_and_and_or(client, loaded):
    data = await ok(
        client,
        """{ a: PatientList(_filter: "gender eq female and family sw cha") { id }
             b: PatientList(_filter: "(gender eq male or gender eq female) and active eq true") { id }
             c: PatientList(_filter: "gender ne female") { id }
             d: PatientList(_filter: "family co abbag") { id } }""",
    )
    assert data == {
        "a": [{"id": "pat1"}],
        "b": [{"id": "pat1"}],
        "c": [{"id": "pat2"}],
        "d": [{"id": "pat2"}],
    }


async def test_filter_outside_the_supported_grammar_says_what_is_supported(client, loaded):
    status, body = await graphql(client, '{ PatientList(_filter: "gender eq male or family eq x") { id } }')
    assert status == 200
    assert "_filter supports" in body["errors"][0]["message"]
    assert outcome_codes(body["errors"][0]) == ["invalid"]


async def test_absent_elements_come_back_null(client, loaded):
    data = await ok(client, "{ Patient(id: pat2) { birthDate deceasedBoolean telecom { value } } }")
    assert data["Patient"] == {"birthDate": None, "deceasedBoolean": None, "telecom": None}


async def test_instance_level_graphql_serves_the_other_types_too(client, loaded):
    data = await ok(client, "{ id subject { reference } }", path="/Condition/cond2/$graphql")
    assert data == {"id": "cond2", "subject": {"reference": "Patient/pat1"}}
