"""Whole numbers from request text (parameters, path segments): ASCII digits only, within stated bounds.

`str.isdigit()` accepts '²' and other Unicode digits that `int()` then refuses, and an unbounded integer
overflows the store's 64-bit fields; both used to end as 500s.
"""

import re

from gateway.fhir.errors import BadRequest

INT64_MAX = 2**63 - 1
_WHOLE = re.compile(r"-?[0-9]{1,19}", re.ASCII)


def is_ascii_whole(text: str) -> bool:
    """True for optional minus and 1-19 ASCII digits: what `whole_number` may accept."""
    return _WHOLE.fullmatch(text) is not None


def whole_number(name: str, text: str, minimum: int = 0, maximum: int = INT64_MAX) -> int:
    """The integer `text` spells, or BadRequest naming `name` and the allowed range."""
    if is_ascii_whole(text):
        value = int(text)
        if minimum <= value <= maximum:
            return value
    raise BadRequest(
        f"{name} must be a whole number from {minimum} to {maximum}, got {text[:40]!r}", expression=(name,)
    )
