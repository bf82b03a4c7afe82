"""GraphQL document limits, checked on tokens and the syntax tree in linear time, fragments measured once."""

import pytest
from graphql import get_introspection_query

from gateway.fhir.errors import BadRequest, TooCostly
from schema.limits import DocumentLimits, checked_document

LIMITS = DocumentLimits(max_depth=4, max_aliases=3, max_repeats=5, max_tokens=1000)


def _nested_fragments(levels: int, spreads: int) -> str:
    fragments = [
        f"fragment F{index} on Patient {{ {' '.join([f'...F{index + 1}'] * spreads)} }}"
        for index in range(levels - 1)
    ]
    fragments.append(f"fragment F{levels - 1} on Patient {{ id }}")
    return "{ PatientList { ...F0 } } " + " ".join(fragments)


def test_the_introspection_query_graphiql_sends_is_accepted():
    assert checked_document(get_introspection_query(descriptions=True), DocumentLimits()) is not None


def test_depth_counts_fields_inside_fragments_where_they_are_spread():
    fragment = "fragment N on HumanName { period { start } }"
    assert checked_document("{ PatientList { name { ...N } } } " + fragment, LIMITS) is not None
    with pytest.raises(TooCostly, match="5 fields deep"):
        checked_document("{ PatientList { contact { name { ...N } } } } " + fragment, LIMITS)


def test_fragments_spreading_fragments_are_refused_without_expanding_them():
    with pytest.raises(TooCostly, match="'id'"):
        checked_document(_nested_fragments(40, 4), DocumentLimits())  # 4^39 fields if expanded


def test_a_fragment_cycle_is_refused():
    with pytest.raises(BadRequest, match="cycle"):
        checked_document(
            "{ PatientList { ...A } } fragment A on Patient { ...B } fragment B on Patient { ...A }", LIMITS
        )


def test_a_long_chain_of_fragments_does_not_exhaust_the_stack():
    chain = " ".join(f"fragment F{index} on Patient {{ ...F{index + 1} }}" for index in range(400))
    document = "{ PatientList { ...F0 } } " + chain + " fragment F400 on Patient { id }"
    assert checked_document(document, DocumentLimits(max_tokens=50_000)) is not None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{ PatientList { " + "id " * 6 + "} }", "'id' more than 5 times"),
        (
            "{ a: PatientList { id } b: PatientList { id } c: PatientList { id } d: PatientList { id } }",
            "aliases",
        ),
        ("{ PatientList { " + "name { " * 100 + "family" + " }" * 101, "brackets"),
        ("{ PatientList(_count: " + "[" * 100 + "1" + "]" * 100 + ") { id } }", "brackets"),
        ("{ PatientList { " + " ".join(f"f{index}" for index in range(2000)) + " } }", "tokens"),
    ],
)
def test_costly_documents_are_refused(document, message):
    with pytest.raises(TooCostly, match=message):
        checked_document(document, LIMITS)


def test_a_directive_repeated_on_many_fields_is_not_a_repeat():
    fields = " ".join(f"f{index}: id @include(if: true)" for index in range(3))
    assert checked_document("{ PatientList { " + fields + " } }", LIMITS) is not None


def test_a_syntax_error_is_left_to_the_engine():
    assert checked_document("{ PatientList { id ", LIMITS) is None
