"""The kept introspection answers: one computation per document in the worker thread, failures not kept."""

import asyncio
import threading

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from schema.introspection import Introspections, introspection_only

GUARD_SECONDS = 600  # ends a wait that went wrong; the waits end on conditions


async def test_requests_for_one_document_share_one_computation():
    introspections, calls, release = Introspections(), [], threading.Event()

    def compute() -> ExecutionResult:
        calls.append(threading.current_thread().name)
        release.wait(GUARD_SECONDS)
        return ExecutionResult(data={"__typename": "Query"}, errors=None)

    waiting = [asyncio.create_task(introspections.answer("document", compute)) for _ in range(3)]
    await asyncio.sleep(0)  # each task runs up to its wait for the answer
    release.set()
    answers = await asyncio.wait_for(asyncio.gather(*waiting), GUARD_SECONDS)
    assert answers[0] is answers[1] is answers[2]
    assert len(calls) == 1 and calls[0].startswith("graphql-introspection")
    assert await introspections.answer("document", compute) is answers[0] and len(calls) == 1


async def test_an_answer_with_errors_is_computed_again_next_time():
    introspections, calls = Introspections(), []

    def compute() -> ExecutionResult:
        calls.append(1)
        return ExecutionResult(data=None, errors=[GraphQLError("no")])

    await introspections.answer("document", compute)
    await introspections.answer("document", compute)
    assert len(calls) == 2 and not introspections.running_or_kept("document")


async def test_past_its_size_answers_are_computed_without_being_kept():
    introspections = Introspections(size=1)

    def compute() -> ExecutionResult:
        return ExecutionResult(data={"__typename": "Query"}, errors=None)

    await introspections.answer("first", compute)
    second = await introspections.answer("second", compute)
    assert second.data == {"__typename": "Query"}
    assert introspections.running_or_kept("first") and not introspections.running_or_kept("second")


def test_a_kept_answer_is_serialised_once():
    introspections, written = Introspections(), []

    def serialise(result: ExecutionResult) -> bytes:
        written.append(result)
        return b"{}"

    kept = asyncio.run(introspections.answer("document", lambda: ExecutionResult(data={"a": 1}, errors=None)))
    other = ExecutionResult(data={"a": 1}, errors=None)
    assert introspections.body(kept, serialise) == introspections.body(kept, serialise) == b"{}"
    introspections.body(other, serialise)
    introspections.body(other, serialise)
    assert written == [kept, other, other]


def test_only_documents_asking_the_schema_alone_are_introspections():
    assert introspection_only("{ __schema { types { name } } }")
    assert introspection_only('query A { __type(name: "Patient") { name } __typename }')
    assert not introspection_only("{ __schema { types { name } } PatientList { id } }")
    assert not introspection_only("{ __schema ")
