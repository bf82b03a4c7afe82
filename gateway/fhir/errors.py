"""Typed FHIR errors: each carries its HTTP status and OperationOutcome issue code; faces render them."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue: severity, FHIR issue-type code, diagnostics and the element it names."""

    code: str
    diagnostics: str
    severity: str = "error"
    expression: tuple[str, ...] = ()


@dataclass
class FhirError(Exception):
    """Base of every error that becomes an OperationOutcome; subclasses fix status and issue code."""

    diagnostics: str
    expression: tuple[str, ...] = ()
    listed: list[Issue] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    status = 500
    code = "exception"

    def __post_init__(self) -> None:
        super().__init__(self.diagnostics)

    @classmethod
    def from_issues(cls, issues: list[Issue]) -> "FhirError":
        """One error reporting several issues (e.g. every validation problem at once)."""
        return cls(issues[0].diagnostics, expression=issues[0].expression, listed=issues)

    @property
    def issues(self) -> list[Issue]:
        if self.listed:
            return self.listed
        return [Issue(code=self.code, diagnostics=self.diagnostics, expression=self.expression)]


class BadRequest(FhirError):
    status, code = 400, "invalid"


class InvalidResource(FhirError):
    """The resource failed structural validation or a required binding."""

    status, code = 400, "invalid"


class BusinessRuleViolation(FhirError):
    status, code = 422, "business-rule"


class NotFound(FhirError):
    status, code = 404, "not-found"


class Gone(FhirError):
    status, code = 410, "deleted"


class MethodNotAllowed(FhirError):
    status, code = 405, "not-supported"


class Conflict(FhirError):
    status, code = 409, "conflict"


class PreconditionFailed(FhirError):
    status, code = 412, "conflict"


class PayloadTooLarge(FhirError):
    status, code = 413, "too-costly"


class TooCostly(FhirError):
    """The request asks for more work or data than the server's configured limits allow."""

    status, code = 400, "too-costly"


class UnsupportedMediaType(FhirError):
    status, code = 415, "not-supported"


class NotImplementedHere(FhirError):
    """A valid request this server (or its MongoDB) cannot carry out: a transaction on a standalone."""

    status, code = 501, "not-supported"


class NotAcceptable(FhirError):
    status, code = 406, "not-supported"


class InternalError(FhirError):
    status, code = 500, "exception"


class Unauthorized(FhirError):
    """No bearer token: the client has to authenticate first (401 with WWW-Authenticate)."""

    status, code = 401, "login"


class InvalidToken(Unauthorized):
    """A bearer token was sent but cannot be trusted (signature, algorithm, key, expiry, audience, issuer)."""

    code = "security"


class Forbidden(FhirError):
    """A trusted token whose scopes do not allow this interaction."""

    status, code = 403, "forbidden"


class TooManyRequests(FhirError):
    status, code = 429, "throttled"


class ServiceUnavailable(FhirError):
    """A transient refusal (the store is busy): the client retries after the Retry-After header."""

    status, code = 503, "transient"
