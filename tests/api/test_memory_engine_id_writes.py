"""Updates and deletes by `_id` on the memory engine (the tests' engine) look the id up instead of testing
every document when the id is not there (mongoeco adaptation 2): a write-ahead note's upsert, a claim's
release."""

import os

import pytest
from mongoeco.engines import MemoryEngine

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MONGODB_URI")), reason="counts the embedded memory engine's reads"
)

DOCUMENTS = 300


@pytest.fixture
def documents_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    read = [0]
    borrow = MemoryEngine._borrow_storage_document

    def counting(self, data, **options):  # the engine decodes each document it tests through this
        read[0] += 1
        return borrow(self, data, **options)

    monkeypatch.setattr(MemoryEngine, "_borrow_storage_document", counting)
    return read


async def test_writes_by_an_id_that_is_not_there_read_no_other_document(app, documents_read):
    collection = app.state.service.store._database.db["id_writes"]
    await collection.insert_many([{"_id": f"d{n}", "versionId": 1} for n in range(DOCUMENTS)])
    writes = {
        "delete": lambda: collection.delete_one({"_id": "absent"}),
        "update": lambda: collection.update_one({"_id": "absent"}, {"$set": {"versionId": 2}}),
        "upsert": lambda: collection.replace_one({"_id": "new"}, {"versionId": 1}, upsert=True),
        "compare-and-swap": lambda: collection.find_one_and_replace(
            {"_id": "d7", "versionId": 1}, {"versionId": 2}
        ),
    }
    for name, write in writes.items():
        documents_read[0] = 0
        await write()
        assert documents_read[0] <= 2, f"{name} read {documents_read[0]} documents"
    assert await collection.count_documents({}) == DOCUMENTS + 1
    assert (await collection.find_one({"_id": "d7"}))["versionId"] == 2
