"""The service as a `system/*.cruds` client sees it, for tests that run GraphQL without HTTP."""

from typing import Any

from gateway.audit.trail import AuditTrail
from gateway.auth.guarded import GuardedService
from gateway.auth.principal import Principal
from gateway.auth.scopes import parse_scopes
from gateway.service.interactions import FhirService

SCOPE = "system/*.cruds"


async def _discard(events: list[dict[str, Any]]) -> None:
    """Audit events go nowhere here: these callers measure or check the service, not the trail."""


def system_service(service: FhirService) -> GuardedService:
    principal = Principal("test", "test", SCOPE, parse_scopes(SCOPE))
    return GuardedService(service, principal, AuditTrail(_discard), "127.0.0.1", "graphql")
