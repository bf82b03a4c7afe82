"""`fhir-gateway token` mints a token from the configured key; without a key it refuses to invent one."""

import os
import subprocess
import sys

import jwt
import pytest

from gateway.auth.keys import signing_key
from gateway.cli import main
from gateway.settings import Settings


def test_the_token_command_mints_a_token_with_the_configured_key(monkeypatch, capsys):
    secret = "s" * 40
    monkeypatch.setenv("FHIR_GATEWAY_AUTH_SECRET", secret)
    main(["token", "--scope", "system/Patient.rs", "--subject", "ops", "--lifetime", "60"])
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="fhir-gateway", issuer="fhir-gateway")
    assert claims["scope"] == "system/Patient.rs" and claims["sub"] == "ops"
    assert claims["exp"] - claims["iat"] == 60


def test_without_a_key_the_token_command_and_serve_refuse_to_start(monkeypatch, tmp_path):
    for name in (
        "FHIR_GATEWAY_AUTH_SECRET",
        "FHIR_GATEWAY_AUTH_PRIVATE_KEY_FILE",
        "FHIR_GATEWAY_AUTH_JWKS_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FHIR_GATEWAY_DEV", raising=False)
    with pytest.raises(SystemExit) as refused:
        main(["token", "--data-dir", str(tmp_path)])
    assert "No token key configured" in str(refused.value.code)
    with pytest.raises(SystemExit) as refused:
        main(["serve", "--data-dir", str(tmp_path)])
    assert "--dev" in str(refused.value.code)


def test_dev_mode_keeps_a_random_key_beside_the_data_that_serve_and_token_share(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.delenv("FHIR_GATEWAY_AUTH_SECRET", raising=False)
    signing_key(Settings(dev_mode=True, data_dir=tmp_path))  # what `serve --dev` does at start-up
    key = (tmp_path / "dev-signing-key").read_text().strip()
    assert len(key) >= 32 and (tmp_path / "dev-signing-key").stat().st_mode & 0o077 == 0
    main(["token", "--dev", "--data-dir", str(tmp_path)])
    token = capsys.readouterr().out.strip()
    assert jwt.decode(token, key, algorithms=["HS256"], audience="fhir-gateway")["scope"] == "system/*.cruds"


def test_token_dev_refuses_to_make_up_a_key_the_server_would_not_trust(monkeypatch, tmp_path):
    for name in (
        "FHIR_GATEWAY_AUTH_SECRET",
        "FHIR_GATEWAY_AUTH_PRIVATE_KEY_FILE",
        "FHIR_GATEWAY_AUTH_JWKS_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as refused:
        main(["token", "--dev", "--data-dir", str(tmp_path)])
    message = str(refused.value.code)
    assert "no dev key" in message and "serve --dev" in message and str(tmp_path.resolve()) in message
    assert not (tmp_path / "dev-signing-key").exists()


def test_every_subcommand_has_a_one_line_description_defaults_and_its_environment(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    overview = capsys.readouterr().out
    for command in ("serve", "token", "import", "hash-secret"):
        assert command in overview
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "environment:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    serve_help = capsys.readouterr().out
    assert "(default: 8000)" in serve_help and "MONGODB_URI" in serve_help


def test_a_too_short_secret_is_refused(monkeypatch):
    monkeypatch.setenv("FHIR_GATEWAY_AUTH_SECRET", "short")
    with pytest.raises(SystemExit) as refused:
        main(["token"])
    assert "at least 32 bytes" in str(refused.value.code)


def test_the_token_command_refuses_a_lifetime_longer_than_a_day(monkeypatch):
    monkeypatch.setenv("FHIR_GATEWAY_AUTH_SECRET", "s" * 40)
    with pytest.raises(SystemExit) as refused:
        main(["token", "--lifetime", str(30 * 86_400)])
    assert "lifetime" in str(refused.value.code)


HEAVY_MODULES = ("fastapi", "strawberry", "fhir.resources", "motor", "mongoeco", "gateway.app")


@pytest.mark.parametrize("arguments", [["--help"], ["token"]])
def test_help_and_token_import_neither_the_app_nor_its_frameworks(arguments):
    # Importing the app costs seconds of CPU; these commands must stay instant (docs/operations.md).
    probe = (
        "import sys\nfrom gateway.cli import main\n"
        f"try:\n    main({arguments!r})\nexcept SystemExit:\n    pass\n"
        f"print([name for name in {HEAVY_MODULES!r} if name in sys.modules], file=sys.stderr)"
    )
    environment = {**os.environ, "FHIR_GATEWAY_AUTH_SECRET": "s" * 40}
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True
    )
    assert finished.stderr.strip().splitlines()[-1] == "[]"
