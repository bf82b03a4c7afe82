"""`fhir-gateway token` mints a token from the configured key; without a key it refuses to invent one."""

import jwt
import pytest

from gateway.cli import main


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
    main(["token", "--dev", "--data-dir", str(tmp_path)])
    key = (tmp_path / "dev-signing-key").read_text().strip()
    assert len(key) >= 32 and (tmp_path / "dev-signing-key").stat().st_mode & 0o077 == 0
    token = capsys.readouterr().out.strip()
    assert jwt.decode(token, key, algorithms=["HS256"], audience="fhir-gateway")["scope"] == "system/*.cruds"


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
