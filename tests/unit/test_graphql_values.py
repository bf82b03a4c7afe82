from decimal import Decimal

import pytest
from graphql import parse

from gateway.fhir.errors import BadRequest, TooCostly
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from schema.connection import connection_value, decode_cursor, encode_cursor, page_request
from schema.limits import DocumentLimits, checked_document
from schema.scalars import _decimal_literal, _decimal_value
from schema.search_arguments import search_pairs

PATIENT = RESOURCE_DEFINITIONS["Patient"]


def test_a_decimal_keeps_its_digits_from_a_literal_a_json_number_and_a_string():
    assert str(_decimal_value(Decimal("0.010"))) == "0.010"
    assert str(_decimal_value("1.50")) == "1.50"
    literal = parse("{ f(x: 72.580) }").definitions[0].selection_set.selections[0].arguments[0].value
    assert str(_decimal_literal(literal)) == "72.580"


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", True, None])
def test_a_decimal_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(ValueError):
        _decimal_value(value)


def test_list_values_become_one_or_parameter_with_literal_commas_escaped():
    pairs = search_pairs(
        PATIENT, {"family": ["Chalmers", "a,b"], "address_city": ["PleasantVille"], "_count": 5}
    )
    assert pairs == [("address-city", "PleasantVille"), ("family", "Chalmers,a\\,b"), ("_count", "5")]


def test_an_empty_list_of_values_is_no_condition():
    assert search_pairs(PATIENT, {"family": [], "gender": None}) == []


def test_a_cursor_round_trips_the_search_its_page_size_and_offset():
    cursor = encode_cursor([("family", "Chalmers")], 40, 20)
    page = decode_cursor(cursor)
    assert (page.pairs, page.offset, page.count) == ([("family", "Chalmers")], 40, 20)


@pytest.mark.parametrize(
    "cursor", ["", "not-a-cursor", encode_cursor([], -1, 5)[:-2], "eyJwIjpbXSwibyI6LTEsImMiOjV9"]
)
def test_a_cursor_the_server_did_not_make_is_an_invalid_request(cursor):
    with pytest.raises(BadRequest):
        decode_cursor(cursor)


def test_cursors_sit_on_a_grid_from_zero_with_last_holding_the_last_match():
    page = page_request([("_count", "10"), ("_offset", "20")], 20)
    value = connection_value(page, total=45, resources=[])
    assert decode_cursor(value["first"]).offset == 0
    assert decode_cursor(value["previous"]).offset == 10
    assert decode_cursor(value["next"]).offset == 30
    assert decode_cursor(value["last"]).offset == 40
    assert value["count"] == 45 and value["pagesize"] == 10 and value["offset"] == 20


def test_the_first_page_has_no_previous_and_the_last_no_next():
    first = connection_value(page_request([("_count", "10")], 20), total=5, resources=[])
    assert first["previous"] is None and first["next"] is None
    assert decode_cursor(first["last"]).offset == 0


def test_depth_counts_fields_through_fragments_but_not_introspection():
    document = "query { a { b { ...F } } __schema { types { name } } } fragment F on T { c { d } }"
    assert checked_document(document, DocumentLimits(max_depth=4)) is not None
    with pytest.raises(TooCostly, match="4 fields deep"):
        checked_document(document, DocumentLimits(max_depth=3))


def test_aliases_are_counted_in_operations_and_fragments():
    document = "query { x: a { y: b } z: c { ...F } } fragment F on T { w: d }"
    assert checked_document(document, DocumentLimits(max_aliases=4)) is not None
    with pytest.raises(TooCostly, match="4 aliases"):
        checked_document(document, DocumentLimits(max_aliases=3))
