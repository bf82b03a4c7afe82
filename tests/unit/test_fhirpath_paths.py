"""Plain-path search expressions walked directly (gateway/fhir/fhirpath_paths.py) give what fhirpathpy gives:
every parameter of every resource in tests/data (HL7 examples, r4-types, Synthea bundles' entries), and edge
cases. If a fhirpathpy upgrade changes its results, these fail."""

from pathlib import Path
from typing import Any

import pytest

from gateway.fhir.fhirpath_paths import NeedsInterpreter, evaluate_paths, plain_paths
from gateway.fhir.json import loads
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.search_values import _compiled

DATA = Path(__file__).resolve().parents[1] / "data"


def _resources() -> list[dict[str, Any]]:
    resources = []
    for path in sorted(DATA.rglob("*.json")):
        content = loads(path.read_bytes())
        if not isinstance(content, dict) or "resourceType" not in content:
            continue
        resources.append(content)
        for entry in content.get("entry") or []:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                resources.append(entry["resource"])
    return [resource for resource in resources if resource["resourceType"] in RESOURCE_DEFINITIONS]


def _compare(resource: dict[str, Any]) -> tuple[int, int]:
    """(expressions walked directly, expressions left to fhirpathpy) after checking each walked one."""
    walked = interpreted = 0
    resource_type = resource["resourceType"]
    for parameter in RESOURCE_DEFINITIONS[resource_type].search_parameters:
        expression = parameter.expression_for(resource_type)
        paths = plain_paths(expression)
        if paths is None:
            interpreted += 1
            continue
        expected = list(_compiled(expression)(resource))
        try:
            found = evaluate_paths(resource, paths)
        except NeedsInterpreter:
            interpreted += 1
            continue
        # repr: equal values of different types (Decimal('1.5') and 1.5, 1 and True) are not the same result
        assert repr(found) == repr(expected), (resource_type, resource.get("id"), expression)
        walked += 1
    return walked, interpreted


def test_every_parameter_of_every_resource_in_tests_data_gets_what_fhirpathpy_gives():
    resources = _resources()
    assert len(resources) > 900  # the Synthea bundles' entries are among them
    walked = interpreted = 0
    for resource in resources:
        done, left = _compare(resource)
        walked, interpreted = walked + done, interpreted + left
    assert walked > 10 * interpreted  # nearly every expression is a plain path


@pytest.mark.parametrize(
    "resource",
    [
        # choice elements, floats inside a value, a union meeting the same value twice
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {
                "coding": [{"system": "s", "code": "c"}],
                "extension": [{"url": "u", "valueDecimal": 1.5}],
            },
            "valueQuantity": {"value": 1.5, "unit": "x"},
            "component": [
                {"code": {"coding": [{"system": "s", "code": "c"}], "text": "t"}, "valueString": "v"},
                {"code": {"text": "b"}, "valueQuantity": {"value": 2}},
            ],
            "effectivePeriod": {"start": "2020-01-01"},
        },
        # a choice element that is a boolean, an extension-only item in a list, a null in a list
        {
            "resourceType": "Patient",
            "deceasedBoolean": False,
            "name": [
                {"family": "A", "given": ["x", None]},
                {"extension": [{"url": "u", "valueString": "s"}]},
            ],
            "address": [{"city": "C", "line": ["1", "2"]}],
            "telecom": [{"system": "phone", "value": "1"}],
        },
        # an element defined elsewhere (contentReference) and nested backbone elements
        {
            "resourceType": "Questionnaire",
            "status": "draft",
            "item": [
                {
                    "linkId": "1",
                    "type": "group",
                    "item": [{"linkId": "1.1", "type": "string", "code": [{"code": "q"}]}],
                }
            ],
        },
    ],
)
def test_edge_cases_get_what_fhirpathpy_gives(resource):
    walked, _ = _compare(resource)
    assert walked > 0


def test_a_primitive_with_an_extension_on_the_path_is_left_to_fhirpathpy():
    resource = {"resourceType": "Patient", "_birthDate": {"extension": [{"url": "u", "valueString": "x"}]}}
    with pytest.raises(NeedsInterpreter):
        evaluate_paths(resource, plain_paths("Patient.birthDate") or ())


def test_expressions_with_functions_or_casts_are_not_plain_paths():
    assert plain_paths("Patient.name | Patient.address.city") == (
        ("Patient", "name"),
        ("Patient", "address", "city"),
    )
    for expression in (
        "(Observation.value as Quantity)",
        "Patient.telecom.where(system='phone')",
        "Observation.component.value.ofType(Quantity)",
        "Patient.deceased.exists() and Patient.deceased != false",
    ):
        assert plain_paths(expression) is None
