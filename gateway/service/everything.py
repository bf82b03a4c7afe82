"""`Patient/{id}/$everything` (and `Patient/{id}/*`): the patient and every resource in its compartment
that the caller may see, filtered by `_since` and `_type`, paged by `_count`.

Each type is one compartment search through the caller's own service, so patient/ scopes and type
scopes apply as to any search; types the caller's token does not reach are left out, not refused.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from gateway.fhir.dates import instant_text
from gateway.fhir.errors import BadRequest, Forbidden, TooCostly
from gateway.fhir.patient_compartment import PATIENT_COMPARTMENT
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.resource_version import Page, StoredVersion
from gateway.service.compartment import COMPARTMENT_PARAMETER
from gateway.service.interactions import SearchOutcome
from gateway.service.search import DEFAULT_COUNT, MAX_COUNT, parse_history

# The most resources one $everything gathers before paging; past it, narrow with _type or _since.
MAX_EVERYTHING = 10_000
PAGE_TOKEN = "_page_token"


class EverythingInteractions(Protocol):
    async def read(self, resource_type: str, resource_id: str) -> StoredVersion: ...

    async def search(
        self, resource_type: str, parameters: list[tuple[str, str]], base_url: str, strict: bool = False
    ) -> SearchOutcome: ...


@dataclass
class EverythingRequest:
    since: datetime | None = None
    types: tuple[str, ...] = ()
    count: int = DEFAULT_COUNT
    offset: int = 0
    used: list[tuple[str, str]] = field(default_factory=list)


def parse_everything(parameters: list[tuple[str, str]]) -> EverythingRequest:
    history = parse_history([(name, value) for name, value in parameters if name in ("_since", "_count")])
    request = EverythingRequest(history.since, count=history.count, used=list(history.used))
    for name, value in parameters:
        if name == "_type":
            types = tuple(item.strip() for item in value.split(",") if item.strip())
            unknown = [item for item in types if item not in RESOURCE_DEFINITIONS]
            if unknown:
                raise BadRequest(f"_type names types this server does not serve: {', '.join(unknown)}")
            request.types += types
            request.used.append((name, value))
        elif name == PAGE_TOKEN:
            if not value.isdigit():
                raise BadRequest("The paging link is not valid here", expression=(PAGE_TOKEN,))
            request.offset = int(value)
    return request


def _compartment_types(wanted: tuple[str, ...]) -> list[str]:
    served = [name for name in PATIENT_COMPARTMENT if name in RESOURCE_DEFINITIONS and name != "Patient"]
    return [name for name in served if not wanted or name in wanted]


async def _in_compartment(
    service: EverythingInteractions,
    resource_type: str,
    patient_id: str,
    request: EverythingRequest,
    base_url: str,
) -> list[StoredVersion]:
    parameters = [
        (COMPARTMENT_PARAMETER, f"Patient/{patient_id}"),
        ("_count", str(MAX_COUNT)),
        ("_total", "none"),
    ]
    if request.since is not None:
        parameters.append(("_lastUpdated", f"ge{instant_text(request.since)}"))
    found: list[StoredVersion] = []
    token: str | None = None
    while True:
        try:
            outcome = await service.search(
                resource_type, parameters + ([("_page_token", token)] if token else []), base_url, True
            )
        except Forbidden:
            return []  # the token does not reach this type: it is not part of what this caller sees
        found += outcome.page.items
        if len(found) > MAX_EVERYTHING:
            raise TooCostly(f"More than {MAX_EVERYTHING} resources; narrow $everything with _type or _since")
        token = outcome.page.next_token
        if token is None:
            return found


async def everything(
    service: EverythingInteractions, patient_id: str, request: EverythingRequest, base_url: str
) -> Page:
    """One page of the patient's record: the Patient first, then each compartment type in turn."""
    patient = await service.read("Patient", patient_id)  # 404/410/403 as a read would answer
    gathered: list[StoredVersion] = []
    if (not request.types or "Patient" in request.types) and (
        request.since is None or patient.last_updated >= request.since
    ):
        gathered.append(patient)
    for resource_type in _compartment_types(request.types):
        gathered += await _in_compartment(service, resource_type, patient_id, request, base_url)
        if len(gathered) > MAX_EVERYTHING:
            raise TooCostly(f"More than {MAX_EVERYTHING} resources; narrow $everything with _type or _since")
    start, end = request.offset, request.offset + request.count
    last_start = max(0, (len(gathered) - 1) // request.count * request.count) if request.count else 0
    return Page(
        items=gathered[start:end],
        next_token=str(end) if request.count and end < len(gathered) else None,
        total=len(gathered),
        previous_token=str(max(0, start - request.count)) if start > 0 and request.count else None,
        last_token=str(last_start) if request.count and last_start > start else None,
    )
