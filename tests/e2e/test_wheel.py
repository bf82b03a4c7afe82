"""The wheel (what `pip install .` and the Docker image install) carries the browser assets, so an installed
gateway serves GraphiQL and Swagger UI instead of "Loading GraphiQL…" forever."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gateway.rest import api_docs
from schema import graphiql

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]


def test_the_wheel_contains_graphiql_and_swagger_ui_assets_and_the_pages(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("fhir_gateway-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = [path.relative_to(ROOT).as_posix() for path, _ in graphiql.ASSETS.values()]
    expected += [(api_docs.DIST / name).relative_to(ROOT).as_posix() for name in api_docs.ASSETS]
    expected += ["schema/graphiql.html", "gateway/rest/landing.html", "gateway/rest/favicon.svg"]
    assert len(expected) == 9
    missing = [name for name in expected if name not in inside]
    assert missing == [], f"not in {wheel.name} (did `make install` run npm ci?): {missing}"
