"""Cost of the REST face's FHIR XML conversion (both ways) per resource, over the HL7 Patient examples.

Run: .venv/bin/python bench/xml_conversion.py  (prints milliseconds per resource; CPU only, no server)"""

import time
from pathlib import Path

from gateway.fhir.json import loads
from gateway.rest.xml import resource_to_xml, xml_to_resource

EXAMPLES = sorted((Path(__file__).parent.parent / "tests" / "data" / "patient").glob("*.json"))
ROUNDS = 20


def main() -> None:
    resources = [loads(path.read_bytes()) for path in EXAMPLES]
    documents = [resource_to_xml(resource) for resource in resources]
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for resource in resources:
            resource_to_xml(resource)
    to_xml = (time.perf_counter() - started) / (ROUNDS * len(resources))
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for document in documents:
            xml_to_resource(document)
    from_xml = (time.perf_counter() - started) / (ROUNDS * len(documents))
    size = sum(len(document) for document in documents) / len(documents)
    print(f"{len(resources)} Patient examples, {ROUNDS} rounds, mean XML size {size:.0f} bytes")
    print(f"JSON -> XML: {to_xml * 1000:.2f} ms per resource")
    print(f"XML -> JSON: {from_xml * 1000:.2f} ms per resource")


if __name__ == "__main__":
    main()
