"""The embedded SQLite engine's page cache: 128 MiB per connection instead of SQLite's default 2 MiB.

A write puts each of a document's key rows (105 for bench/scale.py's Patient, as `bench/seed_keys.py` prints)
at its own place in the shared multikey index, ordered by key, so a batch of writes touches pages all over
that B-tree. With the default cache those
pages are read back from the operating system on every visit, and a large transaction spills its dirty
pages to the WAL before it commits, sometimes the same page more than once. 128 MiB holds the hot part of
the indexes of a store of some tens of thousands of resources; SQLite fills it on demand, so a small store
never uses it all. Measured with the empty key-array indexes (mongoeco_shared_indexes.py) by
`bench/scale.py`'s seed columns before and after both (docs/benchmarks.md, session 6).

Installed as a step where the engine opens its file (`mongoeco_sqlite_scans.apply`), on the connection that
serves every read and write.
"""

import sqlite3

PAGE_CACHE_KIB = 128 * 1024


def size_page_cache(connection: sqlite3.Connection) -> None:
    # A negative cache_size is in KiB, whatever the page size.
    connection.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
