"""Adaptation 10 (gateway/store/mongoeco_codec.py) gives exactly what mongoeco's own codec gives.

Every comparison runs upstream's `to_internal` / `encode` with the fast path switched off for its nested
calls, and compares the two results type for type, so an upgrade that changes upstream's output for any of
these values fails here."""

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bson
import pytest
from bson.son import SON
from mongoeco.core.codec import DocumentCodec
from mongoeco.engines import SQLiteEngine

from gateway.store import mongoeco_codec, mongoeco_patches
from gateway.store.codec import CODEC_OPTIONS
from tests.bson_values import BSON_SCALARS, assert_same
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


def _both_paths_agree(document: Any) -> None:
    internal = DocumentCodec.to_internal(document)
    assert_same(internal, _upstream(DocumentCodec.to_internal, document))
    assert_same(DocumentCodec.encode(internal), _upstream(DocumentCodec.encode, internal))
    assert_same(DocumentCodec.encode(document), _upstream(DocumentCodec.encode, document))
    stored = json.loads(json.dumps(DocumentCodec.encode(internal)))  # as the SQLite engine keeps it
    for preserve in (True, False):
        with _upstream_only():
            expected = DocumentCodec.decode.__wrapped__(stored, preserve_bson_wrappers=preserve)  # type: ignore[attr-defined]
        assert_same(DocumentCodec.decode(stored, preserve_bson_wrappers=preserve), expected)


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
    assert_same(DocumentCodec.to_internal(document), expected)


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
    assert_same(engine._deserialize_document(stored), expected)


def test_the_codec_parts_the_adaptation_relies_on_are_still_there():
    assert DocumentCodec._MARKER == "$mongoeco"
    internal = DocumentCodec.to_internal.__wrapped__({"a": [1]})  # type: ignore[attr-defined]
    assert DocumentCodec.is_internal(internal) and DocumentCodec.is_internal(internal["a"])
    assert DocumentCodec.to_internal.__wrapped__(internal) is internal  # type: ignore[attr-defined]
    assert Path(mongoeco_codec.__file__).name == "mongoeco_codec.py"
