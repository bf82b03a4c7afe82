"""Every served type has a GraphQL face, not only the clinical ones: conformance, terminology and knowledge
types (ValueSet, CodeSystem, Questionnaire, Library) are read, listed, paged and changed through GraphQL,
with SMART scopes decided as for every other type."""

import pytest

from gateway.fhir.json import dumps, loads
from tests.conftest import FHIR_JSON, http_client, mint_token
from tests.graphql_support import graphql, outcome_codes

# A valid resource of each type, as a GraphQL mutation's `res` (no resourceType: the mutation names it).
RESOURCES = {
    "ValueSet": {"url": "http://example.org/ValueSet/colours", "name": "Colours", "status": "draft"},
    "CodeSystem": {
        "url": "http://example.org/CodeSystem/colours",
        "name": "Colours",
        "status": "active",
        "content": "complete",
        "concept": [{"code": "red", "display": "Red"}],
    },
    "Questionnaire": {"url": "http://example.org/Questionnaire/intake", "name": "Intake", "status": "draft"},
    "Library": {
        "url": "http://example.org/Library/logic",
        "name": "Logic",
        "status": "active",
        "type": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}
            ]
        },
    },
}


async def _create(client, type_name, res):
    return await graphql(
        client,
        f"mutation ($res: {type_name}Input!) {{ {type_name}Create(res: $res) {{ id url name status }} }}",
        {"res": res},
    )


@pytest.mark.parametrize("type_name", list(RESOURCES))
async def test_a_type_outside_the_clinical_set_is_created_read_listed_and_deleted(client, type_name):
    res = RESOURCES[type_name]
    status, created = await _create(client, type_name, res)
    assert status == 200 and "errors" not in created, created
    resource_id = created["data"][f"{type_name}Create"]["id"]
    stored = loads((await client.get(f"/{type_name}/{resource_id}")).content)
    assert stored["url"] == res["url"] and stored["resourceType"] == type_name

    _, read = await graphql(client, f'{{ {type_name}(id: "{resource_id}") {{ resourceType id name }} }}')
    assert read["data"][type_name] == {"resourceType": type_name, "id": resource_id, "name": res["name"]}
    _, listed = await graphql(
        client,
        f'{{ {type_name}List(url: "{res["url"]}") {{ id }} '
        f"{type_name}Connection(name: {res['name']}, _count: 1) {{ count edges {{ resource {{ id }} }} }} }}",
    )
    assert listed["data"][f"{type_name}List"] == [{"id": resource_id}]
    assert listed["data"][f"{type_name}Connection"]["count"] == 1

    _, updated = await graphql(
        client,
        f"mutation ($res: {type_name}Input!) "
        f'{{ {type_name}Update(id: "{resource_id}", res: $res, ifMatch: "1") '
        "{ meta { versionId } name } }",
        {"res": {**res, "name": "Renamed"}},
    )
    assert updated["data"][f"{type_name}Update"] == {"meta": {"versionId": "2"}, "name": "Renamed"}
    _, deleted = await graphql(client, f'mutation {{ {type_name}Delete(id: "{resource_id}") }}')
    assert deleted["data"][f"{type_name}Delete"] is True
    assert (await client.get(f"/{type_name}/{resource_id}")).status_code == 410


async def test_a_value_set_stored_over_rest_is_readable_through_graphql_with_its_elements(client):
    response = await client.post(
        "/ValueSet",
        content=dumps(
            {
                "resourceType": "ValueSet",
                "status": "active",
                "compose": {"include": [{"system": "http://loinc.org", "concept": [{"code": "8867-4"}]}]},
            }
        ).encode(),
        headers=FHIR_JSON,
    )
    value_set_id = loads(response.content)["id"]
    _, body = await graphql(
        client,
        f'{{ ValueSet(id: "{value_set_id}") {{ compose {{ include(system: "http://loinc.org") '
        "{ concept { code } } } } }",
    )
    assert body["data"]["ValueSet"]["compose"]["include"] == [{"concept": [{"code": "8867-4"}]}]


async def test_a_read_scope_on_one_type_reads_it_and_writes_nothing(app, client):
    _, created = await _create(client, "ValueSet", RESOURCES["ValueSet"])
    value_set_id = created["data"]["ValueSetCreate"]["id"]
    async with http_client(app, scope="system/ValueSet.rs") as reader:
        _, read = await graphql(
            reader, f'{{ ValueSet(id: "{value_set_id}") {{ id }} ValueSetList {{ id }} }}'
        )
        assert "errors" not in read and read["data"]["ValueSet"] == {"id": value_set_id}
        assert read["data"]["ValueSetList"] == [{"id": value_set_id}]
        _, refused = await _create(reader, "ValueSet", {**RESOURCES["ValueSet"], "name": "Other"})
        _, deletion = await graphql(reader, f'mutation {{ ValueSetDelete(id: "{value_set_id}") }}')
    assert refused["data"]["ValueSetCreate"] is None
    assert [outcome_codes(error) for error in refused["errors"]] == [["forbidden"]]
    assert [outcome_codes(error) for error in deletion["errors"]] == [["forbidden"]]
    everything = loads((await client.get("/ValueSet")).content)
    assert [entry["resource"]["name"] for entry in everything.get("entry", [])] == ["Colours"]


async def test_a_token_for_other_types_or_a_patient_cannot_reach_a_terminology_type(app, client):
    _, created = await _create(client, "CodeSystem", RESOURCES["CodeSystem"])
    code_system_id = created["data"]["CodeSystemCreate"]["id"]
    query = f'{{ CodeSystem(id: "{code_system_id}") {{ id }} CodeSystemList {{ id }} }}'
    async with http_client(app, scope="system/Patient.rs") as other_types:
        _, refused = await graphql(other_types, query)
    assert refused["data"] == {"CodeSystem": None, "CodeSystemList": None}
    assert {code for error in refused["errors"] for code in outcome_codes(error)} == {"forbidden"}
    patient_token = mint_token(app, "patient/*.rs", patient="example")
    async with http_client(app, token=patient_token) as patient:
        _, outside = await graphql(patient, query)
    assert outside["data"] == {"CodeSystem": None, "CodeSystemList": None}
    assert {code for error in outside["errors"] for code in outcome_codes(error)} == {"forbidden"}
    async with http_client(app, scope="system/*.rs") as wildcard:
        _, allowed = await graphql(wildcard, query)
    assert allowed["data"]["CodeSystem"] == {"id": code_system_id}


async def test_the_audit_trail_is_read_through_graphql_with_a_scope_that_names_it_and_never_written(app):
    async with http_client(app) as writer:
        created = await writer.post("/Patient", content=dumps({"resourceType": "Patient"}), headers=FHIR_JSON)
        assert created.status_code == 201
        await app.state.audit.flush()
        _, mutations = await graphql(writer, '{ __type(name: "Mutation") { fields { name } } }')
        names = {field["name"] for field in mutations["data"]["__type"]["fields"]}
        assert "PatientCreate" in names and not {name for name in names if name.startswith("AuditEvent")}

        # A wildcard scope does not reach the audit trail (as on REST): it must be named.
        _, refused = await graphql(writer, "{ AuditEventList(_count: 5) { id } }")
        assert refused.get("data", {}) in (None, {"AuditEventList": None}) and refused["errors"], refused

    async with http_client(app, scope="system/AuditEvent.rs") as auditor:
        _, listed = await graphql(
            auditor, "{ AuditEventList(_count: 50) { id action entity { what { reference } } } }"
        )
        assert "errors" not in listed, listed
        events = listed["data"]["AuditEventList"]
        assert events and all(event["id"] for event in events)
        _, read = await graphql(auditor, f'{{ AuditEvent(id: "{events[0]["id"]}") {{ id }} }}')
        assert read["data"]["AuditEvent"] == {"id": events[0]["id"]}
