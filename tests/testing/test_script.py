"""Scripts as Python objects and as JSON/YAML files; bad ones fail with the place of the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actionforge.testing import (
    Reply,
    ScriptedError,
    ScriptedToolCall,
    ScriptError,
    call_tools,
    fail,
    load_script,
    say,
)

YAML_SCRIPT = """\
- text: "Let me look that up."
  tool_calls:
    - name: getPetById
      arguments: {petId: 7}
- text: Your pet is called Rex.
- error: {status: 429, message: Slow down, headers: {retry-after: "0"}}
"""


def test_a_yaml_file_reads_as_the_same_replies_as_the_shorthands(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(YAML_SCRIPT, encoding="utf-8")
    expected = (
        call_tools(("getPetById", {"petId": 7}), text="Let me look that up."),
        say("Your pet is called Rex."),
        fail(429, "Slow down", headers={"retry-after": "0"}),
    )
    assert load_script(path).replies == expected


def test_a_json_file_may_wrap_its_replies(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"replies": [{"text": "hi"}]}), encoding="utf-8")
    assert load_script(path).replies == (Reply(text="hi"),)


def test_arguments_as_text_are_sent_as_written() -> None:
    assert ScriptedToolCall(name="f", arguments='{"broken": ').arguments_text() == '{"broken": '
    assert ScriptedToolCall(name="f", arguments={"a": 1}).arguments_text() == '{"a": 1}'


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("- tool_calls: [{arguments: {}}]", "/0/tool_calls/0/name: Field required"),
        ("- {text: hi, colour: red}", "/0/colour: Extra inputs are not permitted"),
        ("replies:\n  - error: {status: 200, message: x}", "/replies/0/error/status"),
        (
            "- {text: hi, error: {status: 500, message: x}}",
            "/0: Value error, a reply with an error has no text",
        ),
    ],
)
def test_a_bad_script_names_the_place(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScriptError, match="invalid script") as caught:
        load_script(path)
    assert where in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_unreadable_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="Cannot read the script"):
        load_script(tmp_path / "missing.yaml")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ScriptError, match="Cannot read the script"):
        load_script(tmp_path / "bad.json")


def test_an_error_status_must_be_an_error() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 400"):
        ScriptedError(status=200, message="fine")
