"""Introspection answers: computed off the event loop, once per document, and kept.

The schema never changes while the process runs, so the answer to an introspection query without
variables never does either. With every served type it takes seconds of CPU (`bench/graphql_schema.py`):
on the event loop that would hold up every other request of the process meanwhile, so it runs in a worker
thread, and requests for a document already being answered wait for that one answer instead of starting
another. GraphiQL and client generators send the same few documents, so a handful are kept.
"""

import asyncio
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from strawberry.types import ExecutionResult

# One thread for the process: introspections hold the GIL, so more threads would only take turns.
INTROSPECTION_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-introspection")


def introspection_only(query: str) -> bool:
    """Every root field of every operation is `__schema`, `__type` or `__typename`."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return bool(operations) and all(
        isinstance(selection, FieldNode) and selection.name.value.startswith("__")
        for operation in operations
        for selection in operation.selection_set.selections
    )


class Introspections:
    """The answers of one schema, keyed by (document, operation name); at most `size` are kept."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._answers: dict[Hashable, Future[ExecutionResult]] = {}
        self._bodies: dict[int, bytes] = {}
        self._lock = threading.RLock()  # a done callback may run inside `answer`

    def running_or_kept(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._answers

    async def answer(self, key: Hashable, compute: Callable[[], ExecutionResult]) -> ExecutionResult:
        """The kept answer for `key`, or `compute()`'s, run in the worker thread (and kept without errors)."""
        with self._lock:
            future = self._answers.get(key)
            if future is None:
                future = INTROSPECTION_WORKER.submit(compute)
                if len(self._answers) < self.size:
                    self._answers[key] = future
                    future.add_done_callback(lambda done: self._forget_failed(key, done))
        return await asyncio.wrap_future(future)

    def _forget_failed(self, key: Hashable, future: Future[ExecutionResult]) -> None:
        """A failed answer is not kept: the next request tries again."""
        if future.exception() is not None or future.result().errors:
            with self._lock:
                if self._answers.get(key) is future:
                    del self._answers[key]

    def body(self, result: ExecutionResult, serialize: Callable[[ExecutionResult], bytes]) -> bytes:
        """`serialize(result)`, kept beside a kept answer: ten megabytes of JSON take a quarter second."""
        with self._lock:
            kept = any(
                future.done() and future.exception() is None and future.result() is result
                for future in self._answers.values()
            )
            if kept and id(result) in self._bodies:
                return self._bodies[id(result)]
        body = serialize(result)
        if kept:
            with self._lock:
                self._bodies[id(result)] = body
        return body
