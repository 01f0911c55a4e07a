"""CLI credentials: API-key flags, `oauth login` against the real OIDC provider, key rotation."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actionforge.cli.main import app
from tests.auth.conftest import CLIENT_SECRETS, Api, Provider

runner = CliRunner()
BROWSER = f"{sys.executable} {Path(__file__).with_name('follow_browser.py')} %s"
SECRET = "sk-cli-distinctive-Qp7"


def me_spec(api_url: str, tmp_path: Path) -> Path:
    spec = tmp_path / "me.yaml"
    spec.write_text(
        f"""
openapi: 3.1.0
info: {{title: Me, version: "1"}}
servers: [{{url: "{api_url}"}}]
paths:
  /me: {{get: {{operationId: whoAmI, responses: {{"200": {{description: ok}}}}}}}}
"""
    )
    return spec


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two generated keys; ACTIONFORGE_SECRET_KEY starts with only the first."""
    generated = []
    for _ in range(2):
        result = runner.invoke(app, ["secrets", "generate-key"])
        assert result.exit_code == 0
        generated.append(result.stdout.strip())
    assert generated[0] != generated[1]
    monkeypatch.setenv("ACTIONFORGE_SECRET_KEY", generated[0])
    return generated


def test_request_sends_the_key_the_way_it_was_asked_and_prints_it_redacted() -> None:
    args = ["spec", "request", "example:petstore", "getPetById", "--args", '{"petId": 1}']
    result = runner.invoke(
        app, [*args, "--api-key", SECRET, "--auth-type", "custom", "--header-name", "X-Api-Key"]
    )
    assert result.exit_code == 0, result.output
    assert "x-api-key: [REDACTED]" in result.stdout
    assert SECRET not in result.output


def test_query_key_is_redacted_in_the_printed_request_line() -> None:
    args = ["spec", "request", "example:petstore", "getPetById", "--args", '{"petId": 1}']
    result = runner.invoke(
        app, [*args, "--api-key", SECRET, "--auth-type", "query", "--query-name", "api_key"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("GET /v2/pet/1?api_key=")
    assert SECRET not in result.output


def test_custom_without_header_name_is_a_usage_error() -> None:
    args = ["spec", "request", "example:petstore", "getPetById", "--args", '{"petId": 1}']
    result = runner.invoke(app, [*args, "--api-key", SECRET, "--auth-type", "custom"])
    assert result.exit_code == 2


def test_oauth_login_then_call_then_rotate_then_logout(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oidc_provider: Provider,
    protected_api: Api,
    keys: list[str],
) -> None:
    monkeypatch.setenv("BROWSER", BROWSER)
    spec = me_spec(protected_api.url, tmp_path)
    creds = tmp_path / "me.credentials.json"
    login = runner.invoke(
        app,
        [
            "oauth", "login", str(spec),
            "--client-id", "af-post",
            "--client-secret", CLIENT_SECRETS["af-post"],
            "--authorization-url", oidc_provider.authorization_url,
            "--token-url", oidc_provider.token_url,
            "--scope", "read write",
            "--out", str(creds),
            "--allow-loopback",
        ],
    )  # fmt: skip
    assert login.exit_code == 0, login.output
    assert "Signed in with 127.0.0.1" in login.output
    assert os.stat(creds).st_mode & 0o777 == 0o600
    stored = creds.read_text()
    assert CLIENT_SECRETS["af-post"] not in stored
    assert json.loads(stored)["tokens"]["access_token"].startswith("v1.")

    call = runner.invoke(
        app, ["spec", "call", str(spec), "whoAmI", "--oauth", str(creds), "--allow-loopback"]
    )
    assert call.exit_code == 0, call.output
    assert json.loads(call.stdout)["client_id"] == "af-post"

    # Rotation: the new key first, the old one still configured; every secret moves to the new key.
    monkeypatch.setenv("ACTIONFORGE_SECRET_KEY", f"{keys[1]},{keys[0]}")
    rotated = runner.invoke(app, ["secrets", "rotate", str(creds)])
    assert rotated.exit_code == 0, rotated.output
    assert "3 secret(s) re-encrypted" in rotated.stdout
    monkeypatch.setenv("ACTIONFORGE_SECRET_KEY", keys[1])  # the old key is gone now
    again = runner.invoke(
        app, ["spec", "call", str(spec), "whoAmI", "--oauth", str(creds), "--allow-loopback"]
    )
    assert again.exit_code == 0, again.output

    assert runner.invoke(app, ["oauth", "logout", str(creds)]).exit_code == 0
    signed_out = runner.invoke(
        app, ["spec", "call", str(spec), "whoAmI", "--oauth", str(creds), "--allow-loopback"]
    )
    assert signed_out.exit_code == 1
    assert "sign_in_required" in signed_out.output


def test_oauth_login_refuses_a_token_url_off_the_apis_domain(tmp_path: Path, keys: list[str]) -> None:
    result = runner.invoke(
        app,
        [
            "oauth", "login", "example:petstore",
            "--client-id", "x", "--client-secret", "y",
            "--authorization-url", "https://login.petstore.swagger.io/authorize",
            "--token-url", "https://tokens.elsewhere.example/token",
            "--out", str(tmp_path / "c.json"),
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "elsewhere.example" in result.output
    assert not (tmp_path / "c.json").exists()
