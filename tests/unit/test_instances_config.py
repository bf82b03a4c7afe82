"""Configuration for several instances: where rate-limit counts live, --workers, metrics and log formats."""

import json
import logging

import pytest
from limits.aio.storage import MemoryStorage, MongoDBStorage

from gateway.middleware.rate_limit import limiter_storage
from gateway.observability.logs import configure_logging
from gateway.settings import Settings
from gateway.workers import serve_workers

URI = "mongodb://127.0.0.1:1/?directConnection=true"  # never contacted: clients connect lazily


def test_counts_are_shared_through_the_database_when_mongodb_uri_is_set():
    storage = limiter_storage("auto", URI, "fhir")
    try:
        assert isinstance(storage, MongoDBStorage)
    finally:
        storage.storage.close()


def test_counts_stay_in_memory_for_the_embedded_store_or_when_asked():
    assert isinstance(limiter_storage("auto", None, "fhir"), MemoryStorage)
    assert isinstance(limiter_storage("memory", URI, "fhir"), MemoryStorage)


@pytest.mark.parametrize(("choice", "uri"), [("database", None), ("redis", URI)])
def test_an_impossible_rate_limit_storage_is_refused(choice, uri):
    with pytest.raises(ValueError, match="FHIR_GATEWAY_RATE_LIMIT_STORAGE"):
        limiter_storage(choice, uri, "fhir")


def test_workers_are_refused_for_the_in_process_embedded_store(monkeypatch):
    monkeypatch.delenv("MONGODB_URI", raising=False)
    monkeypatch.setenv("FHIR_GATEWAY_AUTH_SECRET", "s" * 48)
    with pytest.raises(ValueError, match=r"--workers needs MONGODB_URI.*fhir-gateway db"):
        serve_workers("127.0.0.1", 8000, 2, None, dev=False)


def test_metrics_are_off_unless_made_public(monkeypatch):
    monkeypatch.delenv("FHIR_GATEWAY_METRICS", raising=False)
    assert Settings.from_env().metrics_public is False
    monkeypatch.setenv("FHIR_GATEWAY_METRICS", "public")
    assert Settings.from_env().metrics_public is True
    monkeypatch.setenv("FHIR_GATEWAY_METRICS", "yes please")
    with pytest.raises(ValueError, match="FHIR_GATEWAY_METRICS"):
        Settings.from_env()


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_logs_put_one_object_per_line(capsys, restored_logging):
    configure_logging("json")
    logging.getLogger("gateway.test").info("store: %s", "ready")
    lines = capsys.readouterr().err.strip().splitlines()
    record = json.loads(lines[-1])
    assert record["message"] == "store: ready"
    assert record["level"] == "INFO" and record["name"] == "gateway.test" and "time" in record


def test_an_unknown_log_format_is_refused(restored_logging):
    with pytest.raises(ValueError, match="FHIR_GATEWAY_LOG_FORMAT"):
        configure_logging("xml")
