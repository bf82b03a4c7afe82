"""OperationOutcome resources built from typed errors and issues."""

from typing import Any

from gateway.fhir.errors import FhirError, Issue


def issue_json(issue: Issue) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "severity": issue.severity,
        "code": issue.code,
        "diagnostics": issue.diagnostics,
    }
    if issue.expression:
        entry["expression"] = list(issue.expression)
    return entry


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [issue_json(issue) for issue in issues]}


def outcome_for_error(error: FhirError) -> dict[str, Any]:
    return operation_outcome(error.issues)


def information(diagnostics: str) -> dict[str, Any]:
    """An all-is-well outcome, e.g. for `Prefer: return=OperationOutcome` after a successful write."""
    return operation_outcome([Issue(code="informational", diagnostics=diagnostics, severity="information")])
