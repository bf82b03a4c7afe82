"""Adaptation 13 of mongoeco (see mongoeco_patches.py): SQLite prepares a bulk insert's key rows at once.

Every stored document carries its search keys, an array of some fifty to a hundred strings under a multikey
index (docs/storage.md), and the SQLite engine prepares one index row per key: a call to type the value,
another to weigh the type, then, to decide where a bulk insert's step ends, `sys.getsizeof` of every field of
every row. For an import that is the engine's largest cost after encoding the documents.

- `multikey_rows` builds the rows of an array made only of strings directly: the same distinct
  `("string", value)` entries with the same weight, the rows upstream builds (in another order; a row's
  order means nothing to SQLite). Any other array goes through upstream's method.
- `prepared_size` estimates a prepared document's size from its serialised length and its row count, where
  upstream measured every object; it only decides where a step of at most `document_limit` documents ends
  early (upstream: "not total bulk memory"), and stays above the payload's own size.
`tests/unit/test_mongoeco_bulk_rows.py` compares the rows with upstream's and pins the parts relied on.
"""

import sys
from typing import Any

from mongoeco.core.paths import get_document_value
from mongoeco.engines import _sqlite_bulk
from mongoeco.engines.sqlite import SQLiteEngine

Row = tuple[str, str, int, str]
_ROW_BYTES = 200  # a row tuple and its four values, generously
_upstream_rows = SQLiteEngine._build_multikey_rows_for_document
_STRING_WEIGHT = SQLiteEngine._multikey_type_score("string")


def multikey_rows(self: Any, storage_key: str, document: Any, indexes: list[Any]) -> list[Row]:
    """What upstream's `_build_multikey_rows_for_document` returns (as a set of rows)."""
    rows: list[Row] = []
    for index in indexes:
        if not index.get("multikey"):
            continue
        found, value = get_document_value(document, index["fields"][0])
        if found and isinstance(value, list) and all(type(item) is str for item in value):
            name = str(index["name"])
            rows.extend((name, "string", _STRING_WEIGHT, item) for item in dict.fromkeys(value))
        else:
            rows.extend(_upstream_rows(self, storage_key, document, [index]))
    return rows


def prepared_size(prepared: tuple[str, str, list[Row]]) -> int:
    storage_key, payload, rows = prepared
    return sys.getsizeof(payload) + sys.getsizeof(storage_key) + _ROW_BYTES * len(rows)


def apply() -> None:
    """Install adaptation 13 (called once by mongoeco_patches.apply)."""
    SQLiteEngine._build_multikey_rows_for_document = multikey_rows  # type: ignore[method-assign]
    setattr(_sqlite_bulk, "_prepared_document_bytes", prepared_size)  # noqa: B010 - a module attribute, on purpose
