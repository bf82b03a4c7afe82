"""Adaptation 13 (gateway/store/mongoeco_bulk_rows.py): the SQLite engine's key rows of a bulk insert are
the rows upstream builds, and the parts of upstream it relies on are still there."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from mongoeco.engines import _sqlite_bulk
from mongoeco.engines.sqlite import SQLiteEngine

from gateway.store import mongoeco_bulk_rows, mongoeco_patches

mongoeco_patches.apply()

INDEXES = [
    {"name": "keys_1", "fields": ["keys"], "multikey": True},
    {"name": "missing_1", "fields": ["missing"], "multikey": True},
    {"name": "versionId_1", "fields": ["versionId"], "multikey": False},
]


def _rows(build: Any, document: dict[str, Any]) -> set[tuple[str, str, int, str]]:
    engine = SQLiteEngine(":memory:")
    return set(build(engine, "key", document, INDEXES))


@pytest.mark.parametrize(
    "document",
    [
        {
            "keys": ["*", "name^s", "name^sm", "name^s"],
            "missing": ["gender"],
            "versionId": 1,
        },  # strings, repeats
        {"keys": [], "missing": ["a"]},
        {"keys": "not-an-array"},
        {"other": 1},
        {"keys": ["a", 1, 2.5, True, None, Decimal("1.5"), datetime.datetime(2020, 1, 1)]},  # mixed: upstream
    ],
    ids=["strings", "empty", "scalar", "absent", "mixed"],
)
def test_the_rows_are_upstreams(document):
    assert _rows(mongoeco_bulk_rows.multikey_rows, document) == _rows(
        mongoeco_bulk_rows._upstream_rows, document
    )


def test_a_prepared_documents_size_is_at_least_its_payload_and_grows_with_its_rows():
    payload = '{"resource": "x"}' * 100
    rows = [("keys_1", "string", 1, f"k{n}") for n in range(60)]
    assert mongoeco_bulk_rows.prepared_size(("key", payload, [])) >= len(payload)
    assert mongoeco_bulk_rows.prepared_size(("key", payload, rows)) > mongoeco_bulk_rows.prepared_size(
        ("key", payload, rows[:1])
    )


def test_the_upstream_parts_the_adaptation_relies_on_are_still_there():
    assert SQLiteEngine._build_multikey_rows_for_document is mongoeco_bulk_rows.multikey_rows
    assert "_prepared_document_bytes" in _sqlite_bulk.SQLiteBulkPreparation.step.__code__.co_names
    assert _sqlite_bulk._prepared_document_bytes is mongoeco_bulk_rows.prepared_size
    assert SQLiteEngine._multikey_value_signature("text") == ("string", "text")
