"""Every failure is an OperationOutcome with the right status, and leaves what is stored untouched."""

import httpx
import pytest

from tests.conftest import FHIR_JSON, example, mint_token


def _issue(response: httpx.Response) -> dict:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert response.headers["content-type"].startswith("application/fhir+json")
    return body["issue"][0]


async def test_malformed_json_is_400(client):
    response = await client.post("/Patient", content=b'{"resourceType": "Patient",', headers=FHIR_JSON)
    assert response.status_code == 400
    assert "not valid JSON" in _issue(response)["diagnostics"]


async def test_json_with_a_duplicate_property_is_400(client):
    body = b'{"resourceType": "Patient", "gender": "male", "gender": "female"}'
    response = await client.post("/Patient", content=body, headers=FHIR_JSON)
    assert response.status_code == 400
    assert "duplicate property 'gender'" in _issue(response)["diagnostics"]


async def test_a_body_that_is_not_a_resource_object_is_400(client):
    response = await client.post("/Patient", content=b"[1, 2]", headers=FHIR_JSON)
    assert response.status_code == 400


async def test_a_wrong_resource_type_is_400_naming_resource_type(client):
    response = await client.post("/Patient", json={"resourceType": "Observation"}, headers=FHIR_JSON)
    assert response.status_code == 400
    issue = _issue(response)
    assert issue["expression"] == ["resourceType"]
    assert "Observation" in issue["diagnostics"]


async def test_a_code_outside_a_required_binding_is_400_naming_the_element(client):
    patient = example("patient/patient-example.json")
    patient["gender"] = "mal"
    patient["contact"][0]["gender"] = "f"
    patient["name"][0]["use"] = "formal"
    response = await client.post("/Patient", json=patient, headers=FHIR_JSON)
    assert response.status_code == 400
    issues = response.json()["issue"]
    expressions = {issue["expression"][0] for issue in issues}
    assert expressions == {"Patient.gender", "Patient.contact[0].gender", "Patient.name[0].use"}
    assert all(issue["code"] == "code-invalid" for issue in issues)


@pytest.mark.parametrize(
    ("element", "value", "path"),
    [
        ("telecom", [{"system": "pigeon", "value": "x"}], "Patient.telecom[0].system"),
        ("telecom", [{"system": "phone", "use": "office", "value": "x"}], "Patient.telecom[0].use"),
        ("address", [{"use": "holiday"}], "Patient.address[0].use"),
        ("address", [{"type": "virtual"}], "Patient.address[0].type"),
        ("identifier", [{"use": "primary", "value": "1"}], "Patient.identifier[0].use"),
        ("link", [{"other": {"reference": "Patient/1"}, "type": "sibling"}], "Patient.link[0].type"),
    ],
)
async def test_every_required_binding_of_patient_is_enforced(client, element, value, path):
    response = await client.post(
        "/Patient", json={"resourceType": "Patient", element: value}, headers=FHIR_JSON
    )
    assert response.status_code == 400
    assert _issue(response)["expression"] == [path]


async def test_structural_errors_name_the_element(client):
    patient = {
        "resourceType": "Patient",
        "birthDate": "1974-13-45",
        "name": [{"given": "Peter"}],
        "colour": 1,
    }
    response = await client.post("/Patient", json=patient, headers=FHIR_JSON)
    assert response.status_code == 400
    expressions = {issue["expression"][0] for issue in response.json()["issue"]}
    assert {"Patient.birthDate", "Patient.name[0].given", "Patient.colour"} <= expressions


async def test_an_unsupported_content_type_is_415(client):
    response = await client.post(
        "/Patient", content=b"resourceType: Patient", headers={"Content-Type": "application/x-yaml"}
    )
    assert response.status_code == 415
    assert _issue(response)["code"] == "not-supported"
    assert (await client.post("/Patient", content=b"{}")).status_code == 415


async def test_plain_application_json_is_accepted(client):
    response = await client.post(
        "/Patient",
        json={"resourceType": "Patient"},
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


async def test_a_body_over_the_limit_is_413(client, app):
    limit = app.state.settings.max_body_bytes
    patient = {
        "resourceType": "Patient",
        "text": {"status": "generated", "div": "<div>" + "x" * limit + "</div>"},
    }
    response = await client.post("/Patient", json=patient, headers=FHIR_JSON)
    assert response.status_code == 413
    assert _issue(response)["code"] == "too-costly"


async def test_an_unknown_route_is_404_and_an_unknown_type_too(client):
    assert _issue(await client.get("/Patient/1/something/else/here"))["code"] == "not-found"
    response = await client.get("/Spaceship/1")
    assert response.status_code == 404
    assert "Spaceship" in _issue(response)["diagnostics"]


async def test_an_unsupported_method_is_405(client):
    response = await client.post("/Patient/1", json={}, headers=FHIR_JSON)
    assert response.status_code == 405
    assert _issue(response)["code"] == "not-supported"


async def test_an_unexpected_failure_is_500_without_internals(app):
    async def explode() -> None:
        raise RuntimeError("secret connection string mongodb://user:pw@host")

    app.add_api_route("/test/only/boom/route", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {mint_token(app)}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as http:
        response = await http.get("/test/only/boom/route")
    assert response.status_code == 500
    issue = _issue(response)
    assert issue["code"] == "exception"
    assert "secret" not in response.text and "Traceback" not in response.text


async def test_a_failed_update_changes_nothing_stored(client):
    created = (
        await client.post("/Patient", json=example("patient/patient-example.json"), headers=FHIR_JSON)
    ).json()
    url = f"/Patient/{created['id']}"
    bad = dict(created, gender="mal")
    assert (await client.put(url, json=bad, headers=FHIR_JSON)).status_code == 400
    assert (await client.put(url, content=b"{", headers=FHIR_JSON)).status_code == 400
    assert (
        await client.put(url, json=created, headers={**FHIR_JSON, "If-Match": 'W/"9"'})
    ).status_code == 412
    assert (await client.get(url)).json() == created
    assert (await client.get(f"{url}/_history")).json()["total"] == 1
