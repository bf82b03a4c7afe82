"""SMART scope parsing: v2 letters in cruds order, v1 read/write/*, and everything else grants nothing."""

import pytest

from gateway.auth.access import decide
from gateway.auth.principal import Principal
from gateway.auth.scopes import ScopeGrant, parse_scope, parse_scopes
from gateway.fhir.errors import Forbidden, Unauthorized


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("system/Patient.rs", ScopeGrant("system", "Patient", frozenset("rs"))),
        ("user/*.cruds", ScopeGrant("user", "*", frozenset("cruds"))),
        ("patient/Patient.r", ScopeGrant("patient", "Patient", frozenset("r"))),
        ("system/Patient.read", ScopeGrant("system", "Patient", frozenset("rs"))),
        ("user/*.write", ScopeGrant("user", "*", frozenset("cud"))),
        ("patient/*.*", ScopeGrant("patient", "*", frozenset("cruds"))),
    ],
)
def test_v1_and_v2_scopes_become_grants(scope, expected):
    assert parse_scope(scope) == expected


@pytest.mark.parametrize(
    "scope",
    [
        "openid",
        "launch/patient",
        "system/Patient.sr",  # v2 letters out of order
        "system/Patient.rr",
        "system/Patient.x",
        "admin/Patient.rs",
        "system/patient.rs",
        "system/Observation.rs?category=laboratory",  # narrowed scopes are not supported: no access at all
    ],
)
def test_scopes_that_are_not_plain_resource_scopes_grant_nothing(scope):
    assert parse_scope(scope) is None


def _principal(scope: str, patient: str | None = None) -> Principal:
    return Principal("sub", "client", scope, parse_scopes(scope), patient)


def test_the_decision_refuses_without_a_principal_and_without_a_matching_scope():
    with pytest.raises(Unauthorized):
        decide(None, "read", "Patient", "a")
    with pytest.raises(Forbidden):
        decide(_principal("system/Patient.rs"), "update", "Patient", "a")


def test_a_wildcard_reaches_patients_but_not_the_audit_trail():
    assert decide(_principal("system/*.rs"), "read", "Patient", "a").patient is None
    with pytest.raises(Forbidden):
        decide(_principal("system/*.rs"), "search-type", "AuditEvent")
    decide(_principal("system/AuditEvent.rs"), "search-type", "AuditEvent")


def test_a_patient_scope_is_limited_to_its_patient_and_adds_that_to_searches():
    access = decide(_principal("patient/*.rs", patient="p1"), "search-type", "Patient")
    assert access.search_restriction() == [("_id", "p1")]
    assert access.permits({"resourceType": "Patient", "id": "p1"})
    assert not access.permits({"resourceType": "Patient", "id": "p2"})
    with pytest.raises(Forbidden):
        decide(_principal("patient/*.rs", patient="p1"), "read", "Patient", "p2")
    system_too = decide(_principal("patient/*.rs system/Patient.rs", patient="p1"), "read", "Patient", "p2")
    assert system_too.patient is None
