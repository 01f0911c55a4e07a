"""The scripted model's script: the replies it gives, in order, one per chat completions request.

Given as Python objects (`Reply`, or the `say` / `call_tools` / `fail` shorthands) or as a JSON or
YAML file (`load_script`): a list of replies, or ``{"replies": [...]}``::

    - text: "Let me look that up."
      tool_calls:
        - name: getPetById
          arguments: {petId: 7}
    - text: "Your pet is called Rex."
    - error: {status: 429, message: "Slow down", headers: {retry-after: "0"}}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Self

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

import actionforge

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptedToolCall(_Strict):
    """``arguments`` as an object is sent as its JSON text; a string is sent as is, so a script can
    give the malformed arguments real models produce."""

    name: str = Field(min_length=1)
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    id: str | None = None

    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


class ScriptedError(_Strict):
    """An error response in OpenAI's shape: ``{"error": {"message", "type", "code"}}``."""

    status: int = Field(ge=400, le=599)
    message: str
    type: str | None = None
    code: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class ScriptedUsage(_Strict):
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)


class Reply(_Strict):
    """One model reply: text, tool calls (several are parallel tool calls), or an error.

    ``chunk_size`` is how many characters of text or arguments each streamed delta carries, so
    tests see arguments split across chunks as the real API sends them. ``interrupt`` is an error
    sent inside the stream after the text and tool calls, in place of the finish: a provider
    failing mid-answer (a non-streamed request gets it as its error response).
    """

    text: str = ""
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    error: ScriptedError | None = None
    interrupt: ScriptedError | None = None
    finish_reason: FinishReason | None = None
    usage: ScriptedUsage | None = None
    chunk_size: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _error_alone(self) -> Self:
        if self.error is not None and (self.text or self.tool_calls):
            raise ValueError("a reply with an error has no text or tool calls")
        return self

    def finish(self) -> FinishReason:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")


class Script(_Strict):
    replies: tuple[Reply, ...]


def say(text: str, **options: Any) -> Reply:
    """A text reply."""
    return Reply(text=text, **options)


def call_tools(*calls: tuple[str, dict[str, Any] | str], text: str = "", **options: Any) -> Reply:
    """A reply with tool calls, each ``(name, arguments)``."""
    tool_calls = tuple(ScriptedToolCall(name=name, arguments=arguments) for name, arguments in calls)
    return Reply(text=text, tool_calls=tool_calls, **options)


def fail(status: int, message: str, **options: Any) -> Reply:
    """An error reply (``type``, ``code``, ``headers`` as in `ScriptedError`)."""
    return Reply(error=ScriptedError(status=status, message=message, **options))


class ScriptError(actionforge.ActionforgeError):
    """A script file that cannot be read; the message names the place (a JSON pointer)."""


def parse_script(data: Any) -> Script:
    """A script from parsed JSON/YAML: a list of replies or ``{"replies": [...]}``."""
    wrapped = {"replies": data} if isinstance(data, Sequence) and not isinstance(data, str) else data
    try:
        return Script.model_validate(wrapped)
    except pydantic.ValidationError as error:
        raise ScriptError(_describe(error, wrapped is not data)) from None


def load_script(path: Path) -> Script:
    """A script from a ``.json``, ``.yaml`` or ``.yml`` file."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ScriptError(f"Cannot read the script {path}: {error}") from None
    try:
        return parse_script(data)
    except ScriptError as error:
        raise ScriptError(f"{path}: {error}") from None


def _describe(error: pydantic.ValidationError, wrapped: bool) -> str:
    """Each problem at its JSON pointer into the file, as written (without the added wrapper)."""
    lines = []
    for problem in error.errors(include_url=False):
        location = list(problem["loc"])[1:] if wrapped else list(problem["loc"])
        pointer = "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in location)
        lines.append(f"{pointer or '/'}: {problem['msg']}")
    return "invalid script: " + "; ".join(lines)
