"""The scripted model: a real OpenAI-compatible HTTP server that replays a script and records
every request, so tests (and demos) run the real ``openai`` SDK code path against it.

    model = ScriptedModel([say("Hello"), call_tools(("getPetById", {"petId": 7}))])
    with model.serve() as base_url:             # http://127.0.0.1:PORT/v1, in a background thread
        ...                                     # point any OpenAI client at base_url
    assert not model.saw("sk-secret")           # nothing secret reached the model

``model.app`` is the ASGI app, for an in-process transport or another server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from actionforge.testing.payloads import Envelope, completion_body, error_body, stream_chunks
from actionforge.testing.script import Reply, Script


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the model server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str] = field(repr=False)  # they carry the provider key
    body: Any

    @property
    def messages(self) -> list[Any]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []


class ScriptedModel:
    """Replays ``script`` (one reply per chat completions request, in order) and records requests.

    When the script runs out, a request gets a 500 error saying so, and the test fails loudly
    instead of hanging. ``clock`` gives the ``created`` timestamps; ``on_request`` is called with
    each request as it is recorded (the CLI's ``--record``), on the server's thread.
    """

    def __init__(
        self,
        script: Script | Iterable[Reply],
        *,
        models: Iterable[str] = ("scripted",),
        clock: Callable[[], float] = time.time,
        on_request: Callable[[RecordedRequest], None] | None = None,
    ) -> None:
        replies = script.replies if isinstance(script, Script) else tuple(script)
        self._replies = list(replies)
        self._total = len(self._replies)
        self._models = tuple(models)
        self._clock = clock
        self._on_request = on_request
        self._lock = threading.Lock()
        self._recorded: list[RecordedRequest] = []
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
                Route("/v1/models", self._list_models, methods=["GET"]),
            ]
        )

    # --- what tests read --------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._recorded)

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._replies)

    def saw(self, text: str) -> bool:
        """Whether ``text`` occurs in any request body the model was sent (its whole input)."""
        return any(text in json.dumps(r.body, ensure_ascii=False) for r in self.requests)

    # --- the API ----------------------------------------------------------------------------
    async def _chat_completions(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "The request body is not JSON.")
        number, reply = self._record_and_take(request, body)
        if reply is None:
            return _error(500, f"The scripted model has no reply left: its script had {self._total}.")
        error = reply.error or (None if body.get("stream") else reply.interrupt)
        if error is not None:
            return JSONResponse(error_body(error), error.status, headers=error.headers)
        envelope = Envelope(f"chatcmpl-scripted-{number}", int(self._clock()), str(body.get("model", "")))
        if body.get("stream"):
            return StreamingResponse(
                _sse(stream_chunks(reply, envelope, number, body)), media_type="text/event-stream"
            )
        return JSONResponse(completion_body(reply, envelope, number, body))

    def _record_and_take(self, request: Request, body: Any) -> tuple[int, Reply | None]:
        recorded = RecordedRequest(request.method, request.url.path, dict(request.headers), body)
        with self._lock:
            self._recorded.append(recorded)
            number, reply = len(self._recorded), (self._replies.pop(0) if self._replies else None)
        if self._on_request is not None:
            self._on_request(recorded)
        return number, reply

    async def _list_models(self, request: Request) -> Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "actionforge"} for m in self._models]
        return JSONResponse({"object": "list", "data": data})

    # --- running it -------------------------------------------------------------------------
    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve in a background thread; yields the base URL (``http://HOST:PORT/v1``).

        The socket is bound and listening before this yields, so a client may connect at once
        (the connection waits in the backlog until uvicorn accepts it): no start-up polling.
        """
        sock = socket.create_server((host, port))
        server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            yield f"http://{host}:{sock.getsockname()[1]}/v1"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()

    def run(self, host: str = "127.0.0.1", port: int = 8081) -> None:
        """Serve in the foreground until interrupted (the CLI's ``actionforge testing model``)."""
        uvicorn.run(self.app, host=host, port=port, log_level="info", lifespan="off")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "scripted_model_error", "code": None}}, status)


async def _sse(chunks: Iterator[dict[str, Any]]) -> AsyncIterator[str]:
    for chunk in chunks:
        yield f"data: {json.dumps(chunk)}\n\n"
    yield "data: [DONE]\n\n"
