"""Search by the common meta parameters: _tag, _profile, _security, _lastUpdated."""

from tests.api.search_fixtures import match_ids
from tests.conftest import FHIR_JSON


async def ids(client, query: str) -> set[str]:
    return set(await match_ids(client, f"{query}&_count=100"))


async def test_meta_parameters_tag_profile_security_and_last_updated(client):
    tagged = {
        "resourceType": "Patient",
        "meta": {
            "tag": [{"system": "http://example.org/tags", "code": "vip"}],
            "profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"],
            "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}],
        },
    }
    created = (await client.post("/Patient", json=tagged, headers=FHIR_JSON)).json()
    plain = (await client.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)).json()
    assert await ids(client, "_tag=http://example.org/tags|vip") == {created["id"]}
    assert await ids(client, "_tag=vip") == {created["id"]}
    profile = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
    assert await ids(client, f"_profile={profile}") == {created["id"]}
    assert await ids(client, "_profile:below=http://hl7.org/fhir/us/core") == {created["id"]}
    assert await ids(client, "_security=R") == {created["id"]}
    last = plain["meta"]["lastUpdated"]
    assert plain["id"] in await ids(client, f"_lastUpdated=ge{last}")
    assert await ids(client, f"_lastUpdated=gt{last}") == set()
    assert await ids(client, "_lastUpdated=lt2000") == set()
    assert await ids(client, "_tag:missing=true") == {plain["id"]}
