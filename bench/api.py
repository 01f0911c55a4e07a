"""API benchmark: our /api against bare FastAPI endpoints doing the same engine work.

    .venv/bin/python bench/api.py [--rounds 5] [--seconds 8] [--warmup 2] [--concurrency 50]

Each server is its own uvicorn process on loopback (ours through ``actionforge serve``, on SQLite
and, when ACTIONFORGE_TEST_POSTGRES_URL is set, on PostgreSQL), started anew for every round (see
`compare`); ours keeps its data between rounds. Clients authenticate with an API
token. Test-operation calls one GET of an upstream API (``upstream.py``, a third process) from
both sides; the egress guard is told to allow that loopback server, as an operator would for a
local API. Rounds of ours and the baseline alternate (which side goes first alternates too), so
machine noise hits both. Each side's figures are the median of its rounds'; the p50 ratio is the
median of the rounds' ratios (ours to the bare load next to it), shown with their range. Target:
our p50 at most 1.3x the bare endpoint's.

Latency under 50 clients on a small machine is mostly queueing behind the load generator and
whatever else runs, so each side's server CPU per request (from /proc, over the timed window, the
median round) is shown too: it is the overhead itself, and other load moves it less. On
PostgreSQL the database server's own CPU is not in it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api_upstream import document

HERE = Path(__file__).resolve().parent
PASSWORD = "bench password 1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux), threads included: the server's own work,
    which the machine's other load does not inflate the way it inflates latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def process(cmd: list[str], env: dict[str, str], out: Path, ready: str) -> Iterator[int]:
    with out.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=sink, cwd=HERE)
    try:
        for _ in range(300):
            if proc.poll() is not None:
                sys.exit(out.read_text())
            try:
                if httpx.get(ready).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``admin_url``, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"af_bench_{os.getpid()}"
    with psycopg.connect(libpq, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(libpq, name)


def drop_database(libpq: str, name: str) -> None:
    """Dropped once our servers have gone; FORCE may not end a backend another role opened on it
    (the server's own maintenance), so that case waits and tries again."""
    import psycopg

    for attempt in range(20):
        try:
            with psycopg.connect(libpq, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == 19:
                raise
            time.sleep(0.5)


def prepare(base: str, out: Path, upstream: str) -> tuple[dict[str, str], str, str]:
    """The owner from the setup link, an API token, a GPT with the weather action (read) and one on
    the upstream (test-operation); (headers, gpt id, upstream action id)."""
    found = re.search(r"setup\?token=(\S+)", out.read_text())
    assert found, out.read_text()
    body = {"token": found.group(1), "email": "bench@example.com", "display_name": "B", "password": PASSWORD}
    with httpx.Client(base_url=base) as client:
        csrf = client.post("/api/setup", json=body).json()["csrf_token"]
        token = client.post("/api/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": csrf}).json()[
            "token"
        ]
        headers = {"Authorization": f"Bearer {token}"}
        workspace = client.get("/api/workspaces", headers=headers).json()["items"][0]["id"]
        gpt = client.post(f"/api/workspaces/{workspace}/gpts", json={"name": "Bench"}, headers=headers).json()
        client.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": weather()}, headers=headers)
        action = client.post(
            f"/api/gpts/{gpt['id']}/actions", json={"schema": document(upstream)}, headers=headers
        ).json()
    return headers, gpt["id"], action["id"]


def weather() -> str:
    import actionforge

    return actionforge.example_text("weather")


Send = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]  # (a client, the server's base URL)


@dataclass(frozen=True)
class Load:
    """One side's load: the latencies of the requests started in the timed window, and the
    server's CPU per request completed from the window's start to the load's end (a new
    process's first requests, in the warm-up, cost more: imports, the action's first load)."""

    seconds: float
    latencies: list[float]
    cpu_ms: float

    def figures(self) -> tuple[float, float, float]:
        """(requests a second, p50 ms, p99 ms) of the timed window."""
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return len(ordered) / self.seconds, statistics.median(ordered) * 1000, p99 * 1000


async def load(send: Send, base: str, pid: int, concurrency: int, seconds: float, warmup: float) -> Load:
    """``concurrency`` clients calling ``send`` without pause for ``warmup`` + ``seconds``; only
    the requests started after the warm-up are timed.

    Why a window of time, after a warm-up, and not a number of requests: a fixed count made
    GPT read's rounds about 4 seconds long, and their p50s were mostly the seconds right after
    the other server's load, which cost more on both sides (see bench/README.md, sessions 25
    and 28). The paired rounds' ratios then spread from 0.98x to 1.43x; in windows of 15 seconds
    they spread from 0.98x to 1.28x.

    Each client has its own ``httpx.AsyncClient`` (one connection): 50 workers sharing one
    client's pool held the load generator itself to about 260 requests a second, whatever the
    server, so the p50s measured the generator, not the servers (bare's GPT read: 260 requests a
    second and a p50 of 140 ms through one shared client, 740 and 20 ms with a client each).
    The clients are made, and their connections opened by one request each, before the load
    starts: a client costs about 22 ms of CPU to make (its SSL context)."""
    clients = [httpx.AsyncClient(timeout=60) for _ in range(concurrency)]
    latencies: list[float] = []
    dropped: list[str] = []
    completed = 0  # since the timed window started

    async def worker(client: httpx.AsyncClient, timed_from: float, end: float) -> None:
        nonlocal completed
        while (started := time.perf_counter()) < end:
            try:
                response = await send(client, base)
            except httpx.TransportError as exc:  # e.g. a keep-alive connection the server just closed
                dropped.append(type(exc).__name__)
                continue
            response.raise_for_status()
            if (finished := time.perf_counter()) >= timed_from:
                completed += 1
            if started >= timed_from:
                latencies.append(finished - started)

    try:
        for response in await asyncio.gather(*(send(client, base) for client in clients)):
            response.raise_for_status()
        timed_from = time.perf_counter() + warmup
        cpu_from: list[float] = []
        asyncio.get_running_loop().call_later(warmup, lambda: cpu_from.append(cpu_seconds(pid)))
        await asyncio.gather(*(worker(client, timed_from, timed_from + seconds) for client in clients))
        cpu_ms = (cpu_seconds(pid) - cpu_from[0]) * 1000 / completed
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    if dropped:
        kinds = ", ".join(sorted(set(dropped)))
        print(f"  ({len(dropped)} requests failed in transport: {kinds})")
    return Load(seconds, latencies, cpu_ms)


@dataclass(frozen=True)
class Side:
    """How to start one side's server: a new process for every round (`compare`)."""

    command: Callable[[int], list[str]]  # the command line, given the port
    ready_path: str
    env: dict[str, str]
    out: Path

    @contextmanager
    def started(self) -> Iterator[tuple[int, str]]:
        """(pid, base URL) of a fresh process of this side's server, stopped afterwards."""
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with process(self.command(port), self.env, self.out, f"{base}{self.ready_path}") as pid:
            yield pid, base


def run(database: str, url: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        upstream_port = free_port()
        upstream = f"http://127.0.0.1:{upstream_port}"
        env = {
            **os.environ, "ACTIONFORGE_DATA_DIR": tmp, "ACTIONFORGE_DATABASE_URL": url,
            "BENCH_UPSTREAM": upstream,
            **{f"ACTIONFORGE_{name}": "true" for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT")},
        }  # fmt: skip
        uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "error", "--port"]
        ours = Side(
            lambda port: [sys.executable, "-m", "actionforge.cli.main", "serve", "--port", str(port)],
            "/readyz", env, Path(tmp) / "ours.out",
        )  # fmt: skip
        bare = Side(lambda port: [*uvicorn, str(port), "bare_api:app"], "/gpt", env, Path(tmp) / "bare.out")
        upstream_cmd = [*uvicorn, str(upstream_port), "api_upstream:app"]
        with process(upstream_cmd, env, Path(tmp) / "upstream.out", f"{upstream}/ready"):
            with ours.started() as (_, base):  # the first start prints the setup link
                auth, gpt_id, action_id = prepare(base, ours.out, upstream)
            text = weather()
            call = {"operation": "getItem", "arguments": {"id": 7, "q": "bench"}}
            test_path = f"/api/gpts/{gpt_id}/actions/{action_id}/test"
            cases: dict[str, tuple[Send, Send]] = {
                "validate": (
                    lambda c, b: c.post(f"{b}/api/editor/validate", json={"schema": text}, headers=auth),
                    lambda c, b: c.post(f"{b}/validate", json={"schema": text}),
                ),
                "test-op": (
                    lambda c, b: c.post(f"{b}{test_path}", json=call, headers=auth),
                    lambda c, b: c.post(f"{b}/test", json=call),
                ),
                "GPT read": (
                    lambda c, b: c.get(f"{b}/api/gpts/{gpt_id}", headers=auth),
                    lambda c, b: c.get(f"{b}/gpt"),
                ),
            }  # fmt: skip
            if args.only:
                cases = {k: v for k, v in cases.items() if k in args.only.split(",")}
            shape = (
                f"{args.concurrency} clients, {args.rounds} rounds of {args.seconds:g} s a side "
                f"after {args.warmup:g} s of warm-up, a new server process each; medians of the rounds"
            )
            print(f"\n{database}: {shape}")
            print(f"{'endpoint':<10} {'side':<5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/req':>11}")
            for name, (ours_send, bare_send) in cases.items():
                compare(name, {"ours": (ours, ours_send), "bare": (bare, bare_send)}, args)


def compare(name: str, sides: dict[str, tuple[Side, Send]], args: argparse.Namespace) -> None:
    """Rounds of each side's load in turn (which goes first alternates), then each side's median
    figures and the p50 ratio: the median of the rounds' ratios, each ours to the bare load next
    to it, so that the machine's changes over a run hit both sides of a ratio alike.

    Why a new server process for every round: identical processes differ. In an A/A test (the
    same code started four times, rounds rotated over them, each server alone on one CPU) one
    process of ours used 4.5 ms of CPU a request where another used 4.0, round after round, and
    four bare processes spread over 13% in CPU and 15% in p50 (bench/README.md, session 29). With
    one process a side, a run measured those two processes' luck as much as the code."""
    rounds: dict[str, list[tuple[float, float, float, float]]] = {"ours": [], "bare": []}
    order = list(sides)
    for round_number in range(args.rounds):
        for side in order if round_number % 2 == 0 else order[::-1]:
            server, send = sides[side]
            with server.started() as (pid, base):
                done = asyncio.run(load(send, base, pid, args.concurrency, args.seconds, args.warmup))
            rounds[side].append((*done.figures(), done.cpu_ms))
    medians = {
        side: [statistics.median(column) for column in zip(*figures, strict=True)]
        for side, figures in rounds.items()
    }
    for side, (rps, p50, p99, cpu_ms) in medians.items():
        print(f"{name:<10} {side:<5} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f} {cpu_ms:>11.2f}")
    ratios = [ours[1] / bare[1] for ours, bare in zip(rounds["ours"], rounds["bare"], strict=True)]
    cpu_ratio = medians["ours"][3] / medians["bare"][3]
    print(
        f"{name:<10} p50 ratio ours/bare: {statistics.median(ratios):.2f}x (target <= 1.3x; rounds "
        f"{min(ratios):.2f}-{max(ratios):.2f}x); server CPU per request {cpu_ratio:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="each load's timed window")
    parser.add_argument("--warmup", type=float, default=2, help="each load's untimed start")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", help="comma-separated cases: validate,test-op,GPT read")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", args)
    postgres = os.environ.get("ACTIONFORGE_TEST_POSTGRES_URL")
    if postgres and not args.skip_postgres:
        with fresh_postgres(postgres) as url:
            run("postgresql", url, args)
    else:
        print("\n(PostgreSQL skipped: set ACTIONFORGE_TEST_POSTGRES_URL, e.g. from ./scripts/postgres)")


if __name__ == "__main__":
    main()
