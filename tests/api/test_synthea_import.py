"""Synthea bundles load through the import path; every reference in them resolves (REST and GraphQL)."""

from pathlib import Path

import pytest
import pytest_asyncio

from gateway.bulk_import import import_bundles
from tests.conftest import fresh_settings, http_client, running_app
from tests.graphql_support import graphql

# Copies of four shared Synthea files (origins in tests/data/README.md), so this runs in a plain clone.
SYNTHEA = Path(__file__).parents[1] / "data" / "synthea"
SUPPORT = SYNTHEA / "support"
# The smallest patient of the run the support bundles belong to (source B), and a source-A patient whose
# early R4 exporter wrote STU3 elements (Observation.context, Immunization.date...), which R4 refuses.
PATIENT = SYNTHEA / "Cornell131_Frami345_67f75bc6-55d9-42fe-e85c-d1241bb212c4.json"
PRE_R4 = SYNTHEA / "Rikki26_Torp761_10518e33-b478-446e-a5d6-1508c850df3b.json"

# Read-only after the import, which is done once for the module (it is the costly part), in a database of
# its own.
pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.synthea,
    pytest.mark.skipif(
        not SYNTHEA.is_dir(), reason=f"the Synthea bundles are missing from {SYNTHEA} (tests/data/README.md)"
    ),
]


def _references(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                found.add(item)
            else:
                _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)
    return found


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(mongodb_uri):
    async with running_app(fresh_settings(mongodb_uri)) as application:
        yield application


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(app):
    async with http_client(app) as http:
        yield http


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def imported(app):
    # Patient first on the command line: batches still load before transactions.
    return await import_bundles(app.state.service, [PATIENT, PRE_R4, SUPPORT], show_progress=False)


async def test_support_batches_and_a_patient_transaction_import_and_a_pre_r4_bundle_is_skipped_whole(
    client, imported
):
    assert imported.created["Practitioner"] == 142 and imported.created["Location"] == 142
    assert imported.created["Patient"] == 1 and imported.created["Encounter"] == 35
    assert imported.created["ExplanationOfBenefit"] == 35
    # Refused whole, before the store saw it, and told apart from entries refused one by one.
    assert [bundle.path for bundle in imported.refused_bundles] == [PRE_R4]
    assert "Unknown element" in imported.refused_bundles[0].reason
    assert imported.refused_bundles[0].entries == 55 == imported.not_stored.total()
    assert not imported.refused and not imported.bad_files and not imported.ok
    # The refused bundle left nothing behind.
    rikki = (await client.get("/Patient?family=torp")).json()
    assert rikki["total"] == 0
    assert (await client.get("/Patient")).json()["total"] == 1


async def test_every_reference_in_the_imported_patient_resolves_through_rest_and_graphql(client, imported):
    types = [
        "Patient",
        "Encounter",
        "Observation",
        "Condition",
        "Claim",
        "ExplanationOfBenefit",
        "Immunization",
        "DiagnosticReport",
        "DocumentReference",
        "Procedure",
        "MedicationRequest",
        "Provenance",
    ]
    references: set[str] = set()
    for resource_type in types:
        bundle = (await client.get(f"/{resource_type}?_count=1000")).json()
        for entry in bundle.get("entry", []):
            _references(entry["resource"], references)
    assert len(references) > 50
    for reference in sorted(item for item in references if not item.startswith("#")):  # '#x': contained
        assert not reference.startswith(("urn:", "Practitioner?", "Organization?")), reference
        response = await client.get(f"/{reference}")
        assert response.status_code == 200, reference
    query = """{ PatientList { id
        EncounterList(_reference: "subject", _count: 100) { id
            serviceProvider { resource { ... on Organization { name } } }
            participant { individual { resource { ... on Practitioner { id } } } }
            subject { resource { ... on Patient { id } } } }
        ObservationList(_reference: "subject", _count: 100) { id
            encounter { resource { ... on Encounter { id } } } } } }"""
    status, body = await graphql(client, query)
    assert status == 200 and "errors" not in body, body.get("errors")
    patient = body["data"]["PatientList"][0]
    assert len(patient["EncounterList"]) == 35
    for encounter in patient["EncounterList"]:
        assert encounter["serviceProvider"]["resource"]["name"]
        assert all(item["individual"]["resource"]["id"] for item in encounter["participant"])
        assert encounter["subject"]["resource"] == {"id": patient["id"]}
    assert all(item["encounter"]["resource"]["id"] for item in patient["ObservationList"])
