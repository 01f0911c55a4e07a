"""A misbehaving upstream API for the call runtime's tests: slow, huge, endless, flaky, binary.

Every behaviour is a real HTTP endpoint on a loopback uvicorn server (see ``threaded.serve``);
``serve_raw`` is a bare TCP server for replies no HTTP framework will produce (malformed HTTP).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
PRETTY_JSON = {"name": "Zoë", "tags": ["a", "b"], "nested": {"n": 1, "ok": True, "none": None}}
PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def _int(request: Request, name: str, default: int) -> int:
    return int(request.query_params.get(name, default))


def _float(request: Request, name: str, default: float) -> float:
    return float(request.query_params.get(name, default))


async def pretty_json(request: Request) -> Response:
    return Response(json.dumps(PRETTY_JSON, indent=4, ensure_ascii=False), media_type="application/json")


async def text(request: Request) -> Response:
    """``n`` repetitions of ``char`` as text/plain (UTF-8)."""
    return PlainTextResponse(request.query_params.get("char", "a") * _int(request, "n", 10))


async def huge_json(request: Request) -> Response:
    return JSONResponse(list(range(_int(request, "n", 1000))))


async def slow(request: Request) -> Response:
    await asyncio.sleep(_float(request, "delay", 1.0))
    return JSONResponse({"slow": True})


async def drip(request: Request) -> Response:
    """Headers at once, then one byte every ``interval`` seconds: read timeouts never fire."""
    interval, count = _float(request, "interval", 0.05), _int(request, "count", 1000)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield b"x"
            await asyncio.sleep(interval)

    return StreamingResponse(body(), media_type="text/plain")


async def endless(request: Request) -> Response:
    chunk = b"y" * 65536

    async def body() -> AsyncIterator[bytes]:
        while True:
            yield chunk
            await asyncio.sleep(0)

    return StreamingResponse(body(), media_type=request.query_params.get("type", "text/plain"))


async def status(request: Request) -> Response:
    code = int(request.path_params["code"])
    headers = {}
    if "retry_after" in request.query_params:
        headers["Retry-After"] = request.query_params["retry_after"]
    return JSONResponse(
        {"error": f"status {code}", "detail": "from upstream"}, status_code=code, headers=headers
    )


async def flaky(request: Request) -> Response:
    """Fails the first ``failures`` hits on ``key`` with ``status``, then answers 200.

    ``retry_after``: a Retry-After value sent with each failure; ``date:N`` sends an HTTP-date
    N seconds from now.
    """
    hits: Counter[str] = request.app.state.hits
    key = request.path_params["key"]
    hits[key] += 1
    if hits[key] <= _int(request, "failures", 1):
        headers = {}
        retry_after = request.query_params.get("retry_after")
        if retry_after is not None and retry_after.startswith("date:"):
            when = datetime.now(UTC) + timedelta(seconds=float(retry_after[5:]))
            retry_after = format_datetime(when, usegmt=True)
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        code = _int(request, "status", 429)
        return JSONResponse({"error": "try again", "hit": hits[key]}, status_code=code, headers=headers)
    return JSONResponse({"hits": hits[key], "method": request.method})


async def hit_count(request: Request) -> Response:
    return JSONResponse({"hits": request.app.state.hits[request.path_params["key"]]})


async def binary(request: Request) -> Response:
    size = _int(request, "n", 2_300_000)
    return Response(
        PNG_HEADER + b"\0" * (size - len(PNG_HEADER)),
        media_type=request.query_params.get("type", "image/png"),
    )


async def binary_stream(request: Request) -> Response:
    """Binary of unknown length (chunked, no Content-Length)."""
    size = _int(request, "n", 5000)

    async def body() -> AsyncIterator[bytes]:
        for start in range(0, size, 1000):
            yield b"\x01" * min(1000, size - start)

    return StreamingResponse(body(), media_type="application/octet-stream")


async def encoded(request: Request) -> Response:
    """``text`` encoded in ``charset``, labelled ``content_type`` (raw bytes via ``hex``)."""
    content_type = request.query_params.get("content_type", "text/plain; charset=utf-8")
    if "hex" in request.query_params:
        data = bytes.fromhex(request.query_params["hex"])
    else:
        data = request.query_params.get("text", "").encode(request.query_params.get("charset", "utf-8"))
    response = Response(data)
    if content_type != "none":
        response.headers["content-type"] = content_type
    else:
        del response.headers["content-type"]
    return response


async def gzipped(request: Request) -> Response:
    data = gzip.compress(json.dumps(PRETTY_JSON, indent=2, ensure_ascii=False).encode())
    return Response(data, media_type="application/json", headers={"Content-Encoding": "gzip"})


async def bad_gzip(request: Request) -> Response:
    return Response(b"this is not gzip", media_type="application/json", headers={"Content-Encoding": "gzip"})


async def redirect(request: Request) -> Response:
    return Response(status_code=302, headers={"Location": "/json?token=s3cr3t"})


async def no_content(request: Request) -> Response:
    return Response(status_code=204)


async def echo_headers(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({"headers": dict(request.headers.items()), "body_length": len(body)})


def upstream_app() -> Any:
    app = Starlette(
        routes=[
            Route("/json", pretty_json, methods=ALL_METHODS),
            Route("/text", text),
            Route("/huge-json", huge_json),
            Route("/slow", slow),
            Route("/drip", drip),
            Route("/endless", endless),
            Route("/status/{code:int}", status, methods=ALL_METHODS),
            Route("/flaky/{key}", flaky, methods=ALL_METHODS),
            Route("/hits/{key}", hit_count),
            Route("/binary", binary),
            Route("/binary-stream", binary_stream),
            Route("/encoded", encoded),
            Route("/gzip", gzipped),
            Route("/bad-gzip", bad_gzip),
            Route("/redirect", redirect),
            Route("/no-content", no_content, methods=ALL_METHODS),
            Route("/headers", echo_headers, methods=ALL_METHODS),
        ]
    )
    app.state.hits = Counter()
    return app


@contextmanager
def serve_raw(reply: bytes) -> Iterator[str]:
    """A TCP server on loopback that answers every connection with ``reply`` verbatim, then closes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(reply)
                except OSError:
                    pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
