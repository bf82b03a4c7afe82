"""Every R4 type the R4B models cover is served: CRUD, versions, history, validation and the url/version/
name/status parameters where R4 defines them; the R4 types without a model are refused with a reason."""

import pytest

from gateway.fhir.json import dumps, loads
from gateway.fhir.r4_types import R4_RESOURCE_TYPES, SERVABLE_TYPES, WITHOUT_MODEL
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from tests.clinical_fixtures import search_ids
from tests.conftest import DATA, FHIR_JSON, fresh_settings, http_client, running_app

EXAMPLES = sorted((DATA / "r4-types").glob("*.json"))


def test_every_r4_type_with_an_r4b_model_has_a_definition_and_no_other_does():
    assert set(RESOURCE_DEFINITIONS) == set(SERVABLE_TYPES)
    assert len(SERVABLE_TYPES) == len(R4_RESOURCE_TYPES) - len(WITHOUT_MODEL) - 1  # 1: Parameters
    assert {"ValueSet", "CodeSystem", "SearchParameter", "StructureDefinition", "Bundle", "Binary"} <= set(
        SERVABLE_TYPES
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
async def test_a_resource_of_each_newly_served_type_is_stored_versioned_and_found(client, path):
    resource = loads(path.read_bytes())
    kind, resource_id = resource["resourceType"], resource["id"]
    created = await client.put(f"/{kind}/{resource_id}", content=dumps(resource), headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    read = (await client.get(f"/{kind}/{resource_id}")).json()
    assert {key: value for key, value in read.items() if key != "meta"} == {
        key: value for key, value in resource.items() if key != "meta"
    }
    updated = await client.put(f"/{kind}/{resource_id}", content=dumps(read), headers=FHIR_JSON)
    assert updated.json()["meta"]["versionId"] == "2"
    assert (await client.get(f"/{kind}/{resource_id}/_history")).json()["total"] == 2
    assert await search_ids(client, f"/{kind}?_id={resource_id}") == {resource_id}
    definition = RESOURCE_DEFINITIONS[kind]
    for code in ("url", "version", "status"):
        if definition.search_parameter(code) and code in resource:
            assert await search_ids(client, f"/{kind}?{code}={resource[code]}") == {resource_id}, code
    if definition.search_parameter("name") and "name" in resource:
        assert await search_ids(client, f"/{kind}?name={resource['name'][:4]}") == {resource_id}
    assert (await client.delete(f"/{kind}/{resource_id}")).status_code == 204
    assert (await client.get(f"/{kind}/{resource_id}")).status_code == 410


async def test_a_conformance_resource_is_validated_by_its_model(client):
    response = await client.post(
        "/ValueSet", content=dumps({"resourceType": "ValueSet", "status": 3}), headers=FHIR_JSON
    )
    assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"


async def test_a_conformance_resource_is_searched_by_tag_and_profile(client):
    resource = loads((DATA / "r4-types" / "ValueSet-gateway-genders.json").read_bytes())
    resource["meta"] = {
        "tag": [{"system": "urn:gateway", "code": "curated"}],
        "profile": ["http://example.org/fhir-gateway/StructureDefinition/shareable-vs"],
    }
    await client.put("/ValueSet/gateway-genders", content=dumps(resource), headers=FHIR_JSON)
    assert await search_ids(client, "/ValueSet?_tag=urn:gateway|curated") == {"gateway-genders"}
    profile = "http://example.org/fhir-gateway/StructureDefinition/shareable-vs"
    assert await search_ids(client, f"/ValueSet?_profile={profile}") == {"gateway-genders"}


@pytest.mark.parametrize("name", ["MedicinalProduct", "EffectEvidenceSynthesis", "SubstanceSpecification"])
async def test_r4_types_without_an_r4b_model_are_refused_with_the_reason(client, name):
    response = await client.post(f"/{name}", content=dumps({"resourceType": name}), headers=FHIR_JSON)
    assert response.status_code == 404
    diagnostics = response.json()["issue"][0]["diagnostics"]
    assert "R4 resource type" in diagnostics and "R4B models" in diagnostics


async def test_r4b_only_types_and_parameters_are_refused_with_the_reason(client):
    citation = (await client.get("/Citation")).json()["issue"][0]["diagnostics"]
    assert "R4B resource type, not an R4 one" in citation
    parameters = (await client.get("/Parameters")).json()["issue"][0]["diagnostics"]
    assert "no RESTful endpoint" in parameters


def _big_code_system() -> bytes:
    concepts = [{"code": f"c{number}", "display": "x" * 200} for number in range(6_000)]
    body = dumps(
        {
            "resourceType": "CodeSystem",
            "id": "big",
            "status": "draft",
            "content": "complete",
            "concept": concepts,
        }
    )
    assert len(body) > 1_048_576
    return body.encode()


async def test_the_body_limit_is_one_megabyte_by_default_and_configurable(client, mongodb_uri):
    body = _big_code_system()
    assert (await client.put("/CodeSystem/big", content=body, headers=FHIR_JSON)).status_code == 413
    settings = fresh_settings(mongodb_uri, max_body_bytes=5_242_880)
    async with running_app(settings) as roomy_app, http_client(roomy_app) as roomy:
        stored = await roomy.put("/CodeSystem/big", content=body, headers=FHIR_JSON)
        assert stored.status_code == 201, stored.text[:200]
        assert len((await roomy.get("/CodeSystem/big")).json()["concept"]) == 6_000
