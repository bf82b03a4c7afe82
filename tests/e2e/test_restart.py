"""The embedded default store keeps its data across a restart of the real server process."""

import httpx
import pytest

from tests.e2e.server import auth_headers, running_gateway

pytestmark = pytest.mark.e2e


def test_data_survives_a_restart_of_fhir_gateway_serve(tmp_path):
    patient = {"resourceType": "Patient", "name": [{"family": "Durable", "given": ["Dora"]}]}
    headers = {"Content-Type": "application/fhir+json", **auth_headers()}
    with running_gateway(tmp_path) as base:
        created = httpx.post(f"{base}/Patient", json=patient, headers=headers)
        assert created.status_code == 201
        patient_id = created.json()["id"]
        updated = httpx.put(f"{base}/Patient/{patient_id}", json=created.json(), headers=headers)
        assert updated.status_code == 200

    with running_gateway(tmp_path) as base:
        read = httpx.get(f"{base}/Patient/{patient_id}", headers=headers)
        assert read.status_code == 200
        assert read.json()["name"][0]["family"] == "Durable"
        assert read.headers["etag"] == 'W/"2"'
        history = httpx.get(f"{base}/Patient/{patient_id}/_history", headers=headers).json()
        assert history["total"] == 2
        found = httpx.get(f"{base}/Patient", params={"family": "durable"}, headers=headers).json()
        assert found["total"] == 1
