"""Benchmark: the GraphQL schema's size and what it costs to build and to introspect.

Every served type (gateway/fhir/resource_types.py) has GraphQL types, so the schema grows with that table.
Prints, in one fresh process: resource types served; named types, fields and arguments (on the Query and
Mutation roots, on reverse lists, on list navigation); the SDL's size and the size of the answer to the
standard introspection query (graphql-core's, as GraphiQL sends it) as the gateway writes it; CPU seconds to
import and build the system schema (start-up); one instance schema built on first use; the median of `runs`
introspections computed afresh; and one answered from the kept answer (what every request after the first
gets, schema/introspection.py).
Usage: .venv/bin/python bench/graphql_schema.py [runs]
"""

import sys
import time
from pathlib import Path

sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

started, started_cpu = time.perf_counter(), time.process_time()

import asyncio  # noqa: E402
import statistics  # noqa: E402
from collections import Counter  # noqa: E402

from graphql import GraphQLInputObjectType, GraphQLObjectType, get_introspection_query  # noqa: E402

from gateway.fhir.json import dumps  # noqa: E402
from schema.build import build_schemas  # noqa: E402
from schema.references import RESOLVED_FIELDS  # noqa: E402
from schema.served import SERVED  # noqa: E402


def _arguments(core) -> Counter[str]:
    """Field arguments by where they are: roots, reverse lists, list navigation, other."""
    counted: Counter[str] = Counter()
    for graphql_type in core.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            if graphql_type.name in ("Query", "Mutation"):
                kind = "roots"
            elif (graphql_type.name, name) in RESOLVED_FIELDS and name != "resource":
                kind = "reverse lists"
            elif field.args and name != "resource":
                kind = "list navigation"
            else:
                kind = "other"
            counted[kind] += len(field.args)
    return counted


def main(runs: int) -> None:
    imported, imported_cpu = time.perf_counter(), time.process_time()
    schemas = build_schemas(16, 30)
    built, built_cpu = time.perf_counter(), time.process_time()
    schemas.instance["Patient"]
    instance, instance_cpu = time.perf_counter() - built, time.process_time() - built_cpu
    core = schemas.system._schema
    objects = [t for t in core.type_map.values() if isinstance(t, GraphQLObjectType | GraphQLInputObjectType)]
    fields = sum(len(t.fields) for t in objects)
    arguments = _arguments(core)
    sdl = schemas.system.as_str()
    query = get_introspection_query()
    timings, cpu_timings = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = schemas.system.execute_sync(query)
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - start_cpu)
        assert result.errors is None, result.errors
    answer = dumps({"data": result.data}).encode()
    asyncio.run(schemas.system.execute(query))  # computed in the worker thread and kept
    start = time.perf_counter()
    asyncio.run(schemas.system.execute(query))
    kept = time.perf_counter() - start
    print(f"resource types served: {len(SERVED)}")
    print(f"named types: {len(core.type_map)}, fields: {fields}, field arguments: {sum(arguments.values())}")
    print("  arguments by place: " + ", ".join(f"{kind} {count}" for kind, count in arguments.most_common()))
    print(f"SDL: {len(sdl.encode()) / 1e6:.2f} MB, {sdl.count(chr(10))} lines")
    print(f"introspection answer (standard query): {len(answer) / 1e6:.2f} MB of JSON")
    # CPU seconds beside wall seconds: on a shared machine the wall clock mostly measures the neighbours.
    print(
        f"start-up: import {imported - started:.2f} s ({imported_cpu - started_cpu:.2f} s CPU)"
        f" + build system schema {built - imported:.2f} s ({built_cpu - imported_cpu:.2f} s CPU)"
    )
    print(f"instance schema (Patient) on first use: {instance:.2f} s ({instance_cpu:.2f} s CPU)")
    print(
        f"introspection computed: median {statistics.median(timings):.2f} s"
        f" ({statistics.median(cpu_timings):.2f} s CPU) of {runs} runs; kept answer: {kept * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
