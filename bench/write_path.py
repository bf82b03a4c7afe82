"""Where a write's CPU time goes before it reaches the store: model validation and FHIRPath extraction.

    .venv/bin/python bench/write_path.py

Runs over the 22 HL7 Patient examples (tests/data/patient), many rounds, and prints per-resource medians.
"""

import statistics
import time
from pathlib import Path

from gateway.fhir.json import loads
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.search_values import extract
from gateway.fhir.validation import validate_resource

EXAMPLES = sorted((Path(__file__).parent.parent / "tests" / "data" / "patient").glob("*.json"))
PARAMETERS = RESOURCE_DEFINITIONS["Patient"].search_parameters
ROUNDS = 50


def per_resource_ms(work: object) -> float:
    samples = []
    resources = [loads(path.read_bytes()) for path in EXAMPLES]
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for resource in resources:
            work(resource)  # type: ignore[operator]
        samples.append((time.perf_counter() - began) * 1000 / len(resources))
    return statistics.median(samples)


def main() -> None:
    extract(loads(EXAMPLES[0].read_bytes()), PARAMETERS)  # compile the FHIRPath expressions once
    validation = per_resource_ms(lambda resource: validate_resource(resource, "Patient"))
    extraction = per_resource_ms(lambda resource: extract(resource, PARAMETERS))
    print(f"{len(EXAMPLES)} HL7 Patient examples, {len(PARAMETERS)} parameters, median of {ROUNDS} rounds")
    print(f"validation (fhir.resources + bindings): {validation:.2f} ms per resource")
    print(
        f"search values (fhirpathpy, all params):  {extraction:.2f} ms per resource "
        f"({extraction / len(PARAMETERS) * 1000:.0f} µs per parameter)"
    )
    print(f"extraction / validation: {extraction / validation:.2f}x")


if __name__ == "__main__":
    main()
