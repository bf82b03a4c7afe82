"""Adaptation 10 of mongoeco (see mongoeco_patches.py): one pass over a plain JSON document in its codec.

Every written document crosses mongoeco's `DocumentCodec` twice: `to_internal` at the command boundary
(`encode`, then `decode`, then a third walk wrapping every container immutable) and `encode` again where the
SQLite engine serialises it. `encode` validates the whole subtree at every level of nesting
(`validate_bson_value` walks everything below the dict it is given), so a FHIR resource, five to eight
levels deep, was walked five to eight times: the largest part of the import's CPU (docs/storage.md).

A stored FHIR document is plain JSON (dicts with string keys, lists, strings, booleans, None, floats and
integers within BSON's int64) with a few BSON scalars among them (`lastUpdated` and an audit event's `at`
are datetimes, decimals are Decimal128). Upstream's codec is compositional: a dict converts to the dict of
its converted values (unless the result is shaped like one of mongoeco's tagged values), a list to the list
of its converted items. So the fast paths below walk the containers once and convert each scalar on its
own: plain JSON scalars are their own result, and any other scalar goes through upstream's own conversion
for that one value. A container that is not exactly a dict or a list (a tuple, a SON), a dict with a
non-string key or shaped like a tagged value, sends the whole document to upstream untouched.
Reading back is the same in reverse: `decode` of a stored document keeps plain JSON as it is and hands each
tagged value (the one-key dicts `encode` wrote) to upstream's own decoding; and the engines' payload
decoding calls it directly where upstream first ran `inspect.signature` on it for every document read.
`tests/unit/test_mongoeco_codec.py` compares both paths on every HL7 example and on each BSON type, and
fails if an upgrade changes what upstream returns for them.
"""

import threading
from typing import Any

from mongoeco.core import codec as codec_module
from mongoeco.core.codec import DocumentCodec
from mongoeco.engines import MemoryEngine, SQLiteEngine

_TAG = DocumentCodec._MARKER  # a one-key dict with this key may be (or be read as) a tagged value
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_InternalDocument = codec_module._InternalBsonDocument
_InternalArray = codec_module._InternalBsonArray
_DOCUMENTS = (dict, _InternalDocument)
_ARRAYS = (list, _InternalArray)
_CONTAINERS = (dict, list, tuple, set, frozenset)  # any other kind of these goes to upstream whole


class NotPlainJson(Exception):
    """The value holds something other than plain JSON: upstream's codec handles it."""


def _is_plain_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or kind is float or value is None:
        return True
    return kind is int and _INT64_MIN <= value <= _INT64_MAX


def _upstream_encoded(value: Any) -> Any:
    previous, _fallback.active = _fallback.active, True
    try:
        return _upstream_encode(value)
    finally:
        _fallback.active = previous


# Strings, booleans, floats and None are their own result on every path; tested inline, before any call,
# because nearly every value of a document is one of them.
_SELF = frozenset({str, bool, float, type(None)})


def _checked_keys(document: Any) -> None:
    if _TAG in document and len(document) == 1:
        raise NotPlainJson
    for key in document:
        if type(key) is not str:
            raise NotPlainJson


def plain_internal(value: Any) -> Any:
    """What upstream's `to_internal` returns for a document of plain containers, in one walk (NotPlainJson
    when the document needs upstream's whole path)."""
    kind = type(value)
    if kind is dict:
        _checked_keys(value)
        return _InternalDocument(
            {key: item if type(item) in _SELF else plain_internal(item) for key, item in value.items()}
        )
    if kind is list:
        return _InternalArray([item if type(item) in _SELF else plain_internal(item) for item in value])
    if kind in _DOCUMENTS or kind in _ARRAYS or isinstance(value, _CONTAINERS):
        raise NotPlainJson
    if _is_plain_scalar(value):
        return value
    decoded = DocumentCodec.decode(_upstream_encoded(value), preserve_bson_wrappers=True)
    return codec_module._own_internal_bson(decoded)


def plain_encoded(value: Any) -> Any:
    """What upstream's `encode` returns for a document of plain containers (internal ones included)."""
    kind = type(value)
    if kind in _DOCUMENTS:
        _checked_keys(value)
        return {key: item if type(item) in _SELF else plain_encoded(item) for key, item in value.items()}
    if kind in _ARRAYS:
        return [item if type(item) in _SELF else plain_encoded(item) for item in value]
    if isinstance(value, _CONTAINERS):
        raise NotPlainJson
    if _is_plain_scalar(value):
        return value
    return _upstream_encoded(value)


def plain_decoded(value: Any, preserve_bson_wrappers: bool) -> Any:
    """What upstream's `decode` returns, in one walk: only tagged values go through upstream's decoding."""
    kind = type(value)
    if kind is dict:
        if _TAG in value and len(value) == 1:
            return _upstream_decode(value, preserve_bson_wrappers=preserve_bson_wrappers)
        return {key: plain_decoded(item, preserve_bson_wrappers) for key, item in value.items()}
    if kind is list:
        return [plain_decoded(item, preserve_bson_wrappers) for item in value]
    if isinstance(value, dict | list):
        return _upstream_decode(value, preserve_bson_wrappers=preserve_bson_wrappers)
    return value


class _Fallback(threading.local):
    # Upstream's encode calls itself per level; inside it the fast path would fail again on the same value.
    active = False


_fallback = _Fallback()
_upstream_encode = DocumentCodec.encode  # bound before apply() replaces them
_upstream_decode = DocumentCodec.decode


def _fast_to_internal(original: Any) -> Any:
    def to_internal(data: Any) -> Any:
        if type(data) is dict:
            try:
                return plain_internal(data)
            except NotPlainJson:
                pass
        return original(data)

    to_internal.__wrapped__ = original  # type: ignore[attr-defined]
    return to_internal


def _fast_encode(original: Any) -> Any:
    def encode(data: Any) -> Any:
        if _fallback.active:
            return original(data)
        try:
            return plain_encoded(data)
        except NotPlainJson:
            return _upstream_encoded(data)

    encode.__wrapped__ = original  # type: ignore[attr-defined]
    return encode


def _fast_decode(original: Any) -> Any:
    def decode(data: Any, *, preserve_bson_wrappers: bool = False) -> Any:
        if _fallback.active:
            return original(data, preserve_bson_wrappers=preserve_bson_wrappers)
        return plain_decoded(data, preserve_bson_wrappers)

    decode.__wrapped__ = original  # type: ignore[attr-defined]
    return decode


def _payload_decoded_directly(original: Any) -> Any:
    def decode_payload(self: Any, payload: object, *, preserve_bson_wrappers: bool) -> Any:
        if self._codec is not DocumentCodec:
            return original(self, payload, preserve_bson_wrappers=preserve_bson_wrappers)
        return DocumentCodec.decode(payload, preserve_bson_wrappers=preserve_bson_wrappers)

    decode_payload.__wrapped__ = original  # type: ignore[attr-defined]
    return decode_payload


def apply() -> None:
    """Install adaptation 10 (called once by mongoeco_patches.apply)."""
    DocumentCodec.to_internal = staticmethod(_fast_to_internal(DocumentCodec.to_internal))  # type: ignore[method-assign]
    DocumentCodec.encode = staticmethod(_fast_encode(DocumentCodec.encode))  # type: ignore[method-assign]
    DocumentCodec.decode = staticmethod(_fast_decode(DocumentCodec.decode))  # type: ignore[method-assign]
    for engine in (SQLiteEngine, MemoryEngine):
        engine._decode_codec_payload = _payload_decoded_directly(engine._decode_codec_payload)  # type: ignore[method-assign]
