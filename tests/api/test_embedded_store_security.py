"""The embedded store is not open to every local process: it asks for credentials kept owner-only in the
data directory, and the data directory and its files are owner-only too."""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pymongo
import pytest
from pymongo.errors import OperationFailure

from gateway.store.embedded import DATABASE_FILE, PASSWORD_FILE, EmbeddedMongo


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store_uri(data_dir: Path) -> Iterator[str]:
    server = EmbeddedMongo(data_dir)
    yield server.start()
    server.stop()


def _without_credentials(uri: str) -> str:
    address = urlsplit(uri).netloc.split("@")[-1]
    return f"mongodb://{address}/?directConnection=true"


def test_a_client_without_the_password_is_refused(store_uri: str):
    with pymongo.MongoClient(store_uri) as owner:
        owner["fhir"]["Patient"].insert_one({"_id": "secret"})
    with pymongo.MongoClient(_without_credentials(store_uri), serverSelectionTimeoutMS=10_000) as anonymous:
        with pytest.raises(OperationFailure, match="Authentication required"):
            anonymous["fhir"]["Patient"].find_one({})
        with pytest.raises(OperationFailure, match="Authentication required"):
            anonymous["fhir"]["Patient"].insert_one({"_id": "planted"})


def test_a_client_with_a_wrong_password_is_refused(store_uri: str):
    address = urlsplit(store_uri).netloc.split("@")[-1]
    guessed = f"mongodb://fhir-gateway:guess@{address}/?directConnection=true&authSource=admin"
    with (
        pymongo.MongoClient(guessed, serverSelectionTimeoutMS=10_000) as intruder,
        pytest.raises(OperationFailure),
    ):
        intruder["fhir"]["Patient"].find_one({})


def test_the_data_directory_and_its_files_are_owner_only(store_uri: str, data_dir: Path):
    with pymongo.MongoClient(store_uri) as owner:
        owner["fhir"]["Patient"].insert_one({"_id": "p"})
    assert data_dir.stat().st_mode & 0o777 == 0o700
    files = [path for path in data_dir.iterdir() if path.is_file()]
    assert {DATABASE_FILE, PASSWORD_FILE} <= {path.name for path in files}
    assert {path.name: path.stat().st_mode & 0o777 for path in files} == {path.name: 0o600 for path in files}


def test_the_password_is_random_and_kept_across_restarts(tmp_path: Path):
    first, other = EmbeddedMongo(tmp_path / "a"), EmbeddedMongo(tmp_path / "b")
    first_uri, other_uri = first.start(), other.start()
    first.stop()
    other.stop()
    again = EmbeddedMongo(tmp_path / "a")
    again_uri = again.start()
    try:
        assert urlsplit(first_uri).password == urlsplit(again_uri).password
        assert urlsplit(first_uri).password != urlsplit(other_uri).password
        assert len(urlsplit(first_uri).password or "") >= 32
    finally:
        again.stop()
