"""PatientConnection on the real store: all four cursors, forwards and backwards."""

from tests.graphql_support import create, graphql

PAGE = "count offset pagesize first previous next last edges { mode score resource { id } }"


async def _seed(client, how_many):
    for index in range(how_many):
        await create(client, {"resourceType": "Patient", "name": [{"family": f"Family{index:02d}"}]})


async def _page(client, arguments):
    status, body = await graphql(client, f"{{ PatientConnection({arguments}) {{ {PAGE} }} }}")
    assert status == 200 and "errors" not in body, body
    return body["data"]["PatientConnection"]


def _ids(page):
    return [edge["resource"]["id"] for edge in page["edges"]]


async def test_next_cursors_walk_every_match_once_and_previous_cursors_walk_back(client):
    await _seed(client, 7)
    everything = _ids(await _page(client, '_sort: "family", _count: 20'))
    forwards, page = [], await _page(client, '_sort: "family", _count: 3')
    pages = [page]
    while page["next"] is not None:
        page = await _page(client, f'_cursor: "{page["next"]}"')
        pages.append(page)
    forwards = [identifier for each in pages for identifier in _ids(each)]
    assert forwards == everything and len(pages) == 3
    backwards = []
    while page is not None:
        backwards = _ids(page) + backwards
        page = await _page(client, f'_cursor: "{page["previous"]}"') if page["previous"] else None
    assert backwards == everything


async def test_first_and_last_cursors_reach_the_ends_from_any_page(client):
    await _seed(client, 7)
    middle = await _page(client, '_sort: "family", _count: 3, _offset: 3')
    assert middle["count"] == 7 and middle["offset"] == 3 and middle["pagesize"] == 3
    last = await _page(client, f'_cursor: "{middle["last"]}"')
    first = await _page(client, f'_cursor: "{middle["first"]}"')
    assert last["offset"] == 6 and len(last["edges"]) == 1 and last["next"] is None
    assert first["offset"] == 0 and first["previous"] is None and len(first["edges"]) == 3
    assert all(edge["mode"] == "match" and edge["score"] is None for edge in middle["edges"])


async def test_a_cursor_keeps_the_search_it_came_from(client):
    await _seed(client, 5)
    page = await _page(client, 'family: ["Family00", "Family01", "Family02"], _sort: "-family", _count: 2')
    following = await _page(client, f'_cursor: "{page["next"]}"')
    assert page["count"] == following["count"] == 3
    assert len(following["edges"]) == 1 and following["next"] is None


async def test_an_empty_search_has_a_first_page_and_no_next_or_previous(client):
    page = await _page(client, 'family: ["Nobody"]')
    assert page["count"] == 0 and page["edges"] == []
    assert page["first"] and page["previous"] is None and page["next"] is None
