"""Read a batch or transaction Bundle's entries (method, URL, resource) and rewrite references in them."""

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gateway.fhir.errors import BadRequest
from gateway.fhir.json import loads
from gateway.service.patch import PatchFormat, patch_format
from gateway.service.versions import check_id, parse_etag

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# An empty query (`Patient?`) is conditional too, and refused for having no criteria, never stored verbatim.
_CONDITIONAL_REFERENCE = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)\?(?P<query>.*)$")


@dataclass
class BundleEntry:
    index: int
    method: str
    resource_type: str
    resource_id: str | None
    query: str | None  # GET Type?query (a search)
    resource: dict[str, Any] | None
    full_url: str | None
    if_none_exist: str | None
    if_match: int | None

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}]"


def _url_parts(url: str, base_url: str, where: str) -> tuple[str, str | None, str | None]:
    """`Patient`, `Patient/123` or `Patient?name=x` (absolute URLs on this server too)."""
    if url.startswith(base_url + "/"):
        url = url[len(base_url) + 1 :]
    path, _, query = url.partition("?")
    parts = path.strip("/").split("/")
    if not parts[0] or len(parts) > 2 or not re.match(r"^[A-Z][A-Za-z]+$", parts[0]):
        raise BadRequest(
            f"{where}.request.url {url!r} is not Type, Type/id or Type?query", expression=(where,)
        )
    resource_id = check_id(parts[1]) if len(parts) == 2 else None
    return parts[0], resource_id, query or None


def _entry(index: int, raw: Any, base_url: str) -> BundleEntry:
    where = f"Bundle.entry[{index}]"
    request = raw.get("request") if isinstance(raw, dict) else None
    if not isinstance(request, dict) or request.get("method") not in METHODS or not request.get("url"):
        raise BadRequest(
            f"{where}.request needs a method ({', '.join(METHODS)}) and a url", expression=(where,)
        )
    method = request["method"]
    resource_type, resource_id, query = _url_parts(str(request["url"]), base_url, where)
    resource = raw.get("resource")
    if method in ("POST", "PUT", "PATCH") and not isinstance(resource, dict):
        raise BadRequest(f"{where}: {method} needs a resource", expression=(f"{where}.resource",))
    if method in ("PUT", "DELETE", "PATCH") and resource_id is None and query is None:
        raise BadRequest(f"{where}: {method} needs Type/id or Type?criteria", expression=(where,))
    if method == "POST" and (resource_id is not None or query is not None):
        raise BadRequest(f"{where}: POST takes the type alone as url", expression=(where,))
    if_match = request.get("ifMatch")
    if_none_exist = request.get("ifNoneExist")
    if if_none_exist is not None and (not isinstance(if_none_exist, str) or not if_none_exist.strip("?")):
        raise BadRequest(
            f"{where}.request.ifNoneExist must be a search query such as identifier=x",
            expression=(f"{where}.request.ifNoneExist",),
        )
    return BundleEntry(
        index,
        method,
        resource_type,
        resource_id,
        query,
        resource if isinstance(resource, dict) else None,
        raw.get("fullUrl") if isinstance(raw.get("fullUrl"), str) else None,
        if_none_exist,
        parse_etag(if_match) if isinstance(if_match, str) else None,
    )


def entry_patch(entry: BundleEntry) -> tuple[PatchFormat, Any]:
    """A PATCH entry's patch: a Binary holding a JSON Patch (http.html#transaction), or a FHIRPath Patch
    Parameters resource."""
    resource = entry.resource or {}
    if resource.get("resourceType") == "Parameters":
        return "fhirpath-patch", resource
    if resource.get("resourceType") != "Binary" or not isinstance(resource.get("data"), str):
        raise BadRequest(
            f"{entry.where}: PATCH takes a Binary (JSON Patch in data) or a Parameters (FHIRPath Patch)",
            expression=(f"{entry.where}.resource",),
        )
    try:
        body = loads(base64.b64decode(resource["data"], validate=True))
    except (ValueError, binascii.Error):
        raise BadRequest(f"{entry.where}: the Binary's data is not base64 JSON") from None
    content_type = str(resource.get("contentType", "application/json-patch+json")).split(";")[0].strip()
    return patch_format(content_type, body), body


def read_entries(bundle: Any, base_url: str) -> tuple[str, list[BundleEntry]]:
    """(bundle type, entries); anything malformed is a 400 before anything runs."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise BadRequest("POST / takes a Bundle", expression=("resourceType",))
    kind = bundle.get("type")
    if kind not in ("batch", "transaction"):
        raise BadRequest(
            f"Bundle.type must be batch or transaction, not {kind!r}", expression=("Bundle.type",)
        )
    raw_entries = bundle.get("entry", [])
    if not isinstance(raw_entries, list):
        raise BadRequest("Bundle.entry must be a list", expression=("Bundle.entry",))
    return kind, [_entry(index, raw, base_url) for index, raw in enumerate(raw_entries)]


Resolver = Callable[[str, str], Awaitable[str]]  # (type, query) -> "Type/id" of the one match


async def rewrite_references(value: Any, local: dict[str, str], resolve: Resolver, where: str) -> Any:
    """A copy of `value` whose `reference`s to bundle entries (fullUrl) or conditional ones are `Type/id`.
    The targets are found first, in document order (each conditional one searched once), then the copy is
    made in one plain walk."""
    targets: dict[str, str] = {}
    for reference in _references(value):
        if reference not in targets:
            targets[reference] = await _target(reference, local, resolve, where)
    return _rewritten(value, targets)


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)


def _rewritten(value: Any, targets: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_rewritten(item, targets) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        key: targets[item] if key == "reference" and isinstance(item, str) else _rewritten(item, targets)
        for key, item in value.items()
    }


async def _target(reference: str, local: dict[str, str], resolve: Resolver, where: str) -> str:
    if reference in local:
        return local[reference]
    conditional = _CONDITIONAL_REFERENCE.match(reference)
    if conditional:
        return await resolve(conditional["type"], conditional["query"])
    if reference.startswith(("urn:uuid:", "urn:oid:")):
        raise BadRequest(f"{where}: {reference} is no entry of this Bundle", expression=(where,))
    return reference
