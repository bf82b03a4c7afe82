"""The wheel (what `pip install .` and the Docker image install) carries the browser assets, so an installed
gateway serves GraphiQL and Swagger UI instead of "Loading GraphiQL…" forever."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gateway.rest import api_docs
from schema import graphiql

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
PAGES = ["schema/graphiql.html", "gateway/rest/landing.html", "gateway/rest/favicon.svg"]


def _copy_sources(target: Path, assets: list[str]) -> None:
    """The sources and the installed assets in a fresh directory: an in-tree build would reuse build/ from an
    earlier build and could pass on files the package data no longer names."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    skipped = shutil.ignore_patterns("node_modules", "__pycache__", "*.egg-info")
    for package in ("gateway", "schema"):
        shutil.copytree(ROOT / package, target / package, ignore=skipped)
    for asset in assets:
        (target / asset).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / asset, target / asset)


def test_the_wheel_contains_graphiql_and_swagger_ui_assets_and_the_pages(tmp_path: Path) -> None:
    assets = [path.relative_to(ROOT).as_posix() for path, _ in graphiql.ASSETS.values()]
    assets += [(api_docs.DIST / name).relative_to(ROOT).as_posix() for name in api_docs.ASSETS]
    assert len(assets) == 6
    not_installed = [asset for asset in assets if not (ROOT / asset).is_file()]
    assert not_installed == [], f"run `make install` (npm ci) first: {not_installed}"
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    source.mkdir()
    _copy_sources(source, assets)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("fhir_gateway-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in [*assets, *PAGES] if name not in inside]
    assert missing == [], f"not in {wheel.name}: {missing}"
