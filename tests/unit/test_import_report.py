"""The import's progress line and summary sentence."""

import io
from collections import Counter
from pathlib import Path

from gateway.import_report import ImportSummary, Progress, RefusedBundle


def test_progress_redraws_per_entry_with_rate_and_time_left():
    stream = io.StringIO()
    progress = Progress(4, stream, interval=0)
    for _ in range(3):
        progress.advance(1, "patient.json")
    lines = stream.getvalue().split("\r")[1:]
    assert [line.split()[1] for line in lines] == ["1/4", "2/4", "3/4"]
    assert all("/s ETA " in line and "patient.json" in line for line in lines)


def test_progress_skips_redraws_within_its_interval_but_always_draws_the_end():
    stream = io.StringIO()
    progress = Progress(1000, stream, interval=3600)
    for _ in range(1000):
        progress.advance(1, "big.json")
    drawn = stream.getvalue().split("\r")[1:]
    assert len(drawn) == 2 and "1,000/1,000 entries" in drawn[-1]


def test_the_summary_tells_refused_entries_from_entries_of_refused_bundles():
    summary = ImportSummary(
        created=Counter({"Patient": 1_300}),
        updated=Counter({"Patient": 40}),
        refused=Counter({"Observation": 3}),
        not_stored=Counter({"Encounter": 50, "Patient": 7}),
        refused_bundles=[RefusedBundle(Path("a.json"), "x", 50), RefusedBundle(Path("b.json"), "y", 7)],
    )
    assert summary.sentence() == "1,340 stored; 3 entries refused; 2 bundles refused (57 entries not stored)"
    assert not summary.ok
    assert "refused bundle a.json (50 entries not stored): x" in summary.table()
