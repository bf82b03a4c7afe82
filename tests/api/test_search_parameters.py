"""Every Patient search parameter of R4, with its modifiers and prefixes, over the HL7 examples.

Read-only: the examples are loaded once for the whole module, into a database of its own."""

import pytest
import pytest_asyncio

from tests.api.search_fixtures import load_examples, match_ids
from tests.conftest import fresh_settings, http_client, running_app

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(mongodb_uri):
    async with running_app(fresh_settings(mongodb_uri)) as app, http_client(app) as http:
        await load_examples(http)
        yield http


@pytest.fixture
def examples():
    """The module's client has them loaded already."""


async def ids(client, query: str) -> set[str]:
    return set(await match_ids(client, f"{query}&_count=100"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("family=chalmers", {"example"}),
        ("family=Chalm", {"example"}),
        ("family=van%20de", {"f001"}),
        ("family:exact=Chalmers", {"example"}),
        ("family:exact=chalmers", set()),
        ("family:contains=ALMER", {"example"}),
        ("given=jim", {"example"}),
        ("name=windsor", {"example"}),
        ("name=pieter", {"f001"}),
        ("phonetic=Chalmurs", {"example"}),
        ("phonetic=Smyth", set()),
        ("address=534%20erewhon", {"example"}),
        ("address=erewhon", set()),
        ("address-state=vic", {"example"}),
        ("address-country=nld", {"f001", "f201"}),
    ],
)
async def test_string_parameters(client, examples, query, expected):
    assert await ids(client, query) == expected


@pytest.mark.parametrize(
    ("query", "included", "excluded"),
    [
        ("gender=female", {"animal", "pat4", "mom"}, {"example", "pat2"}),
        ("gender=other", {"pat2"}, {"example"}),
        ("gender:not=male", {"pat2", "animal", "ihe-pcd"}, {"example", "f001"}),
        ("gender=female,other", {"pat2", "animal"}, {"example"}),
        ("gender:missing=true", {"ihe-pcd"}, {"example"}),
        ("gender:missing=false", {"example"}, {"ihe-pcd"}),
        ("active=true", {"example", "pat1"}, {"newborn", "infant-fetal"}),
        ("active:missing=true", {"newborn"}, {"example"}),
        ("deceased=true", {"pat3", "pat4"}, {"example", "f001"}),
        ("deceased=false", {"example", "f001"}, {"pat3", "pat4"}),
        ("identifier=urn:oid:1.2.36.146.595.217.0.1|12345", {"example"}, {"f001"}),
        ("identifier=12345", {"example"}, {"f001"}),
        ("identifier=urn:oid:1.2.36.146.595.217.0.1|", {"example"}, {"f001"}),
        ("identifier:text=Medical", set(), {"f001"}),
        ("telecom=(03)%205555%206473", {"example"}, {"f001"}),
        ("phone=0648352638", {"f001"}, {"example"}),
        ("email=p.heuvel@gmail.com", {"f001"}, {"example"}),
        ("phone=p.heuvel@gmail.com", set(), {"f001"}),
        ("telecom=email|p.heuvel@gmail.com", {"f001"}, {"example"}),
        ("address-use=home", {"example"}, {"ihe-pcd"}),
        ("language=nl", {"f001"}, {"f201"}),
        ("language=urn:ietf:bcp:47|nl-NL", {"f201"}, {"f001"}),
    ],
)
async def test_token_parameters(client, examples, query, included, excluded):
    found = await ids(client, query)
    assert included <= found
    assert not (excluded & found)


@pytest.mark.parametrize(
    ("query", "included", "excluded"),
    [
        ("birthdate=1974-12-25", {"example", "ch-example"}, {"f001"}),
        ("birthdate=1974", {"example", "ch-example"}, {"f001"}),
        ("birthdate=1974-12", {"example"}, {"mom"}),
        ("birthdate=eq1974", {"example"}, {"f001"}),
        ("birthdate=ne1974", {"f001", "mom"}, {"example", "ch-example"}),
        ("birthdate=gt2009", {"animal", "newborn"}, {"example"}),
        ("birthdate=gt2010", {"newborn"}, {"animal"}),
        ("birthdate=ge2017-05-15", {"infant-twin-1", "newborn"}, {"animal"}),
        ("birthdate=lt1940", {"xcda", "glossy"}, {"f001"}),
        ("birthdate=le1944-11-17", {"f001", "xcda"}, {"f201"}),
        ("birthdate=sa2017-05-15", {"newborn"}, {"infant-twin-1"}),
        ("birthdate=eb1933", {"xcda"}, {"f001"}),
        ("birthdate=ap1974-12-20", {"example", "mom"}, {"f001", "f201"}),
        ("birthdate=ge1970&birthdate=lt1975", {"example", "mom"}, {"f001", "pat3"}),
        ("birthdate=1944-11-17,1960-03-13", {"f001", "f201"}, {"example"}),
        ("birthdate:missing=true", {"pat1", "ihe-pcd"}, {"example"}),
        ("death-date=2015-02-14", {"pat3"}, {"pat4"}),
        ("death-date=2015-02-14T03:42:00Z", {"pat3"}, set()),
        ("death-date=gt2015-02-14T04:00:00Z", set(), {"pat3"}),
    ],
)
async def test_date_parameters(client, examples, query, included, excluded):
    found = await ids(client, query)
    assert included <= found, found
    assert not (excluded & found)


@pytest.mark.parametrize(
    ("query", "included", "excluded"),
    [
        ("organization=Organization/1", {"example", "pat1"}, {"f001"}),
        ("organization=1", {"example", "pat1"}, {"f001"}),
        ("organization=http://testserver/Organization/1", {"example"}, {"f001"}),
        ("organization=http://elsewhere.org/fhir/Organization/1", set(), {"example"}),
        ("organization:Organization=f001", {"f001"}, {"example"}),
        ("organization:missing=true", {"animal"}, {"example"}),
        ("general-practitioner=Practitioner/example", {"glossy"}, {"example"}),
        ("general-practitioner:Practitioner=21B", {"infant-mom"}, {"glossy"}),
        ("link=Patient/pat2", {"pat1"}, {"pat2"}),
        ("link=pat1", {"pat2"}, {"pat1"}),
        ("link:RelatedPerson=newborn-mom", {"mom"}, {"pat1"}),
    ],
)
async def test_reference_parameters(client, examples, query, included, excluded):
    found = await ids(client, query)
    assert included <= found, found
    assert not (excluded & found)


async def test_commas_or_and_repeats_and(client, examples):
    assert await ids(client, "family=chalmers,van") == {"example", "f001"}
    assert await ids(client, "family=chalmers,heuvel") == {"example"}
    assert await ids(client, "family=chalmers&given=jim") == {"example"}
    assert await ids(client, "family=chalmers&given=pieter") == set()
    assert await ids(client, "_id=example,f001&gender=male") == {"example", "f001"}
