"""The CPU half of `fhir-gateway import`, run in worker processes: read one file, parse its JSON, and
validate every resource a transaction would store (fhir.resources models, strict JSON kinds, required
bindings).

Pure and picklable both ways (a path in, plain data out), so `concurrent.futures.ProcessPoolExecutor` can
run it on every core while the parent process writes. A transaction with one invalid entry is refused
whole, as `POST /` would refuse it, before the store sees it; a valid one is marked `validated`, so the
service stores it without validating again. Batch entries are judged one by one by the service itself (a
refused entry does not stop the others); a batch made only of creates is validated here too, and marked
`validated` when every resource passes, for the bulk path that writes such batches.
"""

import ctypes
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.fhir.errors import FhirError
from gateway.fhir.json import loads
from gateway.fhir.validation import validate_resource

_WRITES = ("POST", "PUT")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class ReadFile:
    """One file, read and checked. `bundle` is None when the file is unusable or a refused transaction
    (`problem` says why); `entry_types` still counts the entries it held."""

    path: Path
    kind: str = ""  # "batch" or "transaction"
    bundle: dict[str, Any] | None = None
    entry_types: list[str] = field(default_factory=list)  # per entry of the file as read
    validated: bool = False  # every resource in `bundle` passed validate_resource
    problem: str | None = None

    @property
    def entries(self) -> int:
        return len(self.entry_types)


def as_bundle(content: Any) -> dict[str, Any]:
    """A batch or transaction Bundle as it is; any other resource (an HL7 example, a document Bundle, a
    CodeSystem of several MB) as a batch that stores it under its own id, with no request-size limit."""
    if not isinstance(content, dict) or not isinstance(content.get("resourceType"), str):
        raise ValueError("not a FHIR resource")
    if content["resourceType"] == "Bundle" and content.get("type") in ("batch", "transaction"):
        return content
    kind, resource_id = content["resourceType"], content.get("id")
    request = (
        {"method": "PUT", "url": f"{kind}/{resource_id}"} if resource_id else {"method": "POST", "url": kind}
    )
    return {"resourceType": "Bundle", "type": "batch", "entry": [{"resource": content, "request": request}]}


def _request(entry: Any) -> tuple[str, str]:
    """(method, resource type) of an entry as far as it can be told; the service judges the rest."""
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        return "", "?"
    url = str(request.get("url", ""))
    return str(request.get("method", "")), url.split("?")[0].split("/")[0] or "?"


def _refusal(entry: Any, method: str, resource_type: str) -> str | None:
    """Why the entry's resource cannot be stored, or None. Only writes carry a resource to check."""
    if method not in _WRITES or not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        return None
    try:
        validate_resource(entry["resource"], resource_type)
    except FhirError as error:
        return error.diagnostics
    return None


def die_with_parent() -> None:
    """A worker's initializer: end when the process that made it dies, even by kill -9 (Linux asks the
    kernel to signal it; forked workers hold their queue's pipe open themselves and would wait forever)."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the request above took effect
        os._exit(1)


def read_file(path: Path) -> ReadFile:
    read = ReadFile(path)
    try:
        bundle = as_bundle(loads(path.read_bytes()))
    except (OSError, ValueError) as error:
        read.problem = str(error)
        return read
    except FhirError as error:  # the FHIR JSON reader's BadRequest
        read.problem = error.diagnostics
        return read
    read.kind = str(bundle["type"])
    raw_entries = bundle.get("entry") or []
    if not isinstance(raw_entries, list):
        read.problem = "Bundle.entry must be a list"
        return read
    for entry in raw_entries:
        read.entry_types.append(_request(entry)[1])
    if read.kind == "transaction":
        for index, entry in enumerate(raw_entries):
            method, resource_type = _request(entry)
            refusal = _refusal(entry, method, resource_type)
            if refusal is not None:  # all or nothing: one refused entry refuses the file
                read.problem = f"Bundle.entry[{index}]: {refusal}"
                return read
        read.validated = True
    elif all(_request(entry)[0] == "POST" for entry in raw_entries):
        # A batch of creates may be written in bulk (gateway/service/bulk_batch.py), which validates
        # nothing again when every resource passed here; else the service judges each entry itself.
        read.validated = all(_refusal(entry, "POST", _request(entry)[1]) is None for entry in raw_entries)
    read.bundle = bundle
    return read
