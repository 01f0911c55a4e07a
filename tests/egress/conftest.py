from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from actionforge.settings import Settings
from tests.servers.threaded import serve


class StubResolver:
    """DNS as a table: host -> answers. A list of lists gives one answer per query (the last repeats),
    which is how a rebinding attacker's DNS server behaves. Unknown hosts fail like NXDOMAIN."""

    def __init__(self, table: Mapping[str, list[str] | list[list[str]]] | None = None) -> None:
        self.table = dict(table or {})
        self.queries: list[str] = []

    def resolve(self, host: str, port: int) -> Sequence[str]:
        self.queries.append(host)
        answers = self.table.get(host)
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, f"stub: no such host {host}")
        if answers and isinstance(answers[0], list):
            rounds = [list(a) for a in answers]
            return rounds[min(self.queries.count(host), len(rounds)) - 1]
        return [str(a) for a in answers]

    async def resolve_async(self, host: str, port: int) -> Sequence[str]:
        return self.resolve(host, port)


@pytest.fixture
def dev_settings() -> Settings:
    """Development settings: loopback, plain http and any port allowed, redirects off."""
    return Settings(allow_loopback=True, allow_http=True, allow_any_port=True)


@dataclass
class Recorder:
    """What a real loopback server received."""

    requests: list[dict[str, str]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]


def recording_app(recorder: Recorder) -> Starlette:
    """An upstream API that records each request; /redirect?to=URL answers 302 to URL,
    /loop redirects to itself, /set-cookie?value=V sets the cookie ``session=V``, anything else
    echoes the Host header back."""

    async def anything(request: Request) -> Response:
        recorder.requests.append({
            "path": request.url.path, "host": request.headers.get("host", ""), "query": request.url.query,
            "cookie": request.headers.get("cookie", ""),
        })  # fmt: skip
        if request.url.path == "/redirect":
            return RedirectResponse(request.query_params["to"], status_code=302)
        if request.url.path == "/loop":
            return RedirectResponse("/loop", status_code=302)
        answer = JSONResponse({"host": request.headers.get("host"), "path": request.url.path})
        if request.url.path == "/set-cookie":
            answer.set_cookie("session", request.query_params["value"], path="/")
        return answer

    return Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])


@pytest.fixture
def upstream() -> Iterator[tuple[str, Recorder]]:
    """(base URL, recorder) of a real HTTP server on 127.0.0.1."""
    recorder = Recorder()
    with serve(recording_app(recorder)) as url:
        yield url, recorder
