"""What a resource's search keys cost the bulk seed on the embedded SQLite engine: bench/scale.py's seed
(generated Patients, one Observation each, through the store's bulk path) with the store's keys, then
without the string prefix keys (`family^w` .. `family^willia`), alternating, each pair in fresh stores.

    .venv/bin/python bench/seed_keys.py                       # 1k and 5k Patients, two pairs
    .venv/bin/python bench/seed_keys.py --sizes 1000 --pairs 3

Without prefix keys a prefix search finds nothing (nothing else answers it yet): only the seed is measured.
It prints, per run, bench/scale.py's seed columns and the key rows one Patient stores (keys and `missing`
codes). Asserts nothing.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and would shadow graphql-core (see graph.py).
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402

from bench.scale import embedded_seeder, patient  # noqa: E402
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS  # noqa: E402
from gateway.service.versions import next_version  # noqa: E402
from gateway.store import search_keys  # noqa: E402
from gateway.store.writes import current_document  # noqa: E402

STORE_PREFIX_KEYS = search_keys.PREFIX_KEYS


def patient_rows() -> tuple[int, int]:
    """The `multikey_entries` rows of one generated Patient: its keys and its missing codes."""
    version = next_version(RESOURCE_DEFINITIONS["Patient"], "p", patient(1, random.Random(1)), None, "POST")
    document = current_document(version)
    return len(document["keys"]), len(document["missing"])


async def seed(sizes: list[int]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="seed-keys-") as data_dir:
        async with embedded_seeder(Path(data_dir), "seed") as seeder:
            lines = []
            for size in sizes:
                columns = await seeder.grow_to(size)
                lines.append(
                    f"{size}: " + ", ".join(f"{name} {value:.1f}" for name, value in columns.items())
                )
            return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000])
    parser.add_argument("--pairs", type=int, default=2)
    arguments = parser.parse_args()
    for _ in range(arguments.pairs):
        for prefix_keys, label in ((STORE_PREFIX_KEYS, "store's keys"), (0, "no prefix keys")):
            search_keys.PREFIX_KEYS = prefix_keys
            keys, missing = patient_rows()
            rows = f"{keys + missing} key rows per Patient: {keys} keys, {missing} missing codes"
            print(f"{label} ({rows})", flush=True)
            for line in asyncio.run(seed(sorted(arguments.sizes))):
                print(f"  {line}", flush=True)


if __name__ == "__main__":
    main()
