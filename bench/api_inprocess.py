"""The API's CPU per request without HTTP: ours and the bare endpoints called directly over ASGI.

    .venv/bin/python bench/api_inprocess.py [--requests 3000] [--database-url URL]

`api.py` measures what the issue asks (p50 under 50 clients, each side a server of its own), where
the load generator and uvicorn sit between the figure and the code. Here each side's app is called
in this process, one request after another, and its CPU time per request is read around the loop:
the figure to watch while changing the code path of one endpoint (about ±15 µs from run to run).
Test-operation calls the same upstream process as `api.py`. SQLite by default; ``--database-url``
takes a PostgreSQL URL (an empty database).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvloop

from api import free_port, process, weather
from api_upstream import document

Case = tuple[str, str, bytes]  # method, path, body
CALL = {"operation": "getItem", "arguments": {"id": 7, "q": "bench"}}
PASSWORD = "bench password 1"
Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def ours_cases(
    client: httpx.AsyncClient, setup_link: str, upstream: str
) -> tuple[dict[str, Case], str]:
    """The owner, an API token, a GPT with the weather action and the upstream's action, made
    through the API itself; (each case's request, the token's Authorization value)."""
    body = {"token": setup_link.split("token=")[1], "email": "b@example.com", "display_name": "B"}
    csrf = (await client.post("/api/setup", json={**body, "password": PASSWORD})).json()["csrf_token"]
    created = await client.post("/api/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": csrf})
    auth = f"Bearer {created.json()['token']}"
    headers = {"Authorization": auth}
    workspace = (await client.get("/api/workspaces", headers=headers)).json()["items"][0]["id"]
    gpt = (await client.post(f"/api/workspaces/{workspace}/gpts", json={"name": "B"}, headers=headers)).json()
    actions = f"/api/gpts/{gpt['id']}/actions"
    await client.post(actions, json={"schema": weather()}, headers=headers)
    action = (await client.post(actions, json={"schema": document(upstream)}, headers=headers)).json()
    cases = {
        "GPT read": ("GET", f"/api/gpts/{gpt['id']}", b""),
        "validate": ("POST", "/api/editor/validate", json.dumps({"schema": weather()}).encode()),
        "test-op": ("POST", f"{actions}/{action['id']}/test", json.dumps(CALL).encode()),
    }
    return cases, auth


BARE_CASES: dict[str, Case] = {
    "GPT read": ("GET", "/gpt", b""),
    "validate": ("POST", "/validate", json.dumps({"schema": weather()}).encode()),
    "test-op": ("POST", "/test", json.dumps(CALL).encode()),
}


async def cpu_per_request(app: Asgi, case: Case, auth: str, requests: int) -> float:
    """CPU µs per request over ``requests`` calls, after 300 to warm up; each must answer 200."""
    method, path, body = case
    headers = [(b"host", b"bench"), (b"authorization", auth.encode()), (b"content-type", b"application/json")]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
    }  # fmt: skip
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(300):
        await app(dict(scope), receive, send)
    started = time.process_time()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    used = time.process_time() - started
    if set(statuses) != {200}:
        sys.exit(f"{method} {path} answered {sorted(set(statuses))}")
    return used / requests * 1e6


async def measure(database_url: str, upstream: str, requests: int) -> None:
    import bare_api
    from actionforge.platform.settings import ServerSettings
    from actionforge.web.app import create_app

    app = create_app(ServerSettings(database_url=database_url))
    async with app.router.lifespan_context(app):
        link = await app.state.services.accounts.setup_link()
        if link is None:
            sys.exit("the database already has accounts: give an empty one")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            cases, auth = await ours_cases(client, link, upstream)
        print(f"{'endpoint':<10} {'ours µs':>8} {'bare µs':>8} {'ratio':>6}")
        for name, case in cases.items():
            ours = await cpu_per_request(app, case, auth, requests)
            bare = await cpu_per_request(bare_api.app, BARE_CASES[name], "", requests)
            print(f"{name:<10} {ours:>8.0f} {bare:>8.0f} {ours / bare:>5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        upstream = f"http://127.0.0.1:{port}"
        os.environ.update({
            "ACTIONFORGE_DATA_DIR": tmp, "BENCH_UPSTREAM": upstream,
            **{f"ACTIONFORGE_{name}": "true" for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT")},
        })  # fmt: skip
        upstream_cmd = [
            sys.executable, "-m", "uvicorn", "api_upstream:app", "--port", str(port), "--log-level", "error",
        ]  # fmt: skip
        database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        with process(upstream_cmd, dict(os.environ), Path(tmp) / "upstream.out", f"{upstream}/ready"):
            uvloop.run(measure(database_url, upstream, args.requests))


if __name__ == "__main__":
    main()
