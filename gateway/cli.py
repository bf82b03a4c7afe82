"""The `fhir-gateway` command: `serve` runs the HTTP server."""

import argparse
import logging
from pathlib import Path

import uvicorn

from gateway.app import create_app
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
    return parser


def main(argv: list[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if arguments.command == "serve":
        settings = Settings.from_env(data_dir=arguments.data_dir)
        uvicorn.run(create_app(settings), host=arguments.host, port=arguments.port, log_config=None)


if __name__ == "__main__":
    main()
