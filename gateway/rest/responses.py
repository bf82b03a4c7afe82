"""FHIR JSON responses and the version headers (ETag, Last-Modified, Location) of a resource version."""

from typing import Any

from starlette.responses import Response

from gateway.fhir.dates import http_date
from gateway.fhir.json import dumps
from gateway.fhir.resource_version import StoredVersion

FHIR_JSON = "application/fhir+json"


class FhirResponse(Response):
    media_type = f"{FHIR_JSON}; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return b"" if content is None else dumps(content).encode("utf-8")


def version_headers(version: StoredVersion, base_url: str | None = None) -> dict[str, str]:
    headers = {"ETag": f'W/"{version.version_id}"', "Last-Modified": http_date(version.last_updated)}
    if base_url is not None:
        headers["Location"] = f"{base_url}/{version.resource_type}/{version.id}/_history/{version.version_id}"
    return headers
