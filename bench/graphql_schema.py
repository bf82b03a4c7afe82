"""Benchmark: the GraphQL schema's size and what it costs to build and to introspect.

Every served type (gateway/fhir/resource_types.py) has GraphQL types, so the schema grows with that table.
Prints, in one fresh process: resource types served, named types, fields, arguments and SDL size; seconds
to import and build the system schema (start-up); one instance schema built on first use; and the median
of `runs` full introspection queries (what GraphiQL and client generators send).
Usage: .venv/bin/python bench/graphql_schema.py [runs]
"""

import sys
import time
from pathlib import Path

sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

started, started_cpu = time.perf_counter(), time.process_time()

import statistics  # noqa: E402

from graphql import GraphQLInputObjectType, GraphQLObjectType, get_introspection_query  # noqa: E402

from schema.build import build_schemas  # noqa: E402
from schema.served import SERVED  # noqa: E402


def main(runs: int) -> None:
    imported, imported_cpu = time.perf_counter(), time.process_time()
    schemas = build_schemas(16, 30)
    built, built_cpu = time.perf_counter(), time.process_time()
    schemas.instance["Patient"]
    instance, instance_cpu = time.perf_counter() - built, time.process_time() - built_cpu
    core = schemas.system._schema
    objects = [t for t in core.type_map.values() if isinstance(t, GraphQLObjectType | GraphQLInputObjectType)]
    fields = sum(len(t.fields) for t in objects)
    arguments = sum(
        len(f.args) for t in objects if isinstance(t, GraphQLObjectType) for f in t.fields.values()
    )
    sdl = schemas.system.as_str()
    timings, cpu_timings = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = schemas.system.execute_sync(get_introspection_query())
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - start_cpu)
        assert result.errors is None, result.errors
    print(f"resource types served: {len(SERVED)}")
    print(f"named types: {len(core.type_map)}, fields: {fields}, field arguments: {arguments}")
    print(f"SDL: {len(sdl.encode()) / 1e6:.2f} MB, {sdl.count(chr(10))} lines")
    # CPU seconds beside wall seconds: on a shared machine the wall clock mostly measures the neighbours.
    print(
        f"start-up: import {imported - started:.2f} s ({imported_cpu - started_cpu:.2f} s CPU)"
        f" + build system schema {built - imported:.2f} s ({built_cpu - imported_cpu:.2f} s CPU)"
    )
    print(f"instance schema (Patient) on first use: {instance:.2f} s ({instance_cpu:.2f} s CPU)")
    print(
        f"introspection: median {statistics.median(timings):.2f} s"
        f" ({statistics.median(cpu_timings):.2f} s CPU) of {runs} runs"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
