"""Bundle builders: searchset and history Bundles with fullUrl, search mode and paging links."""

from typing import Any
from urllib.parse import urlencode

from gateway.fhir.dates import instant_text
from gateway.fhir.errors import Issue
from gateway.fhir.outcome import operation_outcome
from gateway.fhir.resource_version import Page, StoredVersion

PAGE_TOKEN = "_page_token"


def full_url(base_url: str, version: StoredVersion) -> str:
    return f"{base_url}/{version.resource_type}/{version.id}"


def _url(base_url: str, path: str, parameters: list[tuple[str, str]]) -> str:
    query = urlencode(parameters)
    return f"{base_url}/{path}" + (f"?{query}" if query else "")


def paging_links(base_url: str, path: str, used: list[tuple[str, str]], page: Page) -> list[dict[str, str]]:
    """self, first, previous, next, last: each a URL this server answers, positions as opaque page tokens."""
    without_position = [(name, value) for name, value in used if name != PAGE_TOKEN]
    links = [
        {"relation": "self", "url": _url(base_url, path, used)},
        {"relation": "first", "url": _url(base_url, path, without_position)},
    ]
    for relation, token in (
        ("previous", page.previous_token),
        ("next", page.next_token),
        ("last", page.last_token),
    ):
        if token is not None:
            links.append(
                {"relation": relation, "url": _url(base_url, path, [*without_position, (PAGE_TOKEN, token)])}
            )
    return links


def searchset(
    base_url: str,
    resource_type: str,
    matches: list[dict[str, Any]],
    page: Page,
    used: list[tuple[str, str]],
    warnings: list[Issue],
    included: list[StoredVersion] | None = None,
) -> dict[str, Any]:
    """`matches[i]` is the (possibly summarised) JSON of `page.items[i]`; then `included` (mode include)."""
    versions = page.items
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if page.total is not None:
        bundle["total"] = page.total
    bundle["link"] = paging_links(base_url, resource_type, used, page)
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
    page: Page,
    used: list[tuple[str, str]],
) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "history"}
    if page.total is not None:
        bundle["total"] = page.total
    bundle["link"] = paging_links(base_url, path, used, page)
    if page.items:
        bundle["entry"] = [_history_entry(base_url, version) for version in page.items]
    return bundle
