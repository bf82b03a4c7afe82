from tests.conftest import FHIR_JSON, example


async def test_a_created_patient_can_be_read_back(client):
    created = await client.post("/Patient", json=example("patient/patient-example.json"), headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    read = await client.get(location.replace("http://testserver", ""))
    assert read.status_code == 200
    assert read.json()["name"][0]["family"] == "Chalmers"
