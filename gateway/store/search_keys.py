"""The search-key table: how each extracted search entry becomes plain string keys, and which keys a query
looks up.

One indexed array `keys` of strings serves every parameter type on MongoDB (a multikey single-field index)
and on the embedded store (equality and `$in` on it are index lookups there). A key is `<code><mark><value>`;
codes are letters, digits and `-`/`_`, so the first mark ends the code. The marks (the whole encoding):

| mark | value                         | from the entry          | answers                                  |
|------|-------------------------------|-------------------------|------------------------------------------|
| none | (the code alone)              | any entry               | `:missing=false`                         |
| `=`  | folded string                 | `v`                     | string prefixes longer than PREFIX_KEYS  |
| `^`  | folded prefix, 1..PREFIX_KEYS | `v`                     | string / token `:text` prefixes          |
| `:`  | exact string                  | `x`                     | string `:exact`                          |
| `#`  | code or value, any system     | `c`                     | token `code`, reference, phonetic        |
| `|`  | `system|code` (`|code`: none) | `s`, `c`                | token `system|code` and `|code`          |
| `!`  | system                        | `s`                     | token `system|`                          |
| `~`  | human unit                    | `u`                     | quantity `||unit`                        |
| `@`  | a year the range touches      | `lo`, `hi`              | date `eq` and `ap` (then exact bounds)   |
| `%`  | the number's whole part       | `n`                     | number `eq` and `ap` (then exact bounds) |

Dates and numbers also stay as `{p, lo, hi}` / `{p, n, c, s, u}` sub-documents in `search`: a range must be
compared within one entry, so a key narrows the candidates and an `$elemMatch` on `search` decides exactly.
"""

import math
import re
from datetime import datetime, timedelta
from typing import Any

from gateway.store.criteria import EntryMatch

KEYS_FIELD = "keys"
LIVE_KEY = "*"  # every document that is not deleted has it; deleted ones keep no keys at all
SEARCH_FIELD = "search"
MISSING_FIELD = "missing"

PREFIX_KEYS = 6  # prefixes stored per folded string; longer searches narrow by the 6-letter one
NUMBER_KEYS = 50  # a number range spanning more whole numbers than this is not narrowed by keys
YEAR_KEYS = 20  # a date entry touching more years than this is keyed once as `<code>@long`
LONG_DATE = "long"
RANGE_FIELDS = frozenset({"lo", "hi", "n"})  # entries with these stay in `search` for exact comparison


def _years(low: datetime, high: datetime) -> list[str]:
    """The years a half-open range touches, or LONG_DATE when there are too many to list."""
    # Open ends are the naive datetime.min / datetime.max; every other bound is UTC.
    low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
    if low == datetime.min or high == datetime.max:
        return [LONG_DATE]
    last = max((high - timedelta(microseconds=1)).year if high > low else low.year, low.year)
    if last - low.year >= YEAR_KEYS:
        return [LONG_DATE]
    return [f"{year:04d}" for year in range(low.year, last + 1)]


def entry_keys(entry: dict[str, Any]) -> list[str]:
    """Every key one extracted entry contributes."""
    code = entry["p"]
    keys = [code]
    if "v" in entry:
        folded = entry["v"]
        keys.append(f"{code}={folded}")
        keys.extend(f"{code}^{folded[:length]}" for length in range(1, min(len(folded), PREFIX_KEYS) + 1))
    if "x" in entry:
        keys.append(f"{code}:{entry['x']}")
    if "c" in entry:
        keys.append(f"{code}#{entry['c']}")
        keys.append(f"{code}|{entry.get('s', '')}|{entry['c']}")
    if "s" in entry:
        keys.append(f"{code}!{entry['s']}")
    if "u" in entry:
        keys.append(f"{code}~{entry['u']}")
    if "n" in entry and math.isfinite(entry["n"]):
        keys.append(f"{code}%{math.floor(entry['n'])}")
    if "lo" in entry:
        keys.extend(f"{code}@{year}" for year in _years(entry["lo"], entry["hi"]))
    return keys


def document_keys(entries: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys([LIVE_KEY, *(key for entry in entries for key in entry_keys(entry))]))


def range_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries kept as sub-documents, for the exact comparisons keys cannot make."""
    return [entry for entry in entries if RANGE_FIELDS.intersection(entry)]


def _equality_key(code: str, equals: dict[str, Any]) -> str | None:
    if "x" in equals:
        return f"{code}:{equals['x']}"
    if "c" in equals and "s" in equals:
        return f"{code}|{equals['s'] or ''}|{equals['c']}"
    if "c" in equals:
        return f"{code}#{equals['c']}"
    if "s" in equals and equals["s"] is not None:
        return f"{code}!{equals['s']}"
    if "u" in equals:
        return f"{code}~{equals['u']}"
    return None


def _date_keys(match: EntryMatch) -> list[str] | None:
    """Year keys for a date search bounded on both sides (`eq`, `ap`); open-ended ones cannot be listed."""
    bounds = {(field_name, op): value for field_name, op, value in match.bounds}
    low = bounds.get(("lo", "$gte"), bounds.get(("hi", "$gt")))
    high = bounds.get(("hi", "$lte"), bounds.get(("lo", "$lt")))
    if low is None or high is None:
        return None
    years = _years(low, high)
    if years == [LONG_DATE]:
        return None
    # `eq` wants entries inside the range, which list their years; overlap (`ap`) also meets long ones.
    within = ("lo", "$gte") in bounds
    return [f"{match.code}@{year}" for year in (years if within else [*years, LONG_DATE])]


def _number_keys(match: EntryMatch) -> list[str] | None:
    """Whole-number keys for a number range bounded on both sides (`eq`, `ap`)."""
    lows = [value for field_name, op, value in match.bounds if field_name == "n" and op in ("$gte", "$gt")]
    highs = [value for field_name, op, value in match.bounds if field_name == "n" and op in ("$lte", "$lt")]
    if not lows or not highs or not all(math.isfinite(value) for value in (*lows, *highs)):
        return None
    first, last = math.floor(max(lows)), math.floor(min(highs))
    if last - first > NUMBER_KEYS:
        return None
    return [f"{match.code}%{whole}" for whole in range(first, last + 1)]


def narrowing_keys(match: EntryMatch) -> tuple[list[str] | None, bool]:
    """(keys of which a match holds at least one, or None if no key narrows; whether keys alone decide)."""
    equals = dict(match.equals)
    exact = not match.bounds and match.contains is None
    key = _equality_key(match.code, equals)
    if key is not None:
        return [key], exact and match.starts_with is None and len(equals) <= 2
    if match.starts_with is not None:
        field_name, prefix = match.starts_with
        if field_name == "v" and 0 < len(prefix) <= PREFIX_KEYS:
            return [f"{match.code}^{prefix}"], exact
        if field_name == "v" and prefix:
            return [f"{match.code}^{prefix[:PREFIX_KEYS]}"], False
        return None, False
    if match.bounds and match.bounds[0][0] in ("lo", "hi"):
        return _date_keys(match), False
    if match.bounds and match.bounds[0][0] == "n":
        return _number_keys(match), False
    return None, False


def prefix_residual(match: EntryMatch) -> dict[str, Any] | None:
    """The exact test for what a key only narrows, written on the keys themselves where it can be."""
    if match.starts_with is not None and not match.bounds and not match.equals:
        field_name, prefix = match.starts_with
        mark = "=" if field_name == "v" else "#"
        return {KEYS_FIELD: {"$regex": "^" + re.escape(f"{match.code}{mark}{prefix}")}}
    if match.contains is not None and not match.bounds and not match.equals:
        field_name, part = match.contains
        return {KEYS_FIELD: {"$regex": "^" + re.escape(f"{match.code}=") + ".*" + re.escape(part)}}
    return None
