"""The `fhir-gateway` command: `serve` runs the HTTP server, `import` loads Bundles, `token` mints a bearer
token for local use, `hash-secret` turns a client secret into what the clients file stores.

Each subcommand imports what it needs when it runs: the app (FastAPI, Strawberry, the FHIR models) takes
seconds of CPU to import, and `--help` or `token` must not pay for it.
"""

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.settings import Settings

DEV_KEY_FILE = "dev-signing-key"  # the file gateway.auth.keys keeps the dev key in (imported lazily)
DEV_HELP = "development only: sign tokens with a random key kept in the data directory"
KEY_VARIABLES = (
    "FHIR_GATEWAY_AUTH_SECRET, FHIR_GATEWAY_AUTH_PRIVATE_KEY_FILE, FHIR_GATEWAY_AUTH_JWKS_URL, "
    "FHIR_GATEWAY_AUTH_ISSUER, FHIR_GATEWAY_AUTH_AUDIENCE"
)
SERVE_ENVIRONMENT = (
    "environment: MONGODB_URI (unset: embedded store), FHIR_GATEWAY_DATA_DIR, FHIR_GATEWAY_DATABASE, "
    f"FHIR_GATEWAY_DEV, {KEY_VARIABLES}, FHIR_GATEWAY_BASE_URL, FHIR_GATEWAY_RATE_LIMIT, "
    "FHIR_GATEWAY_CORS_ORIGINS and the others in docs/operations.md"
)


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default (unless unset or already said) and keeps the epilogs' lines."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False) or "default" in text:
            return text
        return super()._get_help_string(action) or text


def _subcommand(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]", name: str, summary: str, environment: str
) -> argparse.ArgumentParser:
    epilog = textwrap.fill(environment, width=100, break_on_hyphens=False)
    return commands.add_parser(
        name, help=summary, description=summary, epilog=epilog, formatter_class=_Formatter
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fhir-gateway",
        description="FHIR R4 gateway: a FHIR REST shim and a GraphQL facade over MongoDB.",
        epilog="`fhir-gateway COMMAND --help` lists a command's options, defaults and environment variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = _subcommand(
        commands, "serve", "serve HTTP (the embedded store unless MONGODB_URI is set)", SERVE_ENVIRONMENT
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="embedded store directory (default: FHIR_GATEWAY_DATA_DIR or ./data)",
    )
    serve.add_argument("--dev", action="store_true", help=DEV_HELP)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (needs MONGODB_URI: docs/scaling.md)"
    )

    db = _subcommand(
        commands,
        "db",
        "run the embedded store alone, for several serve processes to share (prints MONGODB_URI)",
        "environment: FHIR_GATEWAY_DATA_DIR",
    )
    db.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="its directory (default: FHIR_GATEWAY_DATA_DIR or ./data)",
    )
    db.add_argument("--host", default="127.0.0.1", help="address to listen on")
    db.add_argument("--port", type=int, default=27017, help="port to listen on")

    token = _subcommand(
        commands,
        "token",
        "print a bearer token signed with the configured key",
        f"environment: {KEY_VARIABLES}, FHIR_GATEWAY_DATA_DIR (where --dev looks for the key)",
    )
    token.add_argument("--scope", default="system/*.cruds", help='SMART scopes, e.g. "system/Patient.rs"')
    token.add_argument("--subject", default="cli", help="the token's sub and client_id")
    token.add_argument("--patient", default=None, help="the `patient` claim, for patient/ scopes")
    token.add_argument("--lifetime", type=int, default=3600, help="seconds until it expires (at most a day)")
    token.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where `serve --dev` keeps its key (default: FHIR_GATEWAY_DATA_DIR or ./data)",
    )
    token.add_argument(
        "--dev", action="store_true", help="sign with the key `serve --dev` made (it must exist already)"
    )

    _subcommand(
        commands,
        "hash-secret",
        "read a client secret (prompt or stdin), print the hash a clients file stores",
        "environment: none",
    )

    load = _subcommand(
        commands,
        "import",
        "load batch/transaction Bundles (e.g. Synthea output) into the store `serve` uses",
        "environment: MONGODB_URI, FHIR_GATEWAY_DATA_DIR, FHIR_GATEWAY_DATABASE",
    )
    load.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR", help="Bundle files or folders")
    load.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="embedded store directory (default: FHIR_GATEWAY_DATA_DIR or ./data)",
    )
    load.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes that read and validate files (default: one per core)",
    )
    return parser


def _settings(arguments: argparse.Namespace) -> "Settings":
    from gateway.settings import Settings

    return Settings.from_env(data_dir=arguments.data_dir, dev_mode=True if arguments.dev else None)


def _serve(arguments: argparse.Namespace) -> None:
    import logging
    import os

    import uvicorn

    if arguments.workers > 1:  # each worker imports the app; this process only supervises them
        from gateway.workers import serve_workers

        serve_workers(arguments.host, arguments.port, arguments.workers, arguments.data_dir, arguments.dev)
        return
    from gateway.app import create_app

    settings = _settings(arguments)
    app = create_app(settings)
    app.state.listen_url = f"http://{arguments.host}:{arguments.port}"  # for the dev-mode hint
    uvicorn.run(app, host=arguments.host, port=arguments.port, log_config=None, **settings.proxy_options())
    # The lifespan has finished: audit events flushed, store closed. Tearing down the interpreter's large heap
    # (models, schemas) would only add seconds between Ctrl-C and the prompt, so leave at once.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _db(arguments: argparse.Namespace) -> None:
    from gateway.db_command import run_db
    from gateway.settings import Settings

    run_db(Settings.from_env(data_dir=arguments.data_dir).data_dir, arguments.host, arguments.port)


def _import(arguments: argparse.Namespace) -> None:
    import asyncio

    from gateway.bulk_import import run_import
    from gateway.settings import Settings

    settings = Settings.from_env(data_dir=arguments.data_dir)
    try:
        summary = asyncio.run(run_import(settings, arguments.paths, workers=arguments.workers))
    except KeyboardInterrupt:  # what was committed stays; a transaction is whole or absent
        print(
            "\nimport interrupted: finished files are stored; of the file in progress a transaction is "
            "stored whole or not at all, a batch up to the entry it reached"
        )
        sys.exit(130)
    print(summary.table())
    sys.exit(0 if summary.ok else 1)


def _token(arguments: argparse.Namespace) -> None:
    from gateway.auth.authenticator import build_authenticator

    settings = _settings(arguments)
    own_key = settings.auth_secret or settings.auth_private_key_file or settings.auth_jwks_url
    if arguments.dev and not own_key and settings.data_dir is not None:
        key_file = settings.data_dir / DEV_KEY_FILE
        if not key_file.is_file():
            # Making a key here would mint tokens the running server does not trust.
            sys.exit(
                f"fhir-gateway token --dev: no dev key at {key_file.resolve()}. Start the server first "
                "(`make run` or `fhir-gateway serve --dev`), which makes it, and run this command from the "
                "same directory or pass the server's --data-dir."
            )
    authenticator = build_authenticator(settings)
    if authenticator.key is None:
        sys.exit("fhir-gateway token: tokens come from the identity provider (JWKS mode)")
    print(
        authenticator.issue(
            arguments.subject, arguments.scope, patient=arguments.patient, lifetime_seconds=arguments.lifetime
        )
    )


def _hash_secret(arguments: argparse.Namespace) -> None:
    import getpass

    from gateway.auth.clients import hash_secret

    secret = getpass.getpass("client secret: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not secret:
        sys.exit("fhir-gateway hash-secret: empty secret")
    print(hash_secret(secret))


COMMANDS = {"serve": _serve, "db": _db, "import": _import, "token": _token, "hash-secret": _hash_secret}


def main(argv: list[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    from gateway import log_privacy
    from gateway.auth.keys import AuthConfigurationError
    from gateway.observability.logs import configure_logging

    log_privacy.install()
    try:
        configure_logging()  # FHIR_GATEWAY_LOG_FORMAT=json: one JSON object per line
        COMMANDS[arguments.command](arguments)
    except (AuthConfigurationError, ValueError) as error:
        sys.exit(f"fhir-gateway {arguments.command}: {error}")


if __name__ == "__main__":
    main()
