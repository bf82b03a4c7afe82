"""The one place where REST errors become OperationOutcome responses; internals never leak."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from gateway.fhir.errors import FhirError, MethodNotAllowed, NotFound
from gateway.fhir.outcome import outcome_for_error
from gateway.rest.methods import allow_header
from gateway.rest.responses import FhirResponse


def error_response(error: FhirError) -> Response:
    return FhirResponse(outcome_for_error(error), status_code=error.status, headers=error.headers)


async def _fhir_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FhirError)
    return error_response(error)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    allowed = allow_header(request.scope) if error.status_code == 405 else {}
    if allowed:
        refusal = f"{request.method} is not supported on {request.url.path}"
        return error_response(MethodNotAllowed(refusal, headers=allowed))
    if error.status_code in (404, 405):  # 405 only because OPTIONS answers every path: no endpoint here
        return error_response(NotFound(f"No FHIR endpoint at {request.url.path}"))
    outcome = outcome_for_error(FhirError(str(error.detail)))
    return FhirResponse(outcome, status_code=error.status_code)


async def _validation_error(request: Request, error: Exception) -> Response:
    return error_response(NotFound(f"No FHIR endpoint matches {request.method} {request.url.path}"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FhirError, _fhir_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # Any other exception: gateway.middleware.unexpected answers it without closing the connection.
