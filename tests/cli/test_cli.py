"""The `actionforge` command, run in-process through Typer's runner (the real app, real engine)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from actionforge.cli.main import app
from actionforge.examples import example_text

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def petstore_at(base_url: str) -> str:
    return example_text("petstore").replace("https://petstore.swagger.io/v2", base_url + "/v2")


def test_validate_example_lists_operations() -> None:
    code, out, _ = run("spec", "validate", "example:petstore")
    assert code == 0
    assert "getPetById" in out
    assert "petstore.swagger.io" in out
    assert "valid: 3 operation(s)" in out


def test_validate_json_report_has_the_editor_shape() -> None:
    code, out, _ = run("spec", "validate", "example:weather", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["success"] is True
    assert report["spec"] == {
        "root_domain": "weather.example.com",
        "operations": [{"operationName": "GetCurrentWeather", "method": "get", "path": "/location"}],
    }


def test_validate_blank_template_fails_with_exit_1_and_the_servers_error() -> None:
    code, _, err = run("spec", "validate", "example:blank")
    assert code == 1
    assert "Could not find a valid URL in `servers`" in err


def test_unknown_profile_is_a_usage_error() -> None:
    code, _, _ = run("spec", "validate", "example:weather", "--profile", "nope")
    assert code == 2


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = run("spec", "validate", str(tmp_path / "absent.yaml"))
    assert code == 2


def test_tools_dialects() -> None:
    code, out, _ = run("spec", "tools", "example:petstore", "--dialect", "anthropic")
    assert code == 0
    tools = json.loads(out)
    assert {t["name"] for t in tools} == {"getInventory", "findPetsByStatusPending", "getPetById"}
    assert all("input_schema" in t for t in tools)
    code, out, _ = run("spec", "tools", "example:petstore", "--dialect", "mcp")
    assert code == 0
    by_name = {t["name"]: t for t in json.loads(out)}
    assert by_name["getPetById"]["annotations"]["readOnlyHint"] is True


def test_request_prints_the_wire_format() -> None:
    code, out, _ = run("spec", "request", "example:petstore", "getPetById", "--args", '{"petId": 7}')
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "GET /v2/pet/7 HTTP/1.1"
    assert "host: petstore.swagger.io" in out.lower()


def test_request_with_bad_arguments_exits_1_with_a_message_for_the_model() -> None:
    code, _, err = run("spec", "request", "example:petstore", "getPetById", "--args", '{"pet": 7}')
    assert code == 1
    assert "UnrecognizedKwargsError: pet" in err


def test_request_with_unknown_tool_or_bad_json_is_a_usage_error() -> None:
    assert run("spec", "request", "example:petstore", "nope", "--args", "{}")[0] == 2
    assert run("spec", "request", "example:petstore", "getPetById", "--args", "{oops")[0] == 2


def test_call_reaches_a_real_loopback_api(tmp_path: Path, echo_server: str) -> None:
    spec = tmp_path / "petstore.yaml"
    spec.write_text(petstore_at(echo_server))
    code, out, _ = run("spec", "call", str(spec), "getPetById", "--args", '{"petId": 3}', "--allow-loopback")
    assert code == 0, out
    echoed = json.loads(out)
    assert echoed["path"] == "/v2/pet/3"
    assert echoed["headers"]["user-agent"].startswith("actionforge/")


def test_call_to_loopback_is_blocked_without_the_development_switch(tmp_path: Path, echo_server: str) -> None:
    spec = tmp_path / "petstore.yaml"
    spec.write_text(petstore_at(echo_server))
    code, _, err = run("spec", "call", str(spec), "getPetById", "--args", '{"petId": 3}')
    assert code == 1
    assert "blocked" in err


def test_format_rewrites_json_with_two_space_indent(tmp_path: Path) -> None:
    doc = tmp_path / "doc.json"
    doc.write_text('{"openapi":"3.1.0","info":{"title":"t","version":"1"}}')
    code, out, _ = run("spec", "format", str(doc))
    assert code == 0
    assert out.startswith('{\n  "openapi": "3.1.0",\n  "info": {\n    "title": "t"')
    assert run("spec", "format", str(doc), "--write")[0] == 0
    assert doc.read_text().startswith('{\n  "openapi"')


def test_stdin_source() -> None:
    code, out, _ = run("spec", "validate", "-", "--json", input=example_text("weather"))
    assert code == 0
    assert json.loads(out)["success"] is True


def test_server_flags_say_where_the_api_runs(tmp_path: Path) -> None:
    spec = tmp_path / "things.yaml"
    spec.write_text(
        """
openapi: 3.1.0
info: {title: Things, version: "1"}
servers: [{url: "https://{tenant}.example.com/v1", variables: {tenant: {default: demo}}}]
paths:
  /things: {get: {operationId: listThings, responses: {"200": {description: ok}}}}
"""
    )
    code, out, _ = run("spec", "request", str(spec), "listThings", "--server-variable", "tenant=acme")
    assert code == 0, out
    assert "host: acme.example.com" in out.lower()
    code, out, _ = run(
        "spec", "request", str(spec), "listThings", "--server", "https://mirror.example.org/base"
    )
    assert code == 0, out
    assert out.splitlines()[0] == "GET /base/things HTTP/1.1"  # an absolute server is replaced
    assert "host: mirror.example.org" in out.lower()
    assert run("spec", "validate", str(spec), "--server-variable", "tenant")[0] == 2


def test_a_url_source_is_fetched_as_a_url_and_a_path_as_a_file(tmp_path: Path) -> None:
    code, _, err = run("spec", "validate", "https://127.0.0.1/openapi.json")
    assert code == 1
    assert "blocked" in err  # fetched through the egress guard, which refuses loopback
