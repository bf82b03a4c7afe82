"""The one place GraphQL errors get their OperationOutcome (`extensions.resource`); internals never leak."""

import logging
from typing import Any

from graphql import GraphQLError

from gateway.fhir.errors import BadRequest, FhirError, InternalError
from gateway.fhir.outcome import outcome_for_error

log = logging.getLogger(__name__)

UNEXPECTED = "An unexpected error occurred; it has been logged"


def fhir_error_of(error: GraphQLError) -> FhirError:
    """Resolver errors carry their FhirError; syntax, validation and variable errors have no path and are the
    request's fault (invalid); anything else raised while executing is ours and stays unexplained."""
    original = error.original_error
    if isinstance(original, FhirError):
        return original
    if original is None or error.path is None:
        return BadRequest(error.message)
    return InternalError(UNEXPECTED)


def is_unexpected(error: GraphQLError) -> bool:
    return isinstance(fhir_error_of(error), InternalError)


def error_json(error: GraphQLError) -> dict[str, Any]:
    fhir_error = fhir_error_of(error)
    formatted: dict[str, Any] = dict(error.formatted)
    if isinstance(fhir_error, InternalError):
        formatted["message"] = UNEXPECTED
    formatted["extensions"] = {
        **(formatted.get("extensions") or {}),
        "resource": outcome_for_error(fhir_error),
    }
    return formatted


def request_error_json(fhir_error: FhirError) -> dict[str, Any]:
    """An error of the HTTP request itself (no GraphQL document to point into)."""
    return {"message": fhir_error.diagnostics, "extensions": {"resource": outcome_for_error(fhir_error)}}
