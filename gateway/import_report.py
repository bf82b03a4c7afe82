"""What `fhir-gateway import` tells its user: a progress line per entry (rate, ETA) and the final summary."""

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


@dataclass
class RefusedBundle:
    path: Path
    reason: str
    entries: int  # none of them stored


@dataclass
class ImportSummary:
    """Entries stored (created, updated) and refused one by one, per type; entries not stored because their
    transaction Bundle was refused whole, per type; files that could not be read at all."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    not_stored: Counter[str] = field(default_factory=Counter)  # entries of refused bundles
    refused_bundles: list[RefusedBundle] = field(default_factory=list)
    bad_files: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.bad_files or self.refused_bundles or self.refused)

    @property
    def stored(self) -> int:
        return self.created.total() + self.updated.total()

    def table(self) -> str:
        types = sorted(set(self.created) | set(self.updated) | set(self.refused) | set(self.not_stored))
        lines = [f"{'type':<24}{'created':>9}{'updated':>9}{'refused':>9}{'in refused bundles':>20}"]
        for name in types:
            counts = (self.created[name], self.updated[name], self.refused[name], self.not_stored[name])
            lines.append(f"{name:<24}{counts[0]:>9}{counts[1]:>9}{counts[2]:>9}{counts[3]:>20}")
        lines += [
            f"refused bundle {bundle.path} ({bundle.entries:,} entries not stored): {bundle.reason}"
            for bundle in self.refused_bundles
        ]
        lines += [f"skipped {path}: {reason}" for path, reason in self.bad_files]
        return "\n".join([*lines, self.sentence()])

    def sentence(self) -> str:
        """e.g. "1,340 stored; 3 entries refused; 2 bundles refused (57 entries not stored)"."""
        parts = [f"{self.stored:,} stored", f"{self.refused.total():,} entries refused"]
        bundles, unstored = len(self.refused_bundles), self.not_stored.total()
        parts.append(f"{bundles:,} bundle{'s' * (bundles != 1)} refused ({unstored:,} entries not stored)")
        if self.bad_files:
            parts.append(f"{len(self.bad_files):,} files unreadable")
        return "; ".join(parts)


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class Progress:
    """One line on stderr, redrawn as entries finish: done of total, entries per second, time left, file.
    Redrawn at most every `interval` seconds (and at the end), so a large import does not spend its time
    writing to the terminal."""

    def __init__(self, total: int, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.interval = interval
        self._started = time.monotonic()
        self._drawn = float("-inf")

    def expect(self, entries: int) -> None:
        """More entries to come: the import counts a file's entries when the file is read."""
        self.total += entries

    def advance(self, count: int, label: str) -> None:
        if count == 0:
            return
        self.done = min(self.total, self.done + count)
        now = time.monotonic()
        if now - self._drawn < self.interval and self.done < self.total:
            return
        self._drawn = now
        elapsed = max(now - self._started, 1e-9)
        rate = self.done / elapsed
        left = _clock((self.total - self.done) / rate) if rate > 0 else "?"
        filled = int(30 * self.done / self.total) if self.total else 0
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.total:,} entries "
            f"{rate:,.0f}/s ETA {left} {label[:32]:<32}"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
