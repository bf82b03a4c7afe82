"""FHIRPath Patch operations (fhirpatch.html) and JSON Merge Patch on resource JSON, without a server."""

from typing import Any

import pytest

from gateway.fhir.errors import BadRequest, BusinessRuleViolation
from gateway.service.fhirpath_patch import apply_fhirpath_patch
from gateway.service.patch import apply_patch, merge_patch, patch_format

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Chalmers", "given": ["Peter"]}, {"use": "old", "family": "Windsor"}],
    "birthDate": "1974-12-25",
}


def operation(kind: str, path: str, **parts: dict[str, Any]) -> dict[str, Any]:
    listed = [{"name": "type", "valueCode": kind}, {"name": "path", "valueString": path}]
    listed += [{"name": name, **value} for name, value in parts.items()]
    return {"name": "operation", "part": listed}


def patched(*operations: dict[str, Any]) -> dict[str, Any]:
    return apply_fhirpath_patch(PATIENT, {"resourceType": "Parameters", "parameter": list(operations)})


def test_replace_sets_a_new_value_and_leaves_the_original_untouched():
    result = patched(operation("replace", "Patient.birthDate", value={"valueDate": "1980-01-01"}))
    assert result["birthDate"] == "1980-01-01"
    assert PATIENT["birthDate"] == "1974-12-25"


def test_delete_with_where_removes_only_the_matching_list_element():
    result = patched(operation("delete", "Patient.name.where(use = 'old')"))
    assert result["name"] == [{"family": "Chalmers", "given": ["Peter"]}]


def test_deleting_the_last_element_of_a_list_removes_the_list():
    result = patched(operation("delete", "Patient.name[0].given[0]"))
    assert "given" not in result["name"][0]


def test_deleting_what_is_not_there_changes_nothing():
    assert patched(operation("delete", "Patient.gender")) == PATIENT


def test_add_appends_to_repeating_elements_and_sets_single_ones_by_the_model():
    result = patched(
        operation(
            "add", "Patient", name={"valueString": "identifier"}, value={"valueIdentifier": {"value": "7"}}
        ),
        operation("add", "Patient", name={"valueString": "gender"}, value={"valueCode": "male"}),
        operation("add", "Patient.name[0]", name={"valueString": "given"}, value={"valueString": "James"}),
    )
    assert result["identifier"] == [{"value": "7"}]
    assert result["gender"] == "male"
    assert result["name"][0]["given"] == ["Peter", "James"]


def test_add_builds_backbone_elements_from_parts():
    contact = {"part": [{"name": "gender", "valueCode": "female"}]}
    result = patched(operation("add", "Patient", name={"valueString": "contact"}, value=contact))
    assert result["contact"] == [{"gender": "female"}]


def test_insert_and_move_reorder_a_list():
    result = patched(
        operation("insert", "Patient.name[0].given", index={"valueInteger": 0}, value={"valueString": "Jim"}),
        operation("move", "Patient.name", source={"valueInteger": 1}, destination={"valueInteger": 0}),
    )
    assert result["name"][1]["given"] == ["Jim", "Peter"]
    assert result["name"][0]["family"] == "Windsor"


def test_adding_over_an_existing_single_value_is_refused():
    with pytest.raises(BusinessRuleViolation):
        patched(operation("add", "Patient", name={"valueString": "birthDate"}, value={"valueDate": "2000"}))


def test_replace_needs_exactly_one_target():
    with pytest.raises(BusinessRuleViolation):
        patched(operation("replace", "Patient.name", value={"valueHumanName": {"family": "X"}}))


def test_paths_beyond_the_supported_subset_are_refused_with_a_reason():
    with pytest.raises(BadRequest, match="beyond the paths"):
        patched(operation("delete", "Patient.name.exists()"))


def test_an_unknown_operation_type_is_refused():
    with pytest.raises(BadRequest):
        patched(operation("explode", "Patient.name"))


def test_merge_patch_merges_objects_and_removes_nulls():
    assert merge_patch({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"b": None, "e": 4}, "d": [1]}) == {
        "a": {"c": 2, "e": 4},
        "d": [1],
    }


def test_json_patch_is_applied_with_jsonpatch_and_a_failed_test_is_a_business_rule_error():
    operations = [{"op": "replace", "path": "/birthDate", "value": "1999-09-09"}]
    assert apply_patch(PATIENT, "json-patch", operations)["birthDate"] == "1999-09-09"
    with pytest.raises(BusinessRuleViolation):
        apply_patch(PATIENT, "json-patch", [{"op": "test", "path": "/birthDate", "value": "2000-01-01"}])
    with pytest.raises(BadRequest):
        apply_patch(PATIENT, "json-patch", [{"op": "fly", "path": "/birthDate"}])


def test_the_patch_format_follows_the_media_type_and_the_body():
    assert patch_format("application/json-patch+json", []) == "json-patch"
    assert patch_format("application/fhir+json", {"resourceType": "Parameters"}) == "fhirpath-patch"
    assert patch_format("application/json", {"gender": "male"}) == "merge-patch"
    assert patch_format("application/json", [{"op": "remove", "path": "/gender"}]) == "json-patch"
