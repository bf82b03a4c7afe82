"""FHIR JSON text <-> Python values, keeping every decimal's exact text (0.010 stays 0.010).

Every JSON body either face reads comes through `loads`, so the one guard on shape lives here: nesting at most
MAX_DEPTH levels, no string that is not valid Unicode (lone surrogates from `\\ud800`), no number that
cannot be stored exactly (BSON's Decimal128 holds 34 digits and exponents within +-6143).
"""

from decimal import Decimal
from typing import Any

import simplejson

from gateway.fhir.errors import BadRequest

MAX_DEPTH = 100  # FHIR resources nest a dozen levels; extensions of extensions rarely pass 30
# BSON integers are 64-bit; a larger JSON integer travels as a Decimal so it is stored exactly.
_INT64_MAX = 2**63 - 1
_DECIMAL_DIGITS = 34
_DECIMAL_EXPONENT = 6111  # Decimal128's smallest/largest exponent, adjusted for 34 digits


def _parse_int(text: str) -> int | Decimal:
    if len(text) > _DECIMAL_DIGITS + 1:  # int() of a huge digit string is quadratic; refuse it here
        raise ValueError(f"the number {text[:20]}... has more than {_DECIMAL_DIGITS} digits")
    value = int(text)
    return value if -_INT64_MAX - 1 <= value <= _INT64_MAX else Decimal(text)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate property {key!r}")
        result[key] = value
    return result


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable_decimal(value: Decimal) -> bool:
    if not value.is_finite():
        return False
    digits = len(value.as_tuple().digits)
    exponent = value.as_tuple().exponent
    return digits <= _DECIMAL_DIGITS and isinstance(exponent, int) and abs(exponent) <= _DECIMAL_EXPONENT


def check_shape(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """BadRequest unless `value` nests at most `max_depth` levels and holds only valid text and exact numbers.

    Iterative, so a hostile document cannot exhaust the stack here.
    """
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            if depth >= max_depth:
                raise BadRequest(f"The JSON nests more than {max_depth} levels deep")
            for key, child in item.items():
                if not _valid_text(key):
                    raise BadRequest("The JSON has a property name that is not valid Unicode")
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            if depth >= max_depth:
                raise BadRequest(f"The JSON nests more than {max_depth} levels deep")
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if not _valid_text(item):
                raise BadRequest("The JSON has a string that is not valid Unicode (a lone surrogate)")
        elif isinstance(item, Decimal) and not _storable_decimal(item):
            raise BadRequest(
                f"The number {str(item)[:40]} cannot be kept exactly "
                f"(at most {_DECIMAL_DIGITS} digits, exponent within {_DECIMAL_EXPONENT})"
            )


def loads(text: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse FHIR JSON; numbers with a fraction or exponent become Decimal so no digit is lost."""
    try:
        value = simplejson.loads(
            text,
            use_decimal=True,
            parse_int=_parse_int,
            parse_constant=_reject_constant,
            object_pairs_hook=_object_without_duplicate_keys,
        )
    except RecursionError:
        raise BadRequest(f"The JSON nests more than {max_depth} levels deep") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"The body is not valid JSON: {error}") from None
    check_shape(value, max_depth)
    return value


def dumps(value: Any) -> str:
    """Serialise with Decimals written as their exact text, non-ASCII kept as is."""
    return simplejson.dumps(value, use_decimal=True, ensure_ascii=False, separators=(",", ":"))
