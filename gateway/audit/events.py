"""Build FHIR R4 AuditEvent resources: who (client, subject, address), what, when, and how it ended."""

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.fhir.dates import instant_text

CLIENT_SYSTEM = "urn:fhir-gateway:client-id"
ANONYMOUS = "anonymous"
# AuditEvent.action: read-like interactions are R, a search is E (execute a query), writes C/U/D.
ACTIONS = {
    "read": "R",
    "vread": "R",
    "history-instance": "R",
    "history-type": "R",
    "search-type": "E",
    "create": "C",
    "update": "U",
    "delete": "D",
}
METHOD_ACTIONS = {"GET": "R", "HEAD": "R", "POST": "C", "PUT": "U", "PATCH": "U", "DELETE": "D"}
_EVENT_TYPE = {
    "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
    "code": "rest",
    "display": "RESTful Operation",
}
_SOURCE = {
    "observer": {"display": "fhir-gateway"},
    "type": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
            "code": "4",
            "display": "Application Server",
        }
    ],
}


@dataclass(frozen=True)
class Actor:
    """Who made a request: the token's client and subject (None when there was no trusted token), and from
    which network address."""

    client_id: str | None
    subject: str | None
    address: str | None


def outcome_code(status: int) -> str:
    """AuditEvent.outcome: 0 success, 4 minor failure (the request's fault, refusals included), 8 ours."""
    if status < 400:
        return "0"
    return "4" if status < 500 else "8"


def _agent(actor: Actor) -> dict[str, Any]:
    name = actor.client_id or ANONYMOUS
    agent: dict[str, Any] = {
        "who": {"identifier": {"system": CLIENT_SYSTEM, "value": name}, "display": name},
        "requestor": True,
    }
    if actor.subject:
        agent["altId"] = actor.subject
    if actor.address:
        agent["network"] = {"address": actor.address, "type": "2"}  # 2: an IP address
    return agent


def _entities(resource_type: str | None, references: list[str], query: str | None) -> list[dict[str, Any]]:
    kind = [{"type": {"system": "http://hl7.org/fhir/resource-types", "code": resource_type}}]
    entities: list[dict[str, Any]] = [
        {"what": {"reference": reference}, **(kind[0] if resource_type else {})} for reference in references
    ]
    if query is not None and resource_type:
        # The search as sent (base64, as entity.query is): what was looked for, not only what came back.
        entities.insert(0, {**kind[0], "query": base64.b64encode(query.encode()).decode()})
    return entities


def audit_event(
    actor: Actor,
    *,
    action: str,
    status: int,
    recorded: datetime,
    face: str,
    interaction: str | None = None,
    resource_type: str | None = None,
    references: list[str] | None = None,
    query: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    subtype = [{"system": "urn:fhir-gateway:face", "code": face}]
    if interaction is not None:
        subtype.insert(0, {"system": "http://hl7.org/fhir/restful-interaction", "code": interaction})
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": dict(_EVENT_TYPE),
        "subtype": subtype,
        "action": action,
        "recorded": instant_text(recorded),
        "outcome": outcome_code(status),
        "outcomeDesc": f"{status} {description}" if description else str(status),
        "agent": [_agent(actor)],
        "source": _SOURCE,
    }
    entities = _entities(resource_type, references or [], query)
    if entities:
        event["entity"] = entities
    return event
