"""Create, read, vread, update, delete and history of Patient over the REST shim."""

import copy

from tests.conftest import FHIR_JSON, example


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


async def _create(client, name="patient/patient-example.json"):
    response = await client.post("/Patient", json=example(name), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return response


async def test_create_returns_201_with_location_etag_and_last_modified(client):
    response = await _create(client)
    body = response.json()
    assert body["id"] != "example", "the server owns the id on create"
    assert response.headers["location"] == f"http://testserver/Patient/{body['id']}/_history/1"
    assert response.headers["etag"] == 'W/"1"'
    assert response.headers["last-modified"].endswith(" GMT")
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert body["meta"]["versionId"] == "1"
    assert body["meta"]["lastUpdated"].endswith("Z")


async def test_read_returns_the_current_version_with_its_etag(client):
    created = (await _create(client)).json()
    response = await client.get(f"/Patient/{created['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"1"'
    assert response.json() == created


async def test_reading_an_unknown_id_is_404_with_an_operation_outcome(client):
    response = await client.get("/Patient/does-not-exist")
    assert response.status_code == 404
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"


async def test_an_invalid_id_in_the_url_is_400(client):
    response = await client.get("/Patient/" + "x" * 65)
    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "invalid"


async def test_update_makes_version_2_and_vread_keeps_version_1(client):
    created = (await _create(client)).json()
    changed = copy.deepcopy(created)
    changed["gender"] = "female"
    response = await client.put(f"/Patient/{created['id']}", json=changed, headers=FHIR_JSON)
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"2"'
    assert response.json()["meta"]["versionId"] == "2"
    old = await client.get(f"/Patient/{created['id']}/_history/1")
    assert old.status_code == 200
    assert old.json()["gender"] == "male"
    assert old.headers["etag"] == 'W/"1"'
    assert (await client.get(f"/Patient/{created['id']}")).json()["gender"] == "female"


async def test_vread_of_an_unknown_version_is_404_and_a_malformed_one_400(client):
    created = (await _create(client)).json()
    assert (await client.get(f"/Patient/{created['id']}/_history/7")).status_code == 404
    assert (await client.get(f"/Patient/{created['id']}/_history/abc")).status_code == 400


async def test_update_of_an_absent_id_creates_it(client):
    patient = example("patient/patient-example.json")
    patient["id"] = "chosen-by-client"
    response = await client.put("/Patient/chosen-by-client", json=patient, headers=FHIR_JSON)
    assert response.status_code == 201
    assert response.headers["location"].endswith("/Patient/chosen-by-client/_history/1")
    assert (await client.get("/Patient/chosen-by-client")).status_code == 200


async def test_update_with_an_id_that_differs_from_the_url_is_400(client):
    patient = example("patient/patient-example.json")
    patient["id"] = "other"
    response = await client.put("/Patient/example", json=patient, headers=FHIR_JSON)
    assert response.status_code == 400
    assert "must equal the id in the URL" in response.json()["issue"][0]["diagnostics"]
    del patient["id"]
    assert (await client.put("/Patient/example", json=patient, headers=FHIR_JSON)).status_code == 400


async def test_delete_then_read_is_410_and_a_put_revives_it_as_a_new_version(client):
    created = (await _create(client)).json()
    url = f"/Patient/{created['id']}"
    deleted = await client.delete(url)
    assert deleted.status_code == 204
    assert deleted.headers["etag"] == 'W/"2"'
    gone = await client.get(url)
    assert gone.status_code == 410
    assert gone.json()["issue"][0]["code"] == "deleted"
    assert (await client.get(f"{url}/_history/2")).status_code == 410
    assert (await client.get(f"{url}/_history/1")).status_code == 200
    revived = await client.put(url, json=created, headers=FHIR_JSON)
    assert revived.status_code == 201
    assert revived.json()["meta"]["versionId"] == "3"
    assert (await client.get(url)).status_code == 200


async def test_deleting_twice_writes_no_second_version_and_unknown_ids_are_404(client):
    created = (await _create(client)).json()
    url = f"/Patient/{created['id']}"
    assert (await client.delete(url)).status_code == 204
    assert (await client.delete(url)).status_code == 204
    history = (await client.get(f"{url}/_history")).json()
    assert history["total"] == 2
    assert (await client.delete("/Patient/never-was")).status_code == 404


async def test_instance_history_lists_every_version_newest_first(client):
    created = (await _create(client)).json()
    url = f"/Patient/{created['id']}"
    await client.put(url, json=created, headers=FHIR_JSON)
    await client.delete(url)
    history = (await client.get(f"{url}/_history")).json()
    assert history["resourceType"] == "Bundle"
    assert history["type"] == "history"
    assert history["total"] == 3
    methods = [entry["request"]["method"] for entry in history["entry"]]
    assert methods == ["DELETE", "PUT", "POST"]
    etags = [entry["response"]["etag"] for entry in history["entry"]]
    assert etags == ['W/"3"', 'W/"2"', 'W/"1"']
    assert "resource" not in history["entry"][0]
    assert history["entry"][1]["resource"]["meta"]["versionId"] == "2"
    assert history["entry"][2]["fullUrl"] == f"http://testserver{url}"


async def test_history_of_an_unknown_id_is_404(client):
    assert (await client.get("/Patient/never-was/_history")).status_code == 404


async def test_type_history_pages_newest_first_without_repeats_or_gaps(client):
    ids = [(await _create(client)).json()["id"] for _ in range(5)]
    seen: list[str] = []
    url = "/Patient/_history?_count=2"
    pages = 0
    while url:
        page = (await client.get(_path(url))).json()
        assert page["total"] == (5 if pages == 0 else 6)
        seen += [entry["resource"]["id"] for entry in page.get("entry", [])]
        if pages == 0:
            await _create(client)  # a write between pages must not shift what follows
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
        pages += 1
    assert seen == list(reversed(ids))
    assert pages == 3


async def test_history_since_keeps_only_later_versions(client):
    first = (await _create(client)).json()
    second = (await _create(client)).json()
    since = second["meta"]["lastUpdated"]
    history = (await client.get(f"/Patient/_history?_since={since}")).json()
    ids = [entry["resource"]["id"] for entry in history.get("entry", [])]
    assert second["id"] in ids
    assert first["id"] not in ids or first["meta"]["lastUpdated"] == since
    assert (await client.get("/Patient/_history?_since=yesterday")).status_code == 400
