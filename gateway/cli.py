"""The `fhir-gateway` command: `serve` runs the HTTP server, `import` loads Bundles, `token` mints a bearer
token for local use, `hash-secret` turns a client secret into what the clients file stores."""

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

import uvicorn

from gateway import log_privacy
from gateway.app import create_app
from gateway.auth.authenticator import build_authenticator
from gateway.auth.clients import hash_secret
from gateway.auth.keys import AuthConfigurationError
from gateway.bulk_import import run_import
from gateway.observability.logs import configure_logging
from gateway.settings import Settings

DEV_HELP = "development only: sign tokens with a random key kept in the data directory"


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
    serve.add_argument("--dev", action="store_true", help=DEV_HELP)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (needs MONGODB_URI)")
    db = commands.add_parser("db", help="run the embedded store alone, for several serve processes to share")
    db.add_argument("--data-dir", type=Path, default=None, help="its directory (default ./data)")
    db.add_argument("--host", default="127.0.0.1")
    db.add_argument("--port", type=int, default=27017)
    token = commands.add_parser("token", help="print a bearer token signed with the configured key")
    token.add_argument("--scope", default="system/*.cruds", help='SMART scopes, e.g. "system/Patient.rs"')
    token.add_argument("--subject", default="cli", help="the token's sub and client_id (default: cli)")
    token.add_argument("--patient", default=None, help="the `patient` claim for patient/ scopes")
    token.add_argument("--lifetime", type=int, default=3600, help="seconds until it expires (default 3600)")
    token.add_argument("--data-dir", type=Path, default=None, help="where serve --dev keeps its key")
    token.add_argument("--dev", action="store_true", help="use the key `serve --dev` uses")
    commands.add_parser("hash-secret", help="read a client secret (prompt or stdin), print its hash")
    load = commands.add_parser("import", help="load batch/transaction Bundles (e.g. Synthea output)")
    load.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
    load.add_argument("--data-dir", type=Path, default=None, help="embedded store directory (default ./data)")
    return parser


def _settings(arguments: argparse.Namespace) -> Settings:
    return Settings.from_env(data_dir=arguments.data_dir, dev_mode=True if arguments.dev else None)


def main(argv: list[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    log_privacy.install()
    try:
        configure_logging()  # FHIR_GATEWAY_LOG_FORMAT=json: one JSON object per line
        if arguments.command == "serve" and arguments.workers > 1:
            from gateway.workers import serve_workers

            serve_workers(
                arguments.host, arguments.port, arguments.workers, arguments.data_dir, arguments.dev
            )
        elif arguments.command == "db":
            from gateway.db_command import run_db

            run_db(Settings.from_env(data_dir=arguments.data_dir).data_dir, arguments.host, arguments.port)
        elif arguments.command == "serve":
            settings = _settings(arguments)
            app = create_app(settings)
            uvicorn.run(
                app, host=arguments.host, port=arguments.port, log_config=None, **settings.proxy_options()
            )
        elif arguments.command == "import":
            summary = asyncio.run(run_import(Settings.from_env(data_dir=arguments.data_dir), arguments.paths))
            print(summary.table())
            sys.exit(0 if summary.ok else 1)
        elif arguments.command == "token":
            authenticator = build_authenticator(_settings(arguments))
            if authenticator.key is None:
                sys.exit("fhir-gateway token: tokens come from the identity provider (JWKS mode)")
            print(
                authenticator.issue(
                    arguments.subject,
                    arguments.scope,
                    patient=arguments.patient,
                    lifetime_seconds=arguments.lifetime,
                )
            )
        elif arguments.command == "hash-secret":
            secret = (
                getpass.getpass("client secret: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
            )
            if not secret:
                sys.exit("fhir-gateway hash-secret: empty secret")
            print(hash_secret(secret))
    except (AuthConfigurationError, ValueError) as error:
        sys.exit(f"fhir-gateway {arguments.command}: {error}")


if __name__ == "__main__":
    main()
