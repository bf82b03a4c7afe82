"""FHIR date, dateTime and instant values as half-open UTC ranges [low, high): `1974` spans the whole year."""

import re
from datetime import UTC, datetime, timedelta

# ASCII digits only: `\d` would also take "²".
_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$",
    re.ASCII,
)
# The ends of what Python and BSON hold: ranges that would pass them stop there instead of overflowing.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def shifted(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, held within [EARLIEST, LATEST]."""
    try:
        return moment + delta
    except OverflowError:
        return LATEST if delta > timedelta(0) else EARLIEST


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    return LATEST if year > LATEST.year else moment.replace(year=year, month=month_index % 12 + 1)


def _zone(text: str | None) -> timedelta:
    if not text or text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return sign * timedelta(hours=hours, minutes=minutes)


def date_range(text: str) -> tuple[datetime, datetime]:
    """The UTC instants [low, high) that a FHIR date/dateTime/instant covers; ValueError when malformed.

    A value without a time zone is read as UTC (the server's zone), as HAPI does by default.
    """
    match = _PATTERN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a FHIR date, dateTime or instant")
    parts = match.groupdict()
    year = int(parts["year"])
    month = int(parts["month"] or 1)
    day = int(parts["day"] or 1)
    low = datetime(year, month, day, tzinfo=UTC)  # raises ValueError for 2001-02-30
    if parts["month"] is None:
        return low, _add_months(low, 12)
    if parts["day"] is None:
        return low, _add_months(low, 1)
    if parts["hour"] is None:
        return low, shifted(low, timedelta(days=1))
    fraction = parts["fraction"] or ""
    local = datetime(
        year,
        month,
        day,
        int(parts["hour"]),
        int(parts["minute"]),
        int(parts["second"] or 0),
        int((fraction + "000000")[:6]),
        tzinfo=UTC,
    )
    precise = shifted(local, -_zone(parts["zone"]))
    if parts["second"] is None:
        return precise, shifted(precise, timedelta(minutes=1))
    # BSON keeps milliseconds: the range covers the stated precision, at least one millisecond.
    step = timedelta(microseconds=10 ** max(3, 6 - len(fraction))) if fraction else timedelta(seconds=1)
    return precise, shifted(precise, step)


def instant_text(moment: datetime) -> str:
    """A FHIR instant in UTC with millisecond precision, e.g. 2026-11-25T10:00:00.123Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(moment: datetime) -> str:
    """RFC 9110 IMF-fixdate, for Last-Modified."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
