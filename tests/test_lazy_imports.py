"""Cold start: a fresh process imports only what its calls need (checked in ``sys.modules``)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from actionforge.examples import EXAMPLES

PETSTORE = Path(__file__).resolve().parents[1] / "src" / "actionforge" / "examples" / EXAMPLES[1].filename

# Loaded by OAuth (Authlib; tldextract and with it requests), by the HTTP stack, by encryption or
# by the server's settings: none of them is needed to read a document and render its tools.
HEAVY = (
    "authlib",
    "tldextract",
    "requests",
    "openapi_spec_validator",
    "httpx",
    "cryptography",
    "pydantic_settings",
)


def modules_after(code: str) -> set[str]:
    """The top-level packages and actionforge modules a fresh interpreter holds after ``code``."""
    script = textwrap.dedent(code) + textwrap.dedent(
        """
        import json, sys
        print(json.dumps(sorted(sys.modules)))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_actionforge_loads_no_layer() -> None:
    loaded = modules_after("import actionforge")
    assert {m for m in loaded if m.startswith("actionforge")} == {
        "actionforge",
        "actionforge._lazy",
        "actionforge._version",
    }
    assert "pydantic" not in loaded


def test_load_action_and_tools_load_no_oauth_http_or_crypto() -> None:
    loaded = modules_after(
        f"""
        import pathlib, actionforge
        action = actionforge.load_action(pathlib.Path({str(PETSTORE)!r}))
        assert action.tools("openai") and action.tools("mcp")
        """
    )
    assert [m for m in HEAVY if m in loaded] == []
    assert not {"actionforge.auth", "actionforge.calls", "actionforge.egress.client"} & loaded


def test_build_request_loads_calls_but_not_oauth() -> None:
    loaded = modules_after(
        f"""
        import pathlib, actionforge
        action = actionforge.load_action(pathlib.Path({str(PETSTORE)!r}))
        action.build_request("getPetById", {{"petId": 1}})
        """
    )
    assert "actionforge.calls.request" in loaded
    assert [m for m in ("authlib", "tldextract", "requests") if m in loaded] == []


@pytest.mark.parametrize("argv", [["--help"], ["spec", "--help"], ["oauth", "login", "--help"]])
def test_cli_help_imports_no_engine_layer(argv: list[str]) -> None:
    loaded = modules_after(
        f"""
        from actionforge.cli.main import app
        try:
            app({argv!r})
        except SystemExit:
            pass
        """
    )
    assert [m for m in (*HEAVY, "yaml") if m in loaded] == []  # (Typer itself uses pydantic)
    assert not {m for m in loaded if m.startswith(("actionforge.openapi", "actionforge.auth"))}


def test_a_json_3x_document_loads_without_yaml_or_the_swagger_upgrade(tmp_path: Path) -> None:
    """PyYAML and the Swagger 2.0 upgrade are imported by the documents that need them."""
    document = tmp_path / "openapi.json"
    document.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": "T", "version": "1"},
                "servers": [{"url": "https://api.example.com"}],
                "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}},
            }
        ),
        encoding="utf-8",
    )
    loaded = modules_after(
        f"""
        import pathlib, actionforge
        assert actionforge.load_action(pathlib.Path({str(document)!r})).tools("openai")
        """
    )
    unneeded = {"yaml", "actionforge.openapi.yamltext", "actionforge.openapi.swagger2", "urllib.request"}
    assert not unneeded & loaded
