"""Print an httpx.Request the way it travels (HTTP/1.1 text), with credentials redacted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actionforge import redactor

if TYPE_CHECKING:
    import httpx

_MAX_BODY_CHARS = 4_000


def format_request(request: httpx.Request) -> str:
    target = request.url.raw_path.decode("ascii")
    lines = [f"{request.method} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in redactor().redact_headers(request.headers).items()]
    body = request.content
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = f"<{len(body)} bytes of binary data>"
        if len(text) > _MAX_BODY_CHARS:
            text = text[:_MAX_BODY_CHARS] + f"\n… [{len(text) - _MAX_BODY_CHARS} more characters]"
        lines += ["", text]
    return redactor().redact("\n".join(lines))
