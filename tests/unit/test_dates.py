from datetime import UTC, datetime

import pytest

from gateway.fhir.dates import date_range, http_date, instant_text


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("1974", utc(1974, 1, 1), utc(1975, 1, 1)),
        ("1974-12", utc(1974, 12, 1), utc(1975, 1, 1)),
        ("1974-02", utc(1974, 2, 1), utc(1974, 3, 1)),
        ("1974-12-25", utc(1974, 12, 25), utc(1974, 12, 26)),
        ("2015-02-07T13:28", utc(2015, 2, 7, 13, 28), utc(2015, 2, 7, 13, 29)),
        ("2015-02-07T13:28:17+02:00", utc(2015, 2, 7, 11, 28, 17), utc(2015, 2, 7, 11, 28, 18)),
        (
            "2015-02-07T13:28:17.239Z",
            utc(2015, 2, 7, 13, 28, 17, 239000),
            utc(2015, 2, 7, 13, 28, 17, 240000),
        ),
        (
            "2015-02-07T13:28:17.2-05:00",
            utc(2015, 2, 7, 18, 28, 17, 200000),
            utc(2015, 2, 7, 18, 28, 17, 300000),
        ),
    ],
)
def test_a_date_covers_the_range_of_its_precision(text, low, high):
    assert date_range(text) == (low, high)


@pytest.mark.parametrize("text", ["xyz", "1974-13", "2001-02-30", "19740101", "1974-1-1", ""])
def test_malformed_dates_are_refused(text):
    with pytest.raises(ValueError):
        date_range(text)


def test_instants_and_http_dates_are_formatted_in_utc():
    moment = utc(2026, 11, 25, 10, 0, 0, 123000)
    assert instant_text(moment) == "2026-11-25T10:00:00.123Z"
    assert http_date(moment) == "Wed, 25 Nov 2026 10:00:00 GMT"
