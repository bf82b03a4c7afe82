"""Write-time extraction of search values from resources."""

import unicodedata
from datetime import UTC, datetime

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.search_values import extract, fold
from gateway.service.search_values import split_or
from tests.conftest import example

PATIENT = RESOURCE_DEFINITIONS["Patient"].search_parameters


def _entries(resource: dict, code: str) -> list[dict]:
    return [entry for entry in extract(resource, PATIENT).entries if entry["p"] == code]


def test_fold_removes_case_and_accents():
    assert fold("Müller") == fold("MULLER") == "muller"
    assert fold("Ærøskøbing") == "ærøskøbing"
    assert fold("Straße") == "strasse"


def test_names_give_folded_and_exact_string_entries():
    patient = example("patient/patient-example.json")
    family = _entries(patient, "family")
    assert {"p": "family", "v": "chalmers", "x": "Chalmers"} in family
    name_values = {entry["v"] for entry in _entries(patient, "name")}
    assert {"chalmers", "peter", "james", "jim", "windsor"} <= name_values


def test_identifiers_give_system_and_code_and_type_text():
    patient = example("patient/patient-example.json")
    assert {"p": "identifier", "c": "12345", "s": "urn:oid:1.2.36.146.595.217.0.1"} in _entries(
        patient, "identifier"
    )


def test_telecom_where_clauses_split_phone_from_email():
    patient = {
        "resourceType": "Patient",
        "telecom": [{"system": "phone", "value": "555-1234"}, {"system": "email", "value": "a@example.org"}],
    }
    assert [entry["c"] for entry in _entries(patient, "phone")] == ["555-1234"]
    assert [entry["c"] for entry in _entries(patient, "email")] == ["a@example.org"]
    assert len(_entries(patient, "telecom")) == 2


def test_dates_become_ranges_and_booleans_tokens():
    patient = {
        "resourceType": "Patient",
        "birthDate": "1974-12-25",
        "deceasedDateTime": "2015",
        "active": True,
    }
    assert _entries(patient, "birthdate") == [
        {"p": "birthdate", "lo": datetime(1974, 12, 25, tzinfo=UTC), "hi": datetime(1974, 12, 26, tzinfo=UTC)}
    ]
    assert _entries(patient, "death-date")[0]["hi"] == datetime(2016, 1, 1, tzinfo=UTC)
    assert _entries(patient, "deceased") == [{"p": "deceased", "c": "true"}]
    assert _entries(patient, "active") == [{"p": "active", "c": "true"}]


def test_references_are_kept_as_type_and_id():
    patient = {
        "resourceType": "Patient",
        "managingOrganization": {"reference": "Organization/1"},
        "generalPractitioner": [{"reference": "http://other.org/fhir/Practitioner/9"}],
    }
    assert _entries(patient, "organization") == [
        {"p": "organization", "c": "Organization/1", "s": "Organization"}
    ]
    practitioner = _entries(patient, "general-practitioner")
    assert {"p": "general-practitioner", "c": "http://other.org/fhir/Practitioner/9"} in practitioner


def test_parameters_without_values_are_listed_as_missing():
    values = extract({"resourceType": "Patient", "gender": "male"}, PATIENT)
    assert "family" in values.missing and "birthdate" in values.missing
    assert "gender" not in values.missing


def test_commas_split_alternatives_unless_escaped():
    assert split_or("a,b") == ["a", "b"]
    assert split_or(r"a\,b,c") == ["a,b", "c"]
    assert split_or("a") == ["a"]
    assert split_or("") == [""] and split_or(",a,,") == ["", "a", "", ""]


def test_fold_of_ascii_text_is_what_decomposing_it_gives():
    text = "".join(chr(code) for code in range(128))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    assert fold(text) == "".join(char for char in decomposed if not unicodedata.combining(char))
