"""Page tokens: a direction plus a row's sort values, encoded as strictly typed literals.

A client holds the token and can change it, so the decoder accepts only a flat list of tagged scalars
(string, integer, decimal, float, datetime, object id, null) and never a document: nothing in a token can
become a query operator (`$where`, `$regex`, `$gt`...) in the keyset filter. Tokens carry no server
state, so every gateway instance reads every other's.
"""

import base64
import binascii
import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId
from bson.decimal128 import Decimal128

FORWARD, BACKWARD, LAST = "a", "b", "l"  # page after a row, page before a row, the last page
MAX_TOKEN_CHARS = 8192  # sort values are short search keys; a longer token was not made here
_INT64 = 2**63
_DECIMAL_TEXT_CHARS = 64


class MalformedToken(ValueError):
    """The token was not made by `encode_position`, or not for this sort."""


def _tagged(value: Any) -> list[Any]:
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        raise TypeError("booleans are not sort values")
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, int):
        return ["i", str(value)]
    if isinstance(value, Decimal):
        return ["d", str(value)]
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, ObjectId):
        return ["o", str(value)]
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return ["t", aware.isoformat()]
    raise TypeError(f"{type(value).__name__} is not a sort value")


def _number_text(text: Any) -> str:
    if not isinstance(text, str) or not 0 < len(text) <= _DECIMAL_TEXT_CHARS or not text.isascii():
        raise MalformedToken("malformed number in page token")
    return text


def _untagged(item: Any) -> Any:
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise MalformedToken("malformed value in page token")
    tag, rest = item[0], item[1:]
    if tag == "n" and not rest:
        return None
    if len(rest) != 1:
        raise MalformedToken("malformed value in page token")
    payload = rest[0]
    try:
        if tag == "s" and isinstance(payload, str):
            return payload
        if tag == "i":
            number = int(_number_text(payload))
            if -_INT64 <= number < _INT64:
                return number
        elif tag == "d":
            decimal = Decimal(_number_text(payload))
            if decimal.is_finite():
                Decimal128(decimal)  # the store's decimal: refuses exponents and digits it cannot hold
                return decimal
        elif tag == "f":
            real = float(_number_text(payload))
            if math.isfinite(real):
                return real
        elif tag == "o" and isinstance(payload, str) and ObjectId.is_valid(payload):
            return ObjectId(payload)
        elif tag == "t" and isinstance(payload, str) and len(payload) <= 40:
            moment = datetime.fromisoformat(payload)
            if moment.tzinfo is not None:
                return moment
    except (ValueError, ArithmeticError):  # decimal errors and OverflowError are ArithmeticErrors
        pass
    raise MalformedToken("malformed value in page token")


def encode_position(direction: str, values: list[Any] | None = None) -> str:
    """An opaque page token: a direction and, except for the last page, the sort values of a row."""
    if values is None:
        return direction
    text = json.dumps([_tagged(value) for value in values], separators=(",", ":"), ensure_ascii=True)
    return direction + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_position(token: str, length: int) -> tuple[str, list[Any] | None]:
    """MalformedToken (a ValueError) unless `encode_position` made `token` for a sort of `length` keys."""
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise MalformedToken("malformed page token")
    direction, payload = token[:1], token[1:]
    if direction == LAST and not payload:
        return LAST, None
    if direction not in (FORWARD, BACKWARD):
        raise MalformedToken("malformed page token")
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        # The size bound above keeps any nesting shallow enough for the parser to refuse cleanly.
        items = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as error:
        raise MalformedToken("malformed page token") from error
    if not isinstance(items, list) or len(items) != length:
        raise MalformedToken("page token does not fit this sort")
    return direction, [_untagged(item) for item in items]
