"""The `fhir-gateway` command: `serve` runs the HTTP server, `import` loads Bundles."""

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import uvicorn

from gateway.app import create_app
from gateway.bulk_import import run_import
from gateway.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fhir-gateway", description="FHIR R4 gateway: REST shim and GraphQL"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve HTTP (embedded store unless MONGODB_URI is set)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--data-dir", type=Path, default=None, help="embedded store directory (default ./data)"
    )
    load = commands.add_parser("import", help="load batch/transaction Bundles (e.g. Synthea output)")
    load.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
    load.add_argument("--data-dir", type=Path, default=None, help="embedded store directory (default ./data)")
    return parser


def main(argv: list[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if arguments.command == "serve":
        settings = Settings.from_env(data_dir=arguments.data_dir)
        uvicorn.run(create_app(settings), host=arguments.host, port=arguments.port, log_config=None)
    elif arguments.command == "import":
        settings = Settings.from_env(data_dir=arguments.data_dir)
        summary = asyncio.run(run_import(settings, arguments.paths))
        print(summary.table())
        sys.exit(0 if summary.ok else 1)


if __name__ == "__main__":
    main()
