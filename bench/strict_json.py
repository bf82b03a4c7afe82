"""Benchmark: what the strict JSON-kind check (gateway/fhir/json_kinds.py) adds to resource validation.

Times `validate_resource` (kinds + model + bindings) and the kind check alone, over every resource in
tests/data and over one large Patient (1000 names of 5 given names each); prints medians per resource.
Usage: .venv/bin/python bench/strict_json.py [runs]
"""

import statistics
import sys
import time
from pathlib import Path
from typing import Any

from gateway.fhir.json import loads
from gateway.fhir.json_kinds import kind_issues
from gateway.fhir.validation import validate_resource

DATA = Path(__file__).parent.parent / "tests" / "data"


def _resources() -> list[dict[str, Any]]:
    found = []
    for path in sorted(DATA.rglob("*.json")):
        value = loads(path.read_bytes())
        if isinstance(value, dict) and value.get("resourceType") not in (None, "Bundle"):
            found.append(value)
    return found


def _median_seconds(work: list[dict[str, Any]], check: Any, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for resource in work:
            check(resource, resource["resourceType"])
        timings.append((time.perf_counter() - started) / len(work))
    return statistics.median(timings)


def main(runs: int) -> None:
    large = {
        "resourceType": "Patient",
        "name": [{"family": f"F{index}", "given": ["a", "b", "c", "d", "e"]} for index in range(1000)],
    }
    for label, work in (("tests/data resources", _resources()), ("large Patient", [large])):
        whole = _median_seconds(work, validate_resource, runs)
        kinds = _median_seconds(work, kind_issues, runs)
        print(
            f"{label} ({len(work)}): validate_resource {whole * 1e3:.3f} ms, of which kind check "
            f"{kinds * 1e3:.3f} ms ({kinds / whole:.0%})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
