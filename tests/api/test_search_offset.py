"""`_offset` skips matches before the first page; page tokens still continue from their own position."""

from urllib.parse import urlsplit

from tests.conftest import FHIR_JSON


async def _create_patients(client, families):
    for family in families:
        response = await client.post(
            "/Patient", json={"resourceType": "Patient", "name": [{"family": family}]}, headers=FHIR_JSON
        )
        assert response.status_code == 201, response.text


def _families(bundle):
    return [entry["resource"]["name"][0]["family"] for entry in bundle.get("entry", [])]


async def test_offset_skips_the_first_matches_of_a_sorted_search(client):
    await _create_patients(client, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"])
    response = await client.get(
        "/Patient", params={"_sort": "family", "_count": "2", "_offset": "2", "_total": "accurate"}
    )
    assert response.status_code == 200
    assert _families(response.json()) == ["Charlie", "Delta"]
    assert response.json()["total"] == 5


async def test_the_next_link_of_an_offset_search_continues_without_skipping_again(client):
    await _create_patients(client, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"])
    first = await client.get("/Patient", params={"_sort": "family", "_count": "2", "_offset": "1"})
    links = {link["relation"]: link["url"] for link in first.json()["link"]}
    following = urlsplit(links["next"])
    second = await client.get(f"{following.path}?{following.query}")
    assert _families(first.json()) == ["Bravo", "Charlie"]
    assert _families(second.json()) == ["Delta", "Echo"]


async def test_an_offset_past_the_end_gives_an_empty_page_with_the_total(client):
    await _create_patients(client, ["Alpha", "Bravo"])
    response = await client.get("/Patient", params={"_offset": "10"})
    assert response.status_code == 200
    assert response.json()["total"] == 2
    assert "entry" not in response.json()


async def test_a_negative_offset_is_refused_with_an_invalid_outcome(client):
    response = await client.get("/Patient", params={"_offset": "-1"})
    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "invalid"
