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
| `@`  | `1974` `d197` `c19` `m1` `long`; `1974-03` or `y1974` | `lo`, `hi` | every date prefix (then exact) |
| `%`  | `5`, `e1:0`..`e6:0`, `<` `>`  | `n`                     | every number comparison (then exact)     |

Dates and numbers are bucketed on a hierarchy (range_buckets.py): years, decades, centuries, millennia; whole
numbers and blocks of 10^K. An entry stores every bucket it touches on every level (a date entry longer than
YEAR_KEYS years, open or reversed, stores `long` instead), a query the fewest buckets covering its range, so
even `lt1980` or `gt5.4` is a short `$in`. Below years, a date entry touching at most MONTH_KEYS months (a
day, a dateTime, a month) also stores those months (`1974-03`), and a longer one each year it touches as
`y1974`: a query's partial years at its edges ask their months plus `y<year>` instead of the whole year,
so a half-year's candidates are that half-year's births, not the year's. They also stay as `{p, lo, hi}` /
`{p, n, c, s, u}` sub-documents in `search`: a range must be compared within one entry, so a key narrows the
candidates and an `$elemMatch` on `search` decides exactly.
"""

import math
import re
from datetime import datetime, timedelta
from typing import Any

from gateway.store.criteria import AnyOf, Condition, EntryMatch
from gateway.store.range_buckets import Grid

KEYS_FIELD = "keys"
LIVE_KEY = "*"  # every document that is not deleted has it; deleted ones keep no keys at all
SEARCH_FIELD = "search"
MISSING_FIELD = "missing"
# The store's fields that always hold arrays of plain strings (see gateway/store/indexes.py).
ARRAY_FIELDS = frozenset({KEYS_FIELD, MISSING_FIELD})

PREFIX_KEYS = 6  # prefixes stored per folded string; longer searches narrow by the 6-letter one
YEAR_KEYS = 20  # a date entry touching more years than this is keyed once as `<code>@long`
MONTH_KEYS = 3  # a date entry touching at most this many months is also keyed by them, else by `y<year>`
LONG_DATE = "long"
# Years (`1974`), decades (`d197`), centuries (`c19`), millennia (`m1`): any date range is <= ~40 keys.
DATE_GRID = Grid((("", 1), ("d", 10), ("c", 100), ("m", 1000)), 0, 9999, LONG_DATE, LONG_DATE)
# Whole numbers (`5`, `-3`), then blocks of 10^k (`e2:1` is [100, 200)) up to 10^6; beyond +-10^7, `<`/`>`.
NUMBER_GRID = Grid(
    (("", 1), *((f"e{power}:", 10**power) for power in range(1, 7))), -(10**7), 10**7 - 1, "<", ">"
)
RANGE_FIELDS = frozenset({"lo", "hi", "n"})  # entries with these stay in `search` for exact comparison


def _naive(moment: datetime) -> datetime:
    # Open ends are the naive datetime.min / datetime.max; every other bound is UTC.
    return moment.replace(tzinfo=None)


def _month(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def _months(first: int, last: int) -> list[str]:
    return [f"{month // 12}-{month % 12 + 1:02d}" for month in range(first, last + 1)]


def _date_buckets(low: datetime, high: datetime) -> list[str]:
    """The year, decade, century and millennium keys of a half-open range, then its months if it touches
    at most MONTH_KEYS of them, else `y<year>` for each year it touches; or LONG_DATE for an open-ended,
    reversed or more than YEAR_KEYS years long one."""
    low, high = _naive(low), _naive(high)
    if low == datetime.min or high == datetime.max or high <= low:
        return [LONG_DATE]
    last = high - timedelta(microseconds=1)
    if last.year - low.year >= YEAR_KEYS:
        return [LONG_DATE]
    years = DATE_GRID.touched(low.year, last.year)
    if _month(last) - _month(low) < MONTH_KEYS:
        return years + _months(_month(low), _month(last))
    return years + [f"y{year}" for year in range(low.year, last.year + 1)]


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
        whole = math.floor(entry["n"])
        keys.extend(f"{code}%{block}" for block in NUMBER_GRID.touched(whole, whole))
    if "lo" in entry:
        keys.extend(f"{code}@{bucket}" for bucket in _date_buckets(entry["lo"], entry["hi"]))
    return keys


def hull_keys(entries: list[dict[str, Any]]) -> list[str]:
    """For a parameter with several date entries, the buckets of the range from the earliest start to the
    latest end. A search with two comparisons on one parameter (`ge` and `lt`) may be met by two different
    entries; keyed by the hull, such a document still holds a key of the range between the comparisons,
    which is what that search looks up (`date_comparisons_keys`)."""
    ranges: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if "lo" in entry:
            ranges.setdefault(entry["p"], []).append(entry)
    keys: list[str] = []
    for code, found in ranges.items():
        if len(found) > 1:
            low = min(_naive(entry["lo"]) for entry in found)
            high = max(_naive(entry["hi"]) for entry in found)
            keys.extend(f"{code}@{bucket}" for bucket in _date_buckets(low, high))
    return keys


def document_keys(entries: list[dict[str, Any]]) -> list[str]:
    return list(
        dict.fromkeys(
            [LIVE_KEY, *(key for entry in entries for key in entry_keys(entry)), *hull_keys(entries)]
        )
    )


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


def _overlap(match: EntryMatch) -> tuple[datetime, datetime]:
    """A range [start, end) that every entry matching the date bounds overlaps (naive; open ends are
    datetime.min / max): `hi > t` or `lo >= t` puts a point of the entry at or after t, `lo < t` or `hi <= t`
    one before t."""
    start, end = datetime.min, datetime.max
    for field_name, op, value in match.bounds:
        moment = _naive(value)
        if (field_name == "lo" and op in ("$gt", "$gte")) or (field_name == "hi" and op == "$gt"):
            start = max(start, moment)
        elif field_name == "hi" and op == "$gte":  # the entry may end at t, its last point just before
            start = max(start, moment - timedelta(microseconds=1) if moment > datetime.min else moment)
        elif field_name == "lo" and op == "$lte":
            end = min(end, moment + timedelta(microseconds=1) if moment < datetime.max else moment)
        else:  # lo < t, hi < t, hi <= t
            end = min(end, moment)
    return start, end


def _date_keys(match: EntryMatch) -> list[str]:
    """The buckets covering the range a match overlaps, and LONG_DATE for entries too wide to bucket."""
    return _cover_keys(match.code, *_overlap(match))


def _cover_keys(code: str, start: datetime, end: datetime) -> list[str]:
    """The fewest buckets covering [start, end): a partial year at either edge as its months and its `y`
    key (entries too long for month keys), whole years and wider inside (range_buckets.py), and LONG_DATE."""
    if end <= start:
        return [f"{code}@{LONG_DATE}"]
    first = 0 if start == datetime.min else _month(start)
    last = DATE_GRID.high * 12 + 11 if end == datetime.max else _month(end - timedelta(microseconds=1))
    buckets: list[str] = []
    if first % 12:  # starts inside a year: its months up to the year's end (or the range's)
        edge_end = min(last, first - first % 12 + 11)
        buckets += [*_months(first, edge_end), f"y{first // 12}"]
        first = edge_end + 1
    if first <= last and (last + 1) % 12:  # ends inside a year: its months from the year's start
        edge_start = max(first, last - last % 12)
        buckets += [*_months(edge_start, last), f"y{last // 12}"]
        last = edge_start - 1
    if first <= last:
        buckets += DATE_GRID.cover(first // 12, last // 12)
    return [f"{code}@{bucket}" for bucket in dict.fromkeys([*buckets, LONG_DATE])]


def _is_date_comparison(match: EntryMatch) -> bool:
    return (
        not match.equals
        and match.starts_with is None
        and match.contains is None
        and bool(match.bounds)
        and all(field_name in ("lo", "hi") for field_name, _, _ in match.bounds)
    )


def date_overlap(condition: Condition) -> tuple[str, datetime, datetime] | None:
    """(parameter, start, end) for a date comparison, or an OR of comparisons on one parameter (`ge` is
    `gt` or `eq`): a range [start, end) that every matching entry overlaps; None for anything else."""
    if isinstance(condition, EntryMatch) and _is_date_comparison(condition):
        return (condition.code, *_overlap(condition))
    if isinstance(condition, AnyOf) and condition.conditions:
        branches = [date_overlap(branch) for branch in condition.conditions]
        codes = {branch[0] for branch in branches if branch is not None}
        if None in branches or len(codes) != 1:
            return None
        starts = [branch[1] for branch in branches if branch is not None]
        ends = [branch[2] for branch in branches if branch is not None]
        return codes.pop(), min(starts), max(ends)
    return None


def date_comparisons_keys(code: str, overlaps: list[tuple[datetime, datetime]]) -> list[str] | None:
    """The keys of which a document matching all of several date comparisons on one parameter holds one:
    the cover of the range between them (`ge2019-01-01&lt2019-07-01`: the half-year's, not every birth
    before July 2019). One entry meeting all of them overlaps that range; several entries meeting one each
    make a hull that does (`hull_keys`). None where the comparisons leave no range between them (`gt2020
    &lt2010` can still be met by one long entry or two entries): each comparison then narrows alone."""
    start = max(start for start, _ in overlaps)
    end = min(end for _, end in overlaps)
    return _cover_keys(code, start, end) if start < end else None


def _number_keys(match: EntryMatch) -> list[str]:
    """The whole-number blocks covering a number range, open-ended or not."""
    lows = [value for name, op, value in match.bounds if name == "n" and op in ("$gte", "$gt")]
    highs = [value for name, op, value in match.bounds if name == "n" and op in ("$lte", "$lt")]
    # floor() is monotonic: a match's whole part lies within the floors of the bounds.
    first = math.floor(max(lows)) if lows else None
    last = math.floor(min(highs)) if highs else None
    if first is None:
        first = min(NUMBER_GRID.low, last if last is not None else NUMBER_GRID.low) - 1
    if last is None:
        last = max(NUMBER_GRID.high, first) + 1
    if last < first:
        return [f"{match.code}%{NUMBER_GRID.below}"]  # nothing can match: any key, the residual decides
    return [f"{match.code}%{block}" for block in NUMBER_GRID.cover(first, last)]


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
