"""The real `fhir-gateway serve` process on a free loopback port, with its own embedded SQLite store."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import running_gateway


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_gateway(tmp_path_factory.mktemp("gateway-data")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`serve --dev` with no key configured, as `make run` starts it: (base URL, data directory)."""
    data_dir = tmp_path_factory.mktemp("gateway-dev-data")
    with running_gateway(data_dir, dev=True) as base_url:
        yield base_url, data_dir
