"""The real `fhir-gateway serve` process on a free loopback port, with its own embedded SQLite store."""

from collections.abc import Iterator

import pytest

from tests.e2e.server import running_gateway


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_gateway(tmp_path_factory.mktemp("gateway-data")) as base_url:
        yield base_url
