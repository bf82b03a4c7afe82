"""BSON values for the tests of mongoeco adaptations that must convert exactly as upstream does."""

import datetime
import uuid
from typing import Any

from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp


def assert_same(actual: Any, expected: Any, path: str = "") -> None:
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), path
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}/{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), path
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            assert_same(left, right, f"{path}[{index}]")
    elif isinstance(expected, datetime.datetime):
        assert (actual, actual.tzinfo) == (expected, expected.tzinfo), path
    elif isinstance(expected, float) and expected != expected:
        assert actual != actual, path  # NaN
    else:
        assert actual == expected, path


BSON_SCALARS: list[Any] = [
    datetime.datetime(2026, 1, 2, 3, 4, 5, 678999),
    datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
    Decimal128("1.50"),
    Decimal128("-0"),
    Int64(7),
    2**40,
    ObjectId("64b7f9e2a1b2c3d4e5f60718"),
    Binary(b"\x00\x01", 4),
    b"raw",
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    Regex("^a", "i"),
    Timestamp(5, 1),
    MaxKey(),
    float("nan"),
    float("inf"),
    True,
    None,
    "text",
    1.5,
]
