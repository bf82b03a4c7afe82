"""`_filter` expressions become the REST pairs that mean the same, or a refusal naming what is supported."""

import pytest

from gateway.fhir.errors import BadRequest
from schema.filter import filter_pairs
from schema.served import SERVED

PATIENT = SERVED["Patient"]


@pytest.mark.parametrize(
    ("expression", "pairs"),
    [
        ("gender eq female", [("gender", "female")]),
        ("family eq Chalmers", [("family:exact", "Chalmers")]),
        ("family co alm and family sw Cha", [("family:contains", "alm"), ("family", "Cha")]),
        ("gender ne male", [("gender:not", "male")]),
        (
            "birthdate ge 1970-01-01 and birthdate lt 1980",
            [("birthdate", "ge1970-01-01"), ("birthdate", "lt1980")],
        ),
        (
            "(gender eq male or gender eq other) and active eq true",
            [("gender", "male,other"), ("active", "true")],
        ),
        ('name eq "van den, Broek"', [("name:exact", "van den\\, Broek")]),
    ],
)
def test_supported_expressions_become_rest_pairs(expression, pairs):
    assert filter_pairs(PATIENT, expression) == pairs


@pytest.mark.parametrize(
    "expression",
    [
        "gender eq male or family eq x",  # or across parameters
        "not (gender eq male)",
        "gender ap male",
        "family gt x",
        "name[use eq official].family eq x",
        "gender eq",
        "(gender eq male",
        "unknown eq 1",
    ],
)
def test_unsupported_expressions_are_refused_naming_what_is_supported(expression):
    with pytest.raises(BadRequest) as refused:
        filter_pairs(PATIENT, expression)
    assert "_filter supports" in refused.value.diagnostics
