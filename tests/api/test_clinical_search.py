"""Search parameters of the core clinical types: tokens, dates, references, quantities."""

import pytest

from tests.clinical_fixtures import module_client_with_examples, search_ids

# Read-only: the examples are loaded once for the whole module, into a database of its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")
client = module_client_with_examples()


@pytest.fixture
def loaded() -> None:
    """The module's client has them loaded already."""


async def test_observation_code_category_status_and_patient(client, loaded):
    assert await search_ids(client, "/Observation?code=http://loinc.org|8310-5") == {
        "body-temperature",
        "f202",
    }
    vital = await search_ids(client, "/Observation?category=vital-signs&patient=example")
    assert {"body-height", "bmi", "heart-rate", "blood-pressure"} <= vital
    assert "f001" not in vital
    assert await search_ids(client, "/Observation?patient=Patient/f001") == {"f001"}
    assert await search_ids(client, "/Observation?status=cancelled") == set()


async def test_observation_value_quantity_with_prefixes_and_units(client, loaded):
    # body-height is 66.899999999999991 [in_i]; heart-rate 44 /min; f001 glucose 6.3 mmol/l.
    assert await search_ids(client, "/Observation?value-quantity=44") == {"heart-rate"}
    assert await search_ids(client, "/Observation?value-quantity=6.3|http://unitsofmeasure.org|mmol/L") == {
        "f001"
    }
    assert await search_ids(client, "/Observation?value-quantity=6.3||mmol/L") == {"f001"}
    assert await search_ids(client, "/Observation?value-quantity=6.3||mg") == set()
    assert "heart-rate" in await search_ids(client, "/Observation?value-quantity=gt40&value-quantity=lt45")
    assert "heart-rate" not in await search_ids(client, "/Observation?value-quantity=gt44")
    assert "heart-rate" in await search_ids(client, "/Observation?value-quantity=ap42")
    assert "heart-rate" not in await search_ids(client, "/Observation?value-quantity=ne44")


async def test_observation_date_and_component_code(client, loaded):
    assert "blood-pressure" in await search_ids(client, "/Observation?date=2012-09-17")
    assert "blood-pressure" not in await search_ids(client, "/Observation?date=lt2010")
    components = await search_ids(client, "/Observation?component-code=http://loinc.org|8480-6")
    assert components == {"blood-pressure"}


async def test_bad_quantity_values_are_a_bad_request(client, loaded):
    response = await client.get("/Observation?value-quantity=gtabc")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_encounter_status_class_date_subject_and_participant(client, loaded):
    assert "f001" in await search_ids(client, "/Encounter?status=finished&subject=Patient/f001")
    assert "home" in await search_ids(client, "/Encounter?class=HH")
    assert "f203" in await search_ids(client, "/Encounter?date=2013-03")
    assert await search_ids(client, "/Encounter?practitioner=f201&subject=f201") >= {"f201"}
    assert "f001" in await search_ids(client, "/Encounter?service-provider=Organization/f001")


async def test_practitioner_and_organization_by_name_identifier_and_address(client, loaded):
    assert "f001" in await search_ids(client, "/Practitioner?family=van%20den%20broek")
    assert "f001" in await search_ids(client, "/Practitioner?identifier=938273695")
    assert "f001" in await search_ids(client, "/Practitioner?gender=male&address-city=den%20burg")
    assert "hl7" in await search_ids(client, "/Organization?name=health%20level")
    assert "f002" in await search_ids(client, "/Organization?partof=f001")
