"""Adaptation 10 (gateway/store/mongoeco_codec.py) gives exactly what mongoeco's own codec gives.

Every comparison runs upstream's `to_internal` / `encode` with the fast path switched off for its nested
calls, and compares the two results type for type, so an upgrade that changes upstream's output for any of
these values fails here."""

import datetime
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bson
import pytest
from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.son import SON
from bson.timestamp import Timestamp
from mongoeco.core.codec import DocumentCodec
from mongoeco.engines import SQLiteEngine

from gateway.store import mongoeco_codec, mongoeco_patches
from gateway.store.codec import CODEC_OPTIONS
from tests.conftest import DATA, example

mongoeco_patches.apply()

EXAMPLES = sorted(
    path.relative_to(DATA).as_posix() for path in DATA.glob("*/*.json") if "synthea" not in str(path)
)


@contextmanager
def _upstream_only() -> Iterator[None]:
    previous, mongoeco_codec._fallback.active = mongoeco_codec._fallback.active, True
    try:
        yield
    finally:
        mongoeco_codec._fallback.active = previous


def _upstream(method: Callable[[Any], Any], value: Any) -> Any:
    with _upstream_only():
        return method.__wrapped__(value)  # type: ignore[attr-defined]


def _assert_same(actual: Any, expected: Any, path: str = "") -> None:
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), path
        for key in expected:
            _assert_same(actual[key], expected[key], f"{path}/{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), path
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            _assert_same(left, right, f"{path}[{index}]")
    elif isinstance(expected, datetime.datetime):
        assert (actual, actual.tzinfo) == (expected, expected.tzinfo), path
    elif isinstance(expected, float) and expected != expected:
        assert actual != actual, path  # NaN
    else:
        assert actual == expected, path


def _both_paths_agree(document: Any) -> None:
    internal = DocumentCodec.to_internal(document)
    _assert_same(internal, _upstream(DocumentCodec.to_internal, document))
    _assert_same(DocumentCodec.encode(internal), _upstream(DocumentCodec.encode, internal))
    _assert_same(DocumentCodec.encode(document), _upstream(DocumentCodec.encode, document))
    stored = json.loads(json.dumps(DocumentCodec.encode(internal)))  # as the SQLite engine keeps it
    for preserve in (True, False):
        with _upstream_only():
            expected = DocumentCodec.decode.__wrapped__(stored, preserve_bson_wrappers=preserve)  # type: ignore[attr-defined]
        _assert_same(DocumentCodec.decode(stored, preserve_bson_wrappers=preserve), expected)


def _as_received_on_the_wire(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the embedded server decodes it from the store's BSON (decimals as Decimal128)."""
    return bson.decode(bson.encode(document, codec_options=CODEC_OPTIONS))


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_hl7_example_converts_as_upstream_converts_it_and_takes_the_fast_path(name: str):
    stored = _as_received_on_the_wire(
        {
            "_id": "x",
            "resource": example(name),
            "lastUpdated": datetime.datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=datetime.UTC),
        }
    )
    _both_paths_agree(stored)
    mongoeco_codec.plain_internal(stored)  # raises NotPlainJson if the document fell back to upstream
    mongoeco_codec.plain_encoded(DocumentCodec.to_internal(stored))


BSON_SCALARS: list[Any] = [
    datetime.datetime(2026, 1, 2, 3, 4, 5, 678999),
    datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
    Decimal128("1.50"),
    Decimal128("-0"),
    Int64(7),
    2**40,
    ObjectId("64b7f9e2a1b2c3d4e5f60718"),
    Binary(b"\x00\x01", 4),
    b"raw",
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    Regex("^a", "i"),
    Timestamp(5, 1),
    MaxKey(),
    float("nan"),
    float("inf"),
    True,
    None,
    "text",
    1.5,
]


@pytest.mark.parametrize("scalar", BSON_SCALARS, ids=lambda value: type(value).__name__)
def test_each_bson_scalar_converts_as_upstream_converts_it_at_any_depth(scalar: Any):
    _both_paths_agree({"_id": "x", "value": scalar, "nested": {"list": [1, {"deep": [scalar]}]}})


@pytest.mark.parametrize(
    "odd",
    [
        {"$mongoeco": {"type": "int32", "value": 1}},  # shaped like the codec's own tagged values
        {"$mongoeco": 1},
        (1, 2),
        SON([("b", 1), ("a", 2)]),
        2**63,
    ],
    ids=["tagged-shape", "marker-key", "tuple", "son", "int-beyond-int64"],
)
def test_values_the_fast_path_leaves_to_upstream_convert_exactly_as_upstream(odd: Any):
    document = {"_id": "x", "resource": {"value": odd}}
    try:
        expected = _upstream(DocumentCodec.to_internal, document)
    except Exception as error:  # upstream refuses it: so must the adapted codec, with the same error
        with pytest.raises(type(error)):
            DocumentCodec.to_internal(document)
        return
    _both_paths_agree(document)
    _assert_same(DocumentCodec.to_internal(document), expected)


def test_a_key_that_is_not_a_string_is_refused_as_upstream_refuses_it():
    with pytest.raises(TypeError):
        _upstream(DocumentCodec.to_internal, {"_id": "x", "resource": {1: "a"}})
    with pytest.raises(TypeError):
        DocumentCodec.to_internal({"_id": "x", "resource": {1: "a"}})


def test_the_engines_decode_a_stored_payload_as_upstream_does_without_probing_the_codec_signature():
    stored = json.dumps(DocumentCodec.encode(DocumentCodec.to_internal({"_id": "x", "at": BSON_SCALARS[0]})))
    engine = SQLiteEngine(":memory:")
    with _upstream_only():
        expected = SQLiteEngine._decode_codec_payload.__wrapped__(  # type: ignore[attr-defined]
            engine, json.loads(stored), preserve_bson_wrappers=True
        )
    _assert_same(engine._deserialize_document(stored), expected)


def test_the_codec_parts_the_adaptation_relies_on_are_still_there():
    assert DocumentCodec._MARKER == "$mongoeco"
    internal = DocumentCodec.to_internal.__wrapped__({"a": [1]})  # type: ignore[attr-defined]
    assert DocumentCodec.is_internal(internal) and DocumentCodec.is_internal(internal["a"])
    assert DocumentCodec.to_internal.__wrapped__(internal) is internal  # type: ignore[attr-defined]
    assert Path(mongoeco_codec.__file__).name == "mongoeco_codec.py"
