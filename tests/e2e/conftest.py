"""The real `fhir-gateway serve` process on a free loopback port, with its own embedded SQLite store."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import running_gateway

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


# One served process of each kind per test process (xdist worker), shared by the test files: a start costs
# seconds of CPU. The tests sharing them use data of their own (distinct names, fresh ids).
@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_gateway(tmp_path_factory.mktemp("gateway-data")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`serve --dev` with no key configured, as `make run` starts it: (base URL, data directory)."""
    data_dir = tmp_path_factory.mktemp("gateway-dev-data")
    with running_gateway(data_dir, dev=True) as base_url:
        yield base_url, data_dir


@pytest.fixture
def browser() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(
            "chromium and chromedriver are not installed (`make test` run as root installs them with apt-get)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1400,900",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()
