"""Adaptation 12 of mongoeco (see mongoeco_patches.py): the wire server converts plain values at once.

mongoeco's wire server turns every BSON document it receives into its own types (`decode_wire_value`) and
every document it answers back (`encode_wire_value`), one recursive call per value, each value tested against
a dozen BSON classes before it falls through unchanged. A stored FHIR document is plain JSON plus a few
datetimes and decimals, so almost every test fails: most of the wire server's own CPU in an import.

Both conversions are compositional (a dict converts to the dict of its converted values, a list to the list
of its items), so the walks below keep exactly the values upstream returns unchanged (str, bool, float,
None, a Python int, a datetime: exact types, so no BSON subclass such as Int64 or SON slips through) and
hand every other value to upstream's own function. `tests/unit/test_mongoeco_wire_values.py` compares both on
every HL7 example and on each BSON type, nested, and fails if an upgrade changes what upstream returns.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mongoeco.wire import bson_bridge, protocol

_UNCHANGED = frozenset({str, bool, float, int, type(None), datetime})
_upstream_decode = bson_bridge.decode_wire_value
_upstream_encode = bson_bridge.encode_wire_value


def _plain_walk(upstream: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """What `upstream` returns, in one walk: plain values kept, containers walked, the rest to `upstream`."""

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind in _UNCHANGED:
            return value
        if kind is dict:
            return {key: item if type(item) in _UNCHANGED else convert(item) for key, item in value.items()}
        if kind is list:
            return [item if type(item) in _UNCHANGED else convert(item) for item in value]
        return upstream(value)

    return convert


decode_wire_value = _plain_walk(_upstream_decode)
encode_wire_value = _plain_walk(_upstream_encode)


def apply() -> None:
    """Install adaptation 12 (called once by mongoeco_patches.apply): the wire protocol module's names, which
    it imported from bson_bridge."""
    setattr(protocol, "decode_wire_value", decode_wire_value)  # noqa: B010 - a module attribute, on purpose
    setattr(protocol, "encode_wire_value", encode_wire_value)  # noqa: B010 - a module attribute, on purpose
