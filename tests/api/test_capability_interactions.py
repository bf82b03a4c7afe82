"""/metadata lists every served type honestly, and every interaction it declares works as declared."""

import json
from typing import Any

import pytest

from gateway.fhir.json import dumps, loads
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from tests.conftest import DATA, FHIR_JSON

ALL_INTERACTIONS = {
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
}


async def _statement(client) -> dict[str, Any]:
    return (await client.get("/metadata")).json()  # type: ignore[no-any-return]


async def test_metadata_lists_exactly_the_served_types_with_their_interactions(client):
    statement = await _statement(client)
    resources = {item["type"]: item for item in statement["rest"][0]["resource"]}
    assert set(resources) == set(RESOURCE_DEFINITIONS)
    for name, item in resources.items():
        codes = {interaction["code"] for interaction in item["interaction"]}
        if RESOURCE_DEFINITIONS[name].server_written:
            assert codes == ALL_INTERACTIONS - {"create", "update", "patch", "delete"}, name
            continue
        assert codes == ALL_INTERACTIONS, name
        assert item["conditionalUpdate"] is True and item["conditionalDelete"] == "single", name
        assert "validate" in {operation["name"] for operation in item["operation"]}, name
    assert "everything" in {operation["name"] for operation in resources["Patient"]["operation"]}
    assert {"application/fhir+json", "application/fhir+xml"} <= set(statement["format"])
    assert "application/json-patch+json" in statement["patchFormat"]


async def _exercise(client, kind: str, resource: dict[str, Any], declared: set[str]) -> set[str]:
    """Run each declared interaction once on `kind`; the set of those that answered as FHIR says."""
    worked = set()
    resource_id = resource["id"]
    without_id = {key: value for key, value in resource.items() if key != "id"}  # FHIR JSON has no nulls
    created = await client.post(f"/{kind}", content=dumps(without_id), headers=FHIR_JSON)
    if created.status_code == 201:
        worked.add("create")
    if (
        await client.put(f"/{kind}/{resource_id}", content=dumps(resource), headers=FHIR_JSON)
    ).status_code == 201:
        worked.add("update")
    if (await client.get(f"/{kind}/{resource_id}")).status_code == 200:
        worked.add("read")
    operations = [{"op": "add", "path": "/language", "value": "en"}]
    patched = await client.patch(
        f"/{kind}/{resource_id}",
        content=json.dumps(operations),
        headers={"Content-Type": "application/json-patch+json"},
    )
    if patched.status_code == 200 and patched.json()["meta"]["versionId"] == "2":
        worked.add("patch")
    if (await client.get(f"/{kind}/{resource_id}/_history/1")).status_code == 200:
        worked.add("vread")
    if (await client.get(f"/{kind}/{resource_id}/_history")).json().get("total") == 2:
        worked.add("history-instance")
    if (await client.get(f"/{kind}/_history")).json().get("total") == 3:
        worked.add("history-type")
    if (await client.get(f"/{kind}?_id={resource_id}")).json().get("total") == 1:
        worked.add("search-type")
    if (await client.delete(f"/{kind}/{resource_id}")).status_code == 204:
        worked.add("delete")
    return worked & declared


@pytest.mark.parametrize(
    "path",
    [
        "patient/patient-example.json",
        "r4-types/ValueSet-gateway-genders.json",
        "r4-types/Bundle-gateway-collection.json",
    ],
)
async def test_every_interaction_metadata_declares_for_a_type_works(client, path):
    resource = loads((DATA / path).read_bytes())
    kind = resource["resourceType"]
    statement = await _statement(client)
    item = next(entry for entry in statement["rest"][0]["resource"] if entry["type"] == kind)
    declared = {interaction["code"] for interaction in item["interaction"]}
    resource.pop("meta", None)
    assert await _exercise(client, kind, resource, declared) == declared
