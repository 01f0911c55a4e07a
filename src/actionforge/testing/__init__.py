"""The scripted model, for testing GPTs without a real model (the ``testing`` layer, public).

An OpenAI-compatible server (chat completions, streamed or not, and ``/v1/models``) that replays a
script of replies and records what it was sent. Point any OpenAI-compatible client, or actionforge
itself (``OPENAI_BASE_URL``), at it. From the shell: ``actionforge testing model --script FILE``.
"""

from __future__ import annotations

from actionforge.testing.script import (
    Reply,
    Script,
    ScriptedError,
    ScriptedToolCall,
    ScriptedUsage,
    ScriptError,
    call_tools,
    fail,
    load_script,
    parse_script,
    say,
)
from actionforge.testing.server import RecordedRequest, ScriptedModel

__all__ = [
    "RecordedRequest",
    "Reply",
    "Script",
    "ScriptError",
    "ScriptedError",
    "ScriptedModel",
    "ScriptedToolCall",
    "ScriptedUsage",
    "call_tools",
    "fail",
    "load_script",
    "parse_script",
    "say",
]
