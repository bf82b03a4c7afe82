"""Adaptation 9 of mongoeco (see mongoeco_patches.py): the wire `insert` command writes as one batch.

mongoeco's wire server answers an `insert` command (what `insert_many` sends) by calling `insert_one` per
document: one engine round trip through its thread pool and, outside a transaction, one SQLite commit each.
Its own `insert_many` has a batch path (`insert_documents`: one engine call, one commit) that keeps the
per-document outcome of the command: ordered writes stop at the first failing document and report the
prefix as inserted; unordered writes go on and report every failure by index. The command here parses the
request with upstream's own helpers, then goes through that batch path and turns its `BulkWriteError`
back into the command's `writeErrors`. Single-document commands keep upstream's path.
Both paths get the documents already in mongoeco's immutable internal form (adaptation 10's one walk), so
that upstream's two defensive deep copies per document and its own conversion return them as they are.
`tests/api/test_embedded_batch_insert.py` checks the outcomes on both engines;
`tests/unit/test_mongoeco_patches.py` pins the upstream parts used.
"""

from typing import Any

from mongoeco._types.documents import WriteCommandResult, WriteErrorEntry
from mongoeco.api._async import _database_admin_write_commands as write_commands
from mongoeco.api._async._write_command_validation import write_command_acknowledged
from mongoeco.api._command_bson import command_boolean
from mongoeco.errors import BulkWriteError

from gateway.store.mongoeco_codec import NotPlainJson, plain_internal

_ENTRY_FIELDS = ("index", "errmsg", "code", "op")


def _command_entry(error: dict[str, Any]) -> WriteErrorEntry:
    """A `writeErrors` entry as the per-document loop reports it (without the failed document)."""
    return WriteErrorEntry(
        index=int(error["index"]),
        errmsg=str(error["errmsg"]),
        code=error.get("code"),
        details={name: value for name, value in error.items() if name not in _ENTRY_FIELDS} or None,
    )


def _owned(document: object) -> object:
    """The document in internal form when it is plain JSON with an `_id` (upstream adds a missing one)."""
    if type(document) is not dict or "_id" not in document:
        return document
    try:
        return plain_internal(document)
    except NotPlainJson:
        return document


def _batched(original: Any) -> Any:
    async def command_insert(self: Any, spec: dict[str, object], *, session: Any = None) -> object:
        admin = self._admin
        documents = spec.get("documents")
        if isinstance(documents, list):
            documents = [_owned(document) for document in documents]
            spec = {**spec, "documents": documents}
        if not isinstance(documents, list) or len(documents) < 2:
            return await original(self, spec, session=session)
        collection_name = admin._require_collection_name(spec.get("insert"), "insert")
        documents = admin._normalize_insert_documents(documents)
        ordered = admin._normalize_ordered_from_command(spec.get("ordered"))
        bypass = command_boolean(  # type: ignore[no-untyped-call]
            spec.get("bypassDocumentValidation", False), "bypassDocumentValidation", numeric=True
        )
        acknowledged = write_command_acknowledged(spec, dialect=admin._mongodb_dialect.key)
        collection = admin._database.get_collection(collection_name)
        try:
            result = await collection.insert_many(
                documents, ordered=ordered, bypass_document_validation=bypass, session=session
            )
        except BulkWriteError as error:
            details: dict[str, Any] = error.details  # type: ignore[attr-defined]
            outcome = WriteCommandResult(
                count=int(details["nInserted"]),
                write_errors=[_command_entry(entry) for entry in details["writeErrors"]] or None,
            )
        else:
            outcome = WriteCommandResult(count=len(result.inserted_ids))
        return write_commands._write_command_result(outcome, acknowledged=acknowledged)

    command_insert.__wrapped__ = original  # type: ignore[attr-defined]
    return command_insert


def apply() -> None:
    """Install adaptation 9 (called once by mongoeco_patches.apply)."""
    service = write_commands.DatabaseAdminWriteCommandService
    service.command_insert = _batched(service.command_insert)  # type: ignore[method-assign]
