"""Build the next stored version of a resource: server-owned id and meta, extracted search values."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from gateway.fhir.dates import instant_text
from gateway.fhir.errors import BadRequest
from gateway.fhir.numbers import INT64_MAX, is_ascii_whole
from gateway.fhir.resource_types import ResourceDefinition
from gateway.fhir.resource_version import Method, StoredVersion
from gateway.fhir.search_values import extract
from gateway.store.records import NewVersion

# FHIR's id pattern, but not `.` or `..` (or only dots): in a URL path those are dot-segments that clients and
# proxies normalise away, so such a resource's Location would name the base or the type instead.
_ID = re.compile(r"(?!\.+\Z)[A-Za-z0-9\-.]{1,64}")
_ETAG = re.compile(r'^(?:W/)?"(?P<version>[0-9]{1,18})"$')


def new_id() -> str:
    return str(uuid.uuid4())


def check_id(resource_id: str) -> str:
    if not _ID.fullmatch(resource_id):
        raise BadRequest(
            f"{resource_id!r} is not a valid FHIR id ([A-Za-z0-9-.]{{1,64}}, not only dots)",
            expression=("id",),
        )
    return resource_id


def parse_version_id(text: str) -> int:
    if not is_ascii_whole(text) or not 0 < int(text) <= INT64_MAX:
        raise BadRequest(f"{text[:40]!r} is not a version id of this server")
    return int(text)


def parse_etag(header: str) -> int:
    """`W/"3"` (or `"3"`) -> 3, as sent in If-Match."""
    match = _ETAG.match(header.strip())
    if match is None:
        raise BadRequest(f'If-Match must be an ETag such as W/"3", got {header!r}')
    return int(match["version"])


def now() -> datetime:
    """BSON keeps milliseconds, so the server's clock does too: what we return is exactly what we store."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def next_version(
    definition: ResourceDefinition,
    resource_id: str,
    resource: dict[str, Any] | None,
    previous: StoredVersion | None,
    method: Method,
) -> NewVersion:
    version_id = previous.version_id + 1 if previous else 1
    moment = now()
    if resource is None:
        stored = StoredVersion(definition.name, resource_id, version_id, moment, method, deleted=True)
        return NewVersion(stored)
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = instant_text(moment)
    content = {key: value for key, value in resource.items() if key not in ("resourceType", "id", "meta")}
    body = {"resourceType": definition.name, "id": resource_id, "meta": meta, **content}
    values = extract(body, definition.search_parameters)
    stored = StoredVersion(definition.name, resource_id, version_id, moment, method, resource=body)
    return NewVersion(stored, values.entries, values.missing, values.sort_keys)
