"""The embedded default store: a mongoeco MongoDB wire-protocol server on 127.0.0.1, in its own thread.

Its own event loop keeps the emulator's work off the app's loop and lets one server outlive many app or
test loops. Clients reach it only over the wire protocol, exactly as they would reach a real MongoDB.
The port is loopback only but any local process could reach it, so it asks for credentials (SCRAM, which
mongoeco's wire server and pymongo both speak): a random password, kept owner-only in the data directory
(or only in memory for a memory store). The data directory is 0700 and its files 0600.
"""

import asyncio
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mongoeco.engines import MemoryEngine, SQLiteEngine
from mongoeco.wire.auth import WireAuthUser
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

from gateway.store import mongoeco_patches

log = logging.getLogger(__name__)

DATABASE_FILE = "fhir-gateway.sqlite3"
PASSWORD_FILE = "store-password"
USER = "fhir-gateway"
# SQLite gives its -wal, -shm and journal files the permissions of the database file.
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_directory(path: Path) -> Path:
    """Create `path` (and parents) owner-only; tighten it if it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and owner-only unless it exists; tighten it if it does."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    return path


def _password(data_dir: Path | None) -> str:
    if data_dir is None:
        return secrets.token_urlsafe(32)
    stored = private_file(data_dir / PASSWORD_FILE)
    password = stored.read_text(encoding="utf-8").strip()
    if not password:
        password = secrets.token_urlsafe(32)
        stored.write_text(password, encoding="utf-8")
    return password


class EmbeddedMongo:
    """Start with `start()`, connect to `.uri`, stop with `stop()`. No data dir means an in-memory engine."""

    def __init__(self, data_dir: Path | None, host: str = "127.0.0.1", port: int = 0) -> None:
        """`port` 0 picks a free one; `fhir-gateway db` passes a fixed address for other processes to use."""
        self._data_dir = data_dir
        self._host, self._port = host, port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: AsyncMongoEcoProxyServer | None = None
        self._stopped: asyncio.Event | None = None
        self.uri = ""  # carries the credentials: log only what follows "@"

    def _engine(self) -> Any:
        mongoeco_patches.apply()
        if self._data_dir is None:
            return MemoryEngine()
        for suffix in _SQLITE_COMPANIONS:
            companion = self._data_dir / f"{DATABASE_FILE}{suffix}"
            if suffix == "" or companion.exists():
                private_file(companion)
        return SQLiteEngine(str(self._data_dir / DATABASE_FILE))

    def start(self) -> str:
        if self._data_dir is not None:
            private_directory(self._data_dir)
        password = _password(self._data_dir)
        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            self._stopped = asyncio.Event()
            self._server = AsyncMongoEcoProxyServer(
                engine=self._engine(),
                host=self._host,
                port=self._port,
                auth_users=(WireAuthUser(USER, password, mechanisms=("SCRAM-SHA-256",)),),
            )
            try:
                address = await self._server.start()
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            self.uri = (
                f"mongodb://{USER}:{quote(password, safe='')}@{address.host}:{address.port}/"
                "?directConnection=true&authSource=admin&authMechanism=SCRAM-SHA-256"
            )
            ready.set()
            await self._stopped.wait()
            try:
                await self._server.close()
            except Exception as error:
                # mongoeco's SQLite engine can fail to unregister its change-stream consumer at close
                # ("database is locked" while its worker threads finish): nothing stored is affected.
                log.warning("embedded store: cleanup at shutdown was incomplete (%s)", error)

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
