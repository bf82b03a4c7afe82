"""The embedded default store: a mongoeco MongoDB wire-protocol server on 127.0.0.1, in its own thread.

Its own event loop keeps the emulator's work off the app's loop and lets one server outlive many app or
test loops. Clients reach it only over the wire protocol, exactly as they would reach a real MongoDB.
"""

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

from mongoeco.engines import MemoryEngine, SQLiteEngine
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

from gateway.store import mongoeco_patches

log = logging.getLogger(__name__)

DATABASE_FILE = "fhir-gateway.sqlite3"


class EmbeddedMongo:
    """Start with `start()`, connect to `.uri`, stop with `stop()`. No data dir means an in-memory engine."""

    def __init__(self, data_dir: Path | None) -> None:
        self._data_dir = data_dir
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: AsyncMongoEcoProxyServer | None = None
        self._stopped: asyncio.Event | None = None
        self.uri = ""

    def _engine(self) -> Any:
        mongoeco_patches.apply()
        if self._data_dir is None:
            return MemoryEngine()
        self._data_dir.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(str(self._data_dir / DATABASE_FILE))

    def start(self) -> str:
        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            self._stopped = asyncio.Event()
            self._server = AsyncMongoEcoProxyServer(engine=self._engine(), host="127.0.0.1", port=0)
            try:
                address = await self._server.start()
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            self.uri = address.uri
            ready.set()
            await self._stopped.wait()
            await self._server.close()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(serve())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="embedded-mongo", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise RuntimeError(f"the embedded store could not start: {failure[0]}") from failure[0]
        return self.uri

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(timeout=30)
