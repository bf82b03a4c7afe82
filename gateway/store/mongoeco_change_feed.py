"""Adaptation 8 of mongoeco (see mongoeco_patches.py): no change-stream bookkeeping while nobody watches.

mongoeco prepares every write for change streams even when no stream is open. Its SQLite engine serialises
the whole document again into a `change_outbox` row (a "gap" marker when nobody watches, the full event inside
a transaction), and after each write it takes a dispatch lease in the database, starts a heartbeat thread,
reads the outbox, joins the thread and releases the lease. An import profile put about half of the engine's
insert time there. The gateway opens no change streams (nothing in it calls `watch`), so:
- a write records nothing for change streams unless a stream is open (`should_publish_events`: a watcher or a
  journal), and
- the post-write dispatch is skipped while no stream is open.
A stream opened later starts from its own start: there is no history of earlier writes to resume from, which
is all a recorded gap would have told it. `tests/unit/test_mongoeco_change_feed.py` pins what this relies on.
"""

from typing import Any

from mongoeco.api._async.collection import AsyncCollection
from mongoeco.core.operation_context import ChangePublicationPolicy
from mongoeco.engines.adapter import EngineSpiAdapter


def _watched(hub: Any) -> bool:
    return hub is not None and bool(hub.should_publish_events())


def _unpublished_when_unwatched(original: Any) -> Any:
    def new_operation_context(self: Any, *args: Any, **kwargs: Any) -> Any:
        if (
            kwargs.get("publication", ChangePublicationPolicy.DISABLED)
            is not ChangePublicationPolicy.DISABLED
        ) and not _watched(self._change_hub):
            kwargs["publication"] = ChangePublicationPolicy.DISABLED
        return original(self, *args, **kwargs)

    new_operation_context.__wrapped__ = original  # type: ignore[attr-defined]
    return new_operation_context


def _dispatched_when_watched(original: Any) -> Any:
    def dispatch_committed_changes(self: Any, sink: object | None) -> None:
        if _watched(sink):
            original(self, sink)

    dispatch_committed_changes.__wrapped__ = original  # type: ignore[attr-defined]
    return dispatch_committed_changes


def apply() -> None:
    """Install adaptation 8 (called once by mongoeco_patches.apply)."""
    AsyncCollection._new_operation_context = _unpublished_when_unwatched(  # type: ignore[method-assign]
        AsyncCollection._new_operation_context
    )
    EngineSpiAdapter.dispatch_committed_changes = _dispatched_when_watched(  # type: ignore[method-assign]
        EngineSpiAdapter.dispatch_committed_changes
    )
