"""`fhir-gateway import`: load FHIR Bundles (Synthea output) and single resources (HL7 examples) through the
same service as the REST face.

Two halves: worker processes read, parse and validate the files (gateway/import_reading.py, one file per
task, on every core), and this process writes what they return. Each file is one batch or transaction
Bundle, processed as `POST /` would: a transaction is all-or-nothing, so a file that fails leaves nothing
behind; a transaction made only of plain creates is written in one batch per resource type
(gateway/service/bulk_transaction.py); a batch is tried in one store transaction first, with the same
outcome per entry (gateway/import_batch.py). Batches load before transactions, because Synthea's patient
transactions refer by condition to the practitioners and organizations its support batches hold; files are
stored as they are read, so the batches load while the workers still read the transactions. One
AuditEvent records each file's outcome.
"""

import asyncio
import gc
import multiprocessing
import os
import re
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from gateway.audit.events import Actor, audit_event
from gateway.fhir.errors import FhirError
from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.import_batch import CountedService, in_one_transaction
from gateway.import_reading import ReadFile, die_with_parent, read_file
from gateway.import_report import ImportSummary, Progress, RefusedBundle
from gateway.service.bulk_transaction import create_all, plain_creates
from gateway.service.bundles import process_bundle
from gateway.service.interactions import FhirService
from gateway.service.versions import now
from gateway.settings import Settings
from gateway.store.database import connect
from gateway.store.embedded import EmbeddedMongo
from gateway.store.gate import RETRY_AFTER_SECONDS, StoreBusy
from gateway.store.resource_store import ResourceStore

_ATTEMPTS = 5
_PEEK_BYTES = 4096
_BATCH_TYPE = re.compile(rb'"type"\s*:\s*"batch"')
IMPORTER = Actor(client_id="fhir-gateway import", subject=None, address=None)


def bundle_files(paths: list[Path]) -> list[Path]:
    """The files to import, in the order they are stored: those that look like batch Bundles first (their
    resources are what transactions refer to; a look at the file's start, see `_looks_like_batch`), then
    the others, each group in path order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(item for item in path.rglob("*.json") if item.is_file()))
        else:
            files.append(path)
    return sorted(files, key=lambda path: not _looks_like_batch(path))


def _looks_like_batch(path: Path) -> bool:
    """Whether the file's first bytes declare a batch Bundle. Only an ordering hint, so batches are read,
    and stored, while the workers still read the transactions: `store_files` stores every batch before any
    transaction whatever the hint says."""
    try:
        with path.open("rb") as file:
            return _BATCH_TYPE.search(file.read(_PEEK_BYTES)) is not None
    except OSError:
        return False


def reading_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Worker processes for `read_file`. Forked when this process has no other thread yet (the CLI makes
    the pool before the store starts), so workers inherit the imported models at no cost; else from a fork
    server that imports them once, since forking a process with running threads can deadlock."""
    cores = workers or os.cpu_count() or 1
    if threading.active_count() == 1:
        context: Any = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["gateway.import_reading"])
    return ProcessPoolExecutor(cores, mp_context=context, initializer=die_with_parent)


def start_reading(paths: list[Path], pool: Executor) -> list["asyncio.Future[ReadFile]"]:
    """Hand every file to `pool` now (a forking pool starts its processes at the first one)."""
    loop = asyncio.get_running_loop()
    return [loop.run_in_executor(pool, read_file, path) for path in bundle_files(paths)]


async def _written(
    service: FhirService, read: ReadFile, progress: Progress | None, advance: Callable[[], None]
) -> dict[str, Any]:
    """The Bundle's response; a transaction that met a locked store (StoreBusy: nothing of it was kept) is
    tried again, a few times, as a client would after a 503."""
    assert read.bundle is not None
    creates = plain_creates(read.bundle) if read.kind == "transaction" else None
    started = progress.done if progress else 0

    def rewind() -> None:
        if progress:
            progress.done = started

    for attempt in range(_ATTEMPTS):
        try:
            if creates is not None:
                return await create_all(service, creates, validated=read.validated, on_entry=advance)
            if read.kind == "batch":
                answer = await in_one_transaction(
                    CountedService(service, advance), read.bundle, read.validated
                )
                if answer is not None:
                    return answer
                rewind()
            return await process_bundle(CountedService(service, advance), read.bundle, "")
        except StoreBusy:
            if attempt == _ATTEMPTS - 1:
                raise
            rewind()
            await asyncio.sleep(RETRY_AFTER_SECONDS)
    raise AssertionError("unreachable")


async def _store_bundle(
    service: FhirService, read: ReadFile, progress: Progress | None, summary: ImportSummary
) -> int:
    """Write one read file; the HTTP-like status its AuditEvent records."""
    assert read.bundle is not None
    label = read.path.name

    def advance() -> None:
        if progress is not None:
            progress.advance(1, label)

    try:
        answer = await _written(service, read, progress, advance)
    except FhirError as error:
        summary.not_stored.update(read.entry_types)
        summary.refused_bundles.append(RefusedBundle(read.path, error.diagnostics, read.entries))
        return error.status
    for name, entry in zip(read.entry_types, answer["entry"], strict=True):
        status = entry["response"]["status"]
        counter = {"201": summary.created, "200": summary.updated}.get(status[:3], summary.refused)
        counter[name] += 1
    return 200


async def _audit(service: FhirService, read: ReadFile, status: int) -> None:
    event = audit_event(
        IMPORTER,
        action="C",
        status=status,
        recorded=now(),
        face="import",
        interaction=read.kind or None,
        description=f"{read.path.name}: {read.entries} entries",
    )
    await service.append("AuditEvent", [event])


async def import_bundles(
    service: FhirService, paths: list[Path], show_progress: bool = True, pool: Executor | None = None
) -> ImportSummary:
    """Import with the files read in `pool`'s worker processes (None: read here, each when its turn comes)."""
    if pool is None:
        return await store_files(service, [_read_now(path) for path in bundle_files(paths)], show_progress)
    return await store_files(service, start_reading(paths, pool), show_progress)


async def _read_now(path: Path) -> ReadFile:
    return read_file(path)


async def store_files(
    service: FhirService, reads: Sequence[Awaitable[ReadFile]], show_progress: bool
) -> ImportSummary:
    """Store the files as they are read, in their order: a batch at once, the transactions once every file
    is read and every batch stored (Synthea's patient transactions refer by condition to what its batches
    hold). The progress total grows as files are read."""
    summary = ImportSummary()
    progress = Progress(0) if show_progress else None
    transactions: list[ReadFile] = []
    for reading in reads:
        read = await reading
        if not read.kind:
            summary.bad_files.append((read.path, read.problem or "unreadable"))
            continue
        if progress:
            progress.expect(read.entries)
        if read.kind == "batch":
            await _store_file(service, read, progress, summary)
        else:
            transactions.append(read)
    for read in transactions:
        await _store_file(service, read, progress, summary)
    if progress:
        progress.close()
    return summary


async def _store_file(
    service: FhirService, read: ReadFile, progress: Progress | None, summary: ImportSummary
) -> None:
    done_before = progress.done if progress else 0
    if read.bundle is None:  # a transaction refused by its workers' validation
        summary.not_stored.update(read.entry_types)
        summary.refused_bundles.append(RefusedBundle(read.path, read.problem or "", read.entries))
        status = 400
    else:
        status = await _store_bundle(service, read, progress, summary)
    await _audit(service, read, status)
    if progress:  # entries answered without a write (matches, searches) or a refused file
        progress.advance(done_before + read.entries - progress.done, read.path.name)


def _ending(pool: ProcessPoolExecutor) -> Callable[["asyncio.Future[list[ReadFile]]"], None]:
    """Once every file is read, the workers end while the storing goes on (a failed read is reported by
    `store_files`, which awaits it too)."""

    def end(reading: "asyncio.Future[list[ReadFile]]") -> None:
        if not reading.cancelled():
            reading.exception()
        pool.shutdown(wait=False)

    return end


async def run_import(
    settings: Settings, paths: list[Path], show_progress: bool = True, workers: int | None = None
) -> ImportSummary:
    """Open the store `serve` would use (MONGODB_URI, else the embedded one in the data dir) and import.
    The worker processes start first, before the store's threads, read while the store starts, and end as
    soon as every file is read."""
    # What is loaded by now (the FHIR models, FHIRPath tables, modules: some 300,000 objects) lives as long
    # as the process: frozen, the garbage collector's full collections no longer walk it each time
    # (`gc.freeze`; bench/import_speed.py prints the time collections take).
    gc.freeze()
    pool = reading_pool(workers)
    try:
        reading = start_reading(paths, pool)
        embedded = EmbeddedMongo(settings.data_dir) if settings.mongodb_uri is None else None
        uri = embedded.start() if embedded else settings.mongodb_uri
        assert uri is not None
        database = await connect(uri, settings.database_name, list(CORE_DEFINITIONS), embedded is None)
        asyncio.gather(*reading).add_done_callback(_ending(pool))
        try:
            return await store_files(FhirService(ResourceStore(database)), reading, show_progress)
        finally:
            database.close()
            if embedded:
                embedded.stop()
    finally:
        pool.shutdown(cancel_futures=True)
