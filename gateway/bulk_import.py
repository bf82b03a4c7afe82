"""`fhir-gateway import`: load FHIR Bundles (Synthea output) and single resources (HL7 examples) through the
same service as the REST face.

Each file is one batch or transaction Bundle, processed as `POST /` would: a transaction is all-or-nothing,
so a file that fails leaves nothing behind. Batches load before transactions, because Synthea's patient
transactions refer by condition to the practitioners and organizations its support batches hold.
"""

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gateway.fhir.errors import FhirError
from gateway.fhir.json import loads
from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.fhir.resource_version import StoredVersion
from gateway.service.bundles import process_bundle
from gateway.service.interactions import FhirService, SearchOutcome, WriteOutcome
from gateway.settings import Settings
from gateway.store.database import connect
from gateway.store.embedded import EmbeddedMongo
from gateway.store.resource_store import ResourceStore


@dataclass
class ImportSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    bad_files: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad_files and not self.failed

    def table(self) -> str:
        types = sorted(set(self.created) | set(self.updated) | set(self.failed))
        lines = [f"{'type':<24}{'created':>9}{'updated':>9}{'failed':>8}"]
        for name in types:
            lines.append(f"{name:<24}{self.created[name]:>9}{self.updated[name]:>9}{self.failed[name]:>8}")
        lines += [f"skipped {path}: {reason}" for path, reason in self.bad_files]
        return "\n".join(lines)


def bundle_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(item for item in path.rglob("*.json") if item.is_file())
        else:
            yield path


def _entry_types(bundle: dict[str, Any]) -> list[str]:
    types = []
    for entry in bundle.get("entry") or []:
        request = entry.get("request") if isinstance(entry, dict) else None
        url = str(request.get("url", "")) if isinstance(request, dict) else ""
        types.append(url.split("?")[0].split("/")[0] or "?")
    return types


class _Counted:
    """The service as a Bundle's entries see it, advancing the progress bar once per entry processed."""

    def __init__(self, service: FhirService, progress: "Progress | None", label: str) -> None:
        self._service, self._progress, self.label = service, progress, label

    @property
    def store(self) -> ResourceStore:
        return self._service.store

    def _advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(1, self.label)

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self._service.transaction()

    async def match(
        self, resource_type: str, query: str, base_url: str, what: str = "The condition"
    ) -> StoredVersion | None:
        return await self._service.match(resource_type, query, base_url, what)

    async def read(self, resource_type: str, resource_id: str) -> StoredVersion:
        found = await self._service.read(resource_type, resource_id)
        self._advance()
        return found

    async def search(
        self, resource_type: str, parameters: list[tuple[str, str]], base_url: str, strict: bool = False
    ) -> SearchOutcome:
        # Conditional references search too: only searches that are entries count.
        return await self._service.search(resource_type, parameters, base_url, strict)

    async def create(
        self,
        resource_type: str,
        resource: Any,
        if_none_exist: str | None = None,
        base_url: str = "",
        resource_id: str | None = None,
    ) -> WriteOutcome:
        outcome = await self._service.create(resource_type, resource, if_none_exist, base_url, resource_id)
        self._advance()
        return outcome

    async def update(
        self, resource_type: str, resource_id: str, resource: Any, if_match: int | None = None
    ) -> WriteOutcome:
        outcome = await self._service.update(resource_type, resource_id, resource, if_match)
        self._advance()
        return outcome

    async def delete(
        self, resource_type: str, resource_id: str, if_match: int | None = None
    ) -> StoredVersion | None:
        deleted = await self._service.delete(resource_type, resource_id, if_match)
        self._advance()
        return deleted


class Progress:
    """A one-line progress bar on stderr: entries done of the total, and the current file."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.stream = max(total, 1), 0, stream or sys.stderr

    def advance(self, count: int, label: str) -> None:
        self.done = min(self.total, self.done + count)
        filled = int(30 * self.done / self.total)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {label[:40]:<40}"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")


def _load(path: Path) -> dict[str, Any]:
    """A batch or transaction Bundle as it is; any other resource (an HL7 example, a document Bundle, a
    CodeSystem of several MB) as a batch that stores it under its own id, with no request-size limit."""
    bundle = loads(path.read_bytes())
    if not isinstance(bundle, dict) or not isinstance(bundle.get("resourceType"), str):
        raise ValueError("not a FHIR resource")
    if bundle["resourceType"] == "Bundle" and bundle.get("type") in ("batch", "transaction"):
        return bundle
    kind, resource_id = bundle["resourceType"], bundle.get("id")
    request = (
        {"method": "PUT", "url": f"{kind}/{resource_id}"} if resource_id else {"method": "POST", "url": kind}
    )
    return {"resourceType": "Bundle", "type": "batch", "entry": [{"resource": bundle, "request": request}]}


async def import_bundles(
    service: FhirService, paths: list[Path], show_progress: bool = True
) -> ImportSummary:
    summary = ImportSummary()
    loaded: list[tuple[Path, dict[str, Any]]] = []
    for path in bundle_files(paths):
        try:
            loaded.append((path, _load(path)))
        except (OSError, ValueError) as error:
            summary.bad_files.append((path, str(error)))
        except FhirError as error:  # the FHIR JSON reader's BadRequest
            summary.bad_files.append((path, error.diagnostics))
    loaded.sort(key=lambda item: item[1]["type"] != "batch")  # stable: batches first, then in order
    progress = (
        Progress(sum(len(bundle.get("entry") or []) for _, bundle in loaded)) if show_progress else None
    )
    for path, bundle in loaded:
        types = _entry_types(bundle)
        done_before = progress.done if progress else 0
        try:
            answer = await process_bundle(_Counted(service, progress, path.name), bundle, "")
        except FhirError as error:
            summary.failed.update(types)
            summary.bad_files.append((path, error.diagnostics))
        else:
            for name, entry in zip(types, answer["entry"], strict=True):
                status = entry["response"]["status"]
                counter = {"201": summary.created, "200": summary.updated}.get(status[:3], summary.failed)
                counter[name] += 1
        if progress:  # entries answered without a write (matches, searches) or a failed file
            progress.advance(done_before + len(types) - progress.done, path.name)
    if progress:
        progress.close()
    return summary


async def run_import(settings: Settings, paths: list[Path], show_progress: bool = True) -> ImportSummary:
    """Open the store `serve` would use (MONGODB_URI, else the embedded one in the data dir) and import."""
    embedded = EmbeddedMongo(settings.data_dir) if settings.mongodb_uri is None else None
    uri = embedded.start() if embedded else settings.mongodb_uri
    assert uri is not None
    database = await connect(uri, settings.database_name, list(CORE_DEFINITIONS))
    try:
        return await import_bundles(FhirService(ResourceStore(database)), paths, show_progress)
    finally:
        database.close()
        if embedded:
            embedded.stop()
