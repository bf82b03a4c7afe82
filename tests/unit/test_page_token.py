"""Page tokens decode into typed literals only: no client can put a query operator into the keyset filter."""

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId

from gateway.store.page_token import BACKWARD, FORWARD, LAST, MalformedToken, decode_position, encode_position


def _forged(payload: Any) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return FORWARD + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_every_kind_of_sort_value_survives_a_round_trip() -> None:
    values = [
        "smith",
        42,
        Decimal("1.50"),
        2.5,
        datetime(2020, 1, 2, 3, 4, 5, 6000, tzinfo=UTC),
        ObjectId(),
        None,
    ]
    direction, decoded = decode_position(encode_position(BACKWARD, values), len(values))
    assert direction == BACKWARD
    assert decoded == values
    assert str(decoded[2]) == "1.50"


def test_the_last_page_token_carries_no_values() -> None:
    assert decode_position(encode_position(LAST), 2) == (LAST, None)


@pytest.mark.parametrize(
    "payload",
    [
        [{"$where": "sleep(100)"}, ["s", "x"]],
        [["s", {"$regex": "^(.*){40}X$"}], ["s", "x"]],
        [[{"$ne": None}], ["s", ""]],
        [["t", {"$gt": {"$date": 0}}], ["s", "x"]],
        [["s", ["s", "nested"]], ["s", "x"]],
        [["i", "1" * 80], ["s", "x"]],
        [["d", "NaN"], ["s", "x"]],
        [["d", "1e999999"], ["s", "x"]],
        [["f", "1e999"], ["s", "x"]],
        [["t", "2020-01-01T00:00:00"], ["s", "x"]],
        [["q", "x"], ["s", "x"]],
        [["o", {"$gt": ""}], ["s", "x"]],
        [["s", "x"]],
        [["s", "x"], ["s", "y"], ["s", "z"]],
        {"$where": "1"},
        "[" * 5000 + "]" * 5000,
        "not json",
    ],
)
def test_a_forged_token_is_refused_before_it_reaches_the_store(payload: Any) -> None:
    with pytest.raises(MalformedToken):
        decode_position(_forged(payload), 2)


def test_an_oversized_or_non_ascii_token_is_refused() -> None:
    with pytest.raises(MalformedToken):
        decode_position(FORWARD + "A" * 100_000, 1)
    with pytest.raises(MalformedToken):
        decode_position(FORWARD + "²", 1)
    with pytest.raises(MalformedToken):
        decode_position("a" + base64.urlsafe_b64encode(b"[" * 5000).decode(), 1)
