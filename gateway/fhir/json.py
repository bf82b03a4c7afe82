"""FHIR JSON text <-> Python values, keeping every decimal's exact text (0.010 stays 0.010)."""

from decimal import Decimal
from typing import Any

import simplejson

from gateway.fhir.errors import BadRequest

# BSON integers are 64-bit; a larger JSON integer travels as a Decimal so it is stored exactly.
_INT64_MAX = 2**63 - 1


def _parse_int(text: str) -> int | Decimal:
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


def loads(text: bytes | str) -> Any:
    """Parse FHIR JSON; numbers with a fraction or exponent become Decimal so no digit is lost."""
    try:
        return simplejson.loads(
            text,
            use_decimal=True,
            parse_int=_parse_int,
            parse_constant=_reject_constant,
            object_pairs_hook=_object_without_duplicate_keys,
        )
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"The body is not valid JSON: {error}") from None


def dumps(value: Any) -> str:
    """Serialise with Decimals written as their exact text, non-ASCII kept as is."""
    return simplejson.dumps(value, use_decimal=True, ensure_ascii=False, separators=(",", ":"))
