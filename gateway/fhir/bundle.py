"""Bundle builders: searchset and history Bundles with fullUrl, search mode and paging links."""

from typing import Any
from urllib.parse import urlencode

from gateway.fhir.dates import instant_text
from gateway.fhir.errors import Issue
from gateway.fhir.outcome import operation_outcome
from gateway.fhir.resource_version import StoredVersion

PAGE_TOKEN = "_page_token"


def full_url(base_url: str, version: StoredVersion) -> str:
    return f"{base_url}/{version.resource_type}/{version.id}"


def _url(base_url: str, path: str, parameters: list[tuple[str, str]]) -> str:
    query = urlencode(parameters)
    return f"{base_url}/{path}" + (f"?{query}" if query else "")


def paging_links(
    base_url: str, path: str, used: list[tuple[str, str]], next_token: str | None
) -> list[dict[str, str]]:
    without_position = [(name, value) for name, value in used if name != PAGE_TOKEN]
    links = [
        {"relation": "self", "url": _url(base_url, path, used)},
        {"relation": "first", "url": _url(base_url, path, without_position)},
    ]
    if next_token is not None:
        links.append(
            {"relation": "next", "url": _url(base_url, path, [*without_position, (PAGE_TOKEN, next_token)])}
        )
    return links


def searchset(
    base_url: str,
    resource_type: str,
    matches: list[dict[str, Any]],
    versions: list[StoredVersion],
    total: int | None,
    used: list[tuple[str, str]],
    next_token: str | None,
    warnings: list[Issue],
    included: list[StoredVersion] | None = None,
) -> dict[str, Any]:
    """`matches[i]` is the (possibly summarised) JSON of `versions[i]`; then `included` (mode include)."""
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = paging_links(base_url, resource_type, used, next_token)
    entries: list[dict[str, Any]] = [
        {"fullUrl": full_url(base_url, version), "resource": resource, "search": {"mode": "match"}}
        for resource, version in zip(matches, versions, strict=True)
    ]
    entries += [
        {"fullUrl": full_url(base_url, version), "resource": version.resource, "search": {"mode": "include"}}
        for version in included or []
    ]
    if warnings:
        entries.append({"resource": operation_outcome(warnings), "search": {"mode": "outcome"}})
    if entries:
        bundle["entry"] = entries
    return bundle


def _history_entry(base_url: str, version: StoredVersion) -> dict[str, Any]:
    url = f"{version.resource_type}/{version.id}"
    entry: dict[str, Any] = {"fullUrl": full_url(base_url, version)}
    if version.resource is not None:
        entry["resource"] = version.resource
    entry["request"] = {
        "method": version.method,
        "url": url if version.method != "POST" else version.resource_type,
    }
    status = "201 Created" if version.method == "POST" or version.version_id == 1 else "200 OK"
    entry["response"] = {
        "status": "204 No Content" if version.deleted else status,
        "etag": f'W/"{version.version_id}"',
        "lastModified": instant_text(version.last_updated),
    }
    return entry


def history(
    base_url: str,
    path: str,
    versions: list[StoredVersion],
    total: int | None,
    used: list[tuple[str, str]],
    next_token: str | None,
) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "history"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = paging_links(base_url, path, used, next_token)
    if versions:
        bundle["entry"] = [_history_entry(base_url, version) for version in versions]
    return bundle
