"""The N+1 test: database round trips of a nested GraphQL query do not grow with the number of patients."""

import uuid

from pymongo import monitoring

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.interactions import FhirService
from gateway.service.versions import next_version
from gateway.store.database import connect
from gateway.store.resource_store import ResourceStore
from schema.build import build_schemas
from schema.context import GraphQLContext
from tests.system_access import system_service

QUERY = """query ($count: Int) { PatientList(_count: $count, _sort: "_id") { id
    ObservationList(_reference: "subject") { id
        performer { resource { ... on Practitioner { id name { family } } } } } } }"""
_READS = frozenset({"find", "count", "aggregate", "getMore", "distinct"})


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in _READS:
            self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def _seed(store: ResourceStore, patients: int) -> None:
    def versions(resource_type: str, resources: list[dict]) -> list:
        definition = RESOURCE_DEFINITIONS[resource_type]
        return [next_version(definition, item["id"], item, None, "POST") for item in resources]

    practitioners = [
        {"resourceType": "Practitioner", "id": f"pr{n}", "name": [{"family": f"Doc{n}"}]} for n in range(5)
    ]
    people = [{"resourceType": "Patient", "id": f"p{n:03}"} for n in range(patients)]
    observations = [
        {
            "resourceType": "Observation",
            "id": f"o{n:03}-{k}",
            "status": "final",
            "code": {"text": "pulse"},
            "subject": {"reference": f"Patient/p{n:03}"},
            "performer": [{"reference": f"Practitioner/pr{(n + k) % 5}"}],
        }
        for n in range(patients)
        for k in range(2)
    ]
    await store.insert_new(versions("Practitioner", practitioners))
    await store.insert_new(versions("Patient", people))
    await store.insert_new(versions("Observation", observations))


async def _round_trips(mongodb_uri: str, patients: int) -> tuple[list[str], dict]:
    counter = CommandCounter()
    database = await connect(
        mongodb_uri,
        f"test_{uuid.uuid4().hex[:12]}",
        ["Patient", "Observation", "Practitioner"],
        event_listeners=[counter],
    )
    store = ResourceStore(database)
    try:
        await _seed(store, patients)
        schema = build_schemas(16, 30).system
        context = GraphQLContext(
            system_service(FhirService(store)), "http://testserver", "2026-01-01T00:00:00Z", 100_000
        )
        counter.commands.clear()
        result = await schema.execute(QUERY, variable_values={"count": patients}, context_value=context)
        assert result.errors is None, result.errors
        return list(counter.commands), result.data or {}
    finally:
        await store.drop_database()
        database.close()


async def test_fifty_patients_with_observations_and_performers_take_as_many_round_trips_as_five(mongodb_uri):
    few, _ = await _round_trips(mongodb_uri, 5)
    many, data = await _round_trips(mongodb_uri, 50)
    assert len(many) == len(few)
    assert len(many) <= 3  # patients, their observations, the performers
    # A list shows no total, so it counts nothing (a count reads every match, up to the cap).
    assert "aggregate" not in many and "count" not in many, many
    patients = data["PatientList"]
    assert len(patients) == 50
    first = patients[0]["ObservationList"]
    assert [item["id"] for item in first] == ["o000-0", "o000-1"]
    assert first[1]["performer"][0]["resource"] == {"id": "pr1", "name": [{"family": "Doc1"}]}
