"""A file in the data directory holding audit events that could not be stored before shutdown.

One JSON event per line, appended and fsynced, owner-only (0600). The trail replays it into the store
at the next start and removes it once stored, so a stop never loses events, however busy the store was.
"""

import os
from pathlib import Path
from typing import Any

from gateway.fhir.errors import FhirError
from gateway.fhir.json import dumps, loads

JOURNAL_FILE = "audit-journal.jsonl"


class AuditJournal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as journal:
            journal.writelines(dumps(event) + "\n" for event in events)
            journal.flush()
            os.fsync(journal.fileno())

    def read(self) -> list[dict[str, Any]]:
        """The journaled events; a line cut short by a crash while writing is skipped."""
        if not self.path.exists():
            return []
        events = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(loads(line))
            except (ValueError, FhirError):
                continue
        return events

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
