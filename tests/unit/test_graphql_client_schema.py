"""Client code written against HL7's R4 GraphQL schema validates against our introspected schema, as a
generated client (graphql-core's build_client_schema, like Apollo's or graphql-request's tooling) sees it."""

import pytest
from graphql import build_client_schema, get_introspection_query, parse, validate

from schema.build import build_schemas
from schema.hl7_literals import with_text_literals


@pytest.fixture(scope="module")
def system_schema():
    """Built once for the module: a build costs seconds of CPU."""
    return build_schemas(16, 30).system


@pytest.fixture(scope="module")
def client_schema(system_schema):
    introspection = system_schema.execute_sync(get_introspection_query())
    assert introspection.errors is None
    return build_client_schema(introspection.data)


# Variable and argument declarations as HL7's schema makes them: nullable lists of the parameter's type.
HL7_DOCUMENTS = [
    """query($family: [String], $gender: [token], $birthdate: [date]) {
         PatientList(family: $family, gender: $gender, birthdate: $birthdate) { id name { family } } }""",
    """query($id: ID!) { Patient(id: $id) { id ObservationList(_reference: subject) { id } } }""",
    """{ ConditionList(patient: example, identifier: "urn:x|1") { id } }""",
    """query($code: [token], $patient: [reference]) {
         ObservationConnection(code: $code, patient: $patient, _count: 2) {
           count next edges { resource { id } } } }""",
    """{ Patient(id: "example") { ConditionList(_reference: patient) { id }
                               ConditionConnection(_reference: subject, _count: 1) { first next last } } }""",
    """{ Patient(id: "example") { name(use: "official") @flatten { given family @first }
                               extension(url: "http://x") @singleton { valueString } } }""",
    """{ PatientList(_filter: "gender eq female") { telecom @slice(path: "$index") { value } } }""",
    """mutation($res: ConditionInput!) { ConditionCreate(res: $res) { id } }""",
]


@pytest.mark.parametrize("document", HL7_DOCUMENTS)
def test_an_hl7_style_document_validates_against_the_introspected_schema(client_schema, document):
    assert validate(client_schema, parse(document)) == []


def test_bare_hl7_ids_and_type_names_validate_once_read_as_text(client_schema):
    """GraphQL's ID and String take quoted text; the server reads HL7's bare `example` as "example"."""
    document = parse(
        "{ Patient(id: example) { managingOrganization { resource(type: Organization) { __typename } } } }"
    )
    assert validate(client_schema, document) != []
    assert validate(client_schema, with_text_literals(client_schema, document)) == []


def test_every_served_type_has_its_query_and_mutation_fields(client_schema):
    from schema.served import SERVED

    query, mutation = client_schema.query_type, client_schema.mutation_type
    assert query is not None and mutation is not None
    for name, definition in SERVED.items():
        for field in (name, f"{name}List", f"{name}Connection"):
            assert field in query.fields, field
        for field in (f"{name}Create", f"{name}Update", f"{name}Delete"):
            # The audit trail (server-written) is read-only here as on REST.
            assert (field in mutation.fields) != definition.server_written, field
    assert "AuditEvent" in SERVED
    assert {"flatten", "first", "singleton", "slice"} <= {d.name for d in client_schema.directives}


async def test_an_introspection_without_variables_is_answered_from_the_first_run(system_schema):
    system = system_schema
    query = get_introspection_query()
    first = await system.execute(query)
    assert first.errors is None
    assert await system.execute(query) is first
    typed = "query($name: String!) { __type(name: $name) { name } }"
    assert (await system.execute(typed, {"name": "Patient"})).data == {"__type": {"name": "Patient"}}
