"""Adaptation 12 (gateway/store/mongoeco_wire_values.py): the wire server's value conversions give what
mongoeco's own give, type for type, on every HL7 example and each BSON type at depth, both ways."""

import datetime
from decimal import Decimal
from typing import Any

import bson
import pytest
from bson.binary import UuidRepresentation
from bson.code import Code
from bson.dbref import DBRef
from bson.son import SON
from mongoeco.core.bson_scalars import BsonDouble, BsonInt32, BsonInt64
from mongoeco.types import SON as MongoecoSON
from mongoeco.wire import bson_bridge, protocol

from gateway.store import mongoeco_patches, mongoeco_wire_values
from gateway.store.codec import CODEC_OPTIONS
from tests.bson_values import BSON_SCALARS, assert_same
from tests.conftest import DATA, example

mongoeco_patches.apply()

EXAMPLES = sorted(
    path.relative_to(DATA).as_posix() for path in DATA.glob("*/*.json") if "synthea" not in str(path)
)


def _received(document: dict[str, Any]) -> dict[str, Any]:
    """As the wire server's BSON decoder hands it over."""
    standard_uuids = CODEC_OPTIONS.with_options(uuid_representation=UuidRepresentation.STANDARD)
    return bson.decode(bson.encode(document, codec_options=standard_uuids), codec_options=CODEC_OPTIONS)


def _both_ways_agree(document: dict[str, Any]) -> None:
    received = _received(document)
    decoded = mongoeco_wire_values.decode_wire_value(received)
    assert_same(decoded, bson_bridge.decode_wire_value(received))
    assert_same(mongoeco_wire_values.encode_wire_value(decoded), bson_bridge.encode_wire_value(decoded))


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_hl7_example_converts_as_upstream_converts_it(name: str):
    at = datetime.datetime(2026, 11, 30, 12, 0, 0, 123000, tzinfo=datetime.UTC)
    _both_ways_agree({"_id": "x", "resource": example(name), "lastUpdated": at})


@pytest.mark.parametrize(
    "scalar",
    [
        *BSON_SCALARS,
        SON([("b", 1), ("a", 2)]),
        DBRef("c", "1", "d", extra=1),
        Code("f()"),
        Code("f()", {"a": 1}),
    ],
    ids=lambda value: type(value).__name__,
)
def test_each_bson_value_converts_as_upstream_converts_it_at_any_depth(scalar: Any):
    _both_ways_agree({"_id": "x", "value": scalar, "nested": {"list": [1, {"deep": [scalar]}]}})


def test_the_wire_protocol_uses_the_adapted_conversions_and_upstream_still_has_its_own():
    assert protocol.decode_wire_value is mongoeco_wire_values.decode_wire_value
    assert protocol.encode_wire_value is mongoeco_wire_values.encode_wire_value
    assert bson_bridge.decode_wire_value is mongoeco_wire_values._upstream_decode
    assert bson_bridge.encode_wire_value is mongoeco_wire_values._upstream_encode


def test_ordered_documents_and_mongoeco_wrappers_convert_as_upstream_converts_them():
    received = {"son": SON([("b", 1), ("a", [SON([("z", 2)])])])}
    assert_same(mongoeco_wire_values.decode_wire_value(received), bson_bridge.decode_wire_value(received))
    answered = {
        "son": MongoecoSON([("b", BsonInt32(1)), ("a", [BsonInt64(2), BsonDouble(1.5)])]),
        "decimal": Decimal("1.50"),
    }
    assert_same(mongoeco_wire_values.encode_wire_value(answered), bson_bridge.encode_wire_value(answered))
