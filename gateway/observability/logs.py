"""Log set-up: plain text lines, or one JSON object per line (FHIR_GATEWAY_LOG_FORMAT=json) for collectors.

JSON lines come from python-json-logger; uvicorn's loggers propagate to the root handler configured here.
"""

import logging
import os

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d"
LOG_FORMAT_VARIABLE = "FHIR_GATEWAY_LOG_FORMAT"


def configure_logging(log_format: str | None = None) -> None:
    """`text` (default) or `json`; anything else is refused, so a typo does not silently change the format."""
    chosen = (log_format or os.environ.get(LOG_FORMAT_VARIABLE) or "text").strip().lower()
    if chosen not in ("text", "json"):
        raise ValueError(f"{LOG_FORMAT_VARIABLE} must be `text` or `json`, not {chosen!r}")
    handler = logging.StreamHandler()
    if chosen == "json":
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level"})
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
