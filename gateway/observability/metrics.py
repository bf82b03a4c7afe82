"""The gateway's Prometheus metrics (prometheus_client) and their text exposition.

Metrics live in the process-wide default registry, so they are declared once here. Under
`serve --workers N` the parent sets PROMETHEUS_MULTIPROC_DIR before the workers start; each worker then
writes its samples to files there and a scrape of any worker sums them all (the library's multiprocess mode).
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Latency buckets from 2.5 ms (a cached read) to 10 s (a large transaction Bundle).
LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "fhir_gateway_requests",
    "HTTP requests answered, by route template (never a resource id), status and face",
    ["route", "method", "status", "face"],
)
REQUEST_SECONDS = Histogram(
    "fhir_gateway_request_seconds",
    "Time from request to the end of the response, by route template and face",
    ["route", "method", "face"],
    buckets=LATENCY_BUCKETS,
)
STORE_COMMANDS = Counter(
    "fhir_gateway_store_commands",
    "Round trips to the database (MongoDB commands seen by the driver), by command and outcome",
    ["command", "outcome"],
)
STORE_COMMAND_SECONDS = Histogram(
    "fhir_gateway_store_command_seconds",
    "Database round-trip time, by command",
    ["command"],
    buckets=LATENCY_BUCKETS,
)
AUDIT_QUEUE_LENGTH = Gauge(
    "fhir_gateway_audit_queue_length",
    "AuditEvents handed to the trail, not yet stored; their requests wait for them (summed over workers)",
    multiprocess_mode="livesum",
)
RATE_LIMIT_REFUSALS = Counter(
    "fhir_gateway_rate_limit_refusals", "Requests refused with 429 because a client was over its rate"
)
RATE_LIMIT_STORAGE_ERRORS = Counter(
    "fhir_gateway_rate_limit_storage_errors",
    "Rate-limit checks that could not reach the shared counters (the request was let through)",
)


def store_command_finished(command: str, seconds: float, succeeded: bool) -> None:
    """The pymongo command listener's callback (gateway/store/command_listener.py)."""
    STORE_COMMANDS.labels(command, "ok" if succeeded else "error").inc()
    STORE_COMMAND_SECONDS.labels(command).observe(seconds)


def exposition() -> bytes:
    """Every metric in Prometheus text format: this process's, or all workers' in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def worker_exited(pid: int) -> None:
    """Drop a finished worker's live gauges (its counters stay in the sums, as Prometheus expects)."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
