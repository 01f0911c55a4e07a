"""Calls benchmark: 2,000 sequential `Action.call`s against raw httpx, same loopback server.

    .venv/bin/python bench/calls.py [--calls 2000] [--concurrency 50]

Then the same calls from 50 tasks at once, where the connection pool holds many connections: the
CPU per call of this process, each side, rounds alternated (the server's CPU is not in it).

Also reports the median time of `Action.build_request` (argument check + serialization) for a
typical operation. The server runs in its own process (uvicorn) so it does not share our GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent


def petstore_on(base_url: str) -> str:
    from actionforge.examples import example_text

    return example_text("petstore").replace("https://petstore.swagger.io/v2", base_url + "/v2")


def start_server(port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "upstream:app", "--port", str(port), "--log-level", "error"]
    proc = subprocess.Popen(cmd, cwd=HERE)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/v2/pet/1")
            return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the benchmark server did not start")


async def raw_httpx(base: str, n: int) -> list[float]:
    times = []
    async with httpx.AsyncClient() as client:
        for i in range(n):
            t = time.perf_counter()
            response = await client.get(f"{base}/v2/pet/{i % 100 + 1}")
            response.json()
            times.append(time.perf_counter() - t)
    return times


async def actionforge_calls(base: str, n: int) -> list[float]:
    from actionforge import Settings, load_action

    settings = Settings(allow_loopback=True, allow_http=True, allow_any_port=True)
    times = []
    async with load_action(petstore_on(base), settings=settings) as action:
        for i in range(n):
            t = time.perf_counter()
            result = await action.call("getPetById", {"petId": i % 100 + 1})
            times.append(time.perf_counter() - t)
            assert result.ok, result
    return times


async def cpu_per_call(call: Callable[[int], Awaitable[None]], n: int, concurrency: int) -> float:
    """CPU ms per call of ``n`` calls made by ``concurrency`` tasks at once."""
    remaining = iter(range(n))

    async def worker() -> None:
        for i in remaining:
            await call(i)

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - started) * 1000 / n


async def raw_httpx_concurrent(base: str, n: int, concurrency: int) -> float:
    async with httpx.AsyncClient() as client:

        async def call(i: int) -> None:
            response = await client.get(f"{base}/v2/pet/{i % 100 + 1}")
            response.json()

        return await cpu_per_call(call, n, concurrency)


async def actionforge_concurrent(base: str, n: int, concurrency: int) -> float:
    from actionforge import Settings, load_action

    settings = Settings(allow_loopback=True, allow_http=True, allow_any_port=True)
    async with load_action(petstore_on(base), settings=settings) as action:

        async def call(i: int) -> None:
            result = await action.call("getPetById", {"petId": i % 100 + 1})
            assert result.ok, result

        return await cpu_per_call(call, n, concurrency)


def concurrent_medians(base: str, calls: int, concurrency: int, rounds: int = 5) -> tuple[float, float]:
    """Median CPU ms per call of each side over alternating rounds: (raw httpx, actionforge)."""
    raw, ours = [], []
    for _ in range(rounds):
        raw.append(asyncio.run(raw_httpx_concurrent(base, calls, concurrency)))
        ours.append(asyncio.run(actionforge_concurrent(base, calls, concurrency)))
    return statistics.median(raw), statistics.median(ours)


def build_request_medians(rounds: int = 7, per_round: int = 4_000) -> tuple[float, float]:
    """Median µs of `Action.build_request` (check + serialize) and, as the baseline, of building
    the same request by hand with `httpx.Request` from an f-string URL.

    The two alternate call by call. Each round gives a median per side; the lowest round median
    is reported for both, as `timeit` advises: slower rounds measure the neighbours, not the code.
    """
    from actionforge import load_action

    action = load_action(petstore_on("https://petstore.swagger.io"))
    ours_rounds, raw_rounds = [], []
    for _ in range(rounds):
        ours, raw = [], []
        for i in range(per_round):
            t = time.perf_counter_ns()
            action.build_request("getPetById", {"petId": i})
            ours.append(time.perf_counter_ns() - t)
            t = time.perf_counter_ns()
            httpx.Request("GET", f"https://petstore.swagger.io/v2/pet/{i}")
            raw.append(time.perf_counter_ns() - t)
        ours_rounds.append(statistics.median(ours) / 1000)
        raw_rounds.append(statistics.median(raw) / 1000)
    return min(ours_rounds), min(raw_rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    server = start_server(args.port)
    base = f"http://127.0.0.1:{args.port}"
    try:
        asyncio.run(raw_httpx(base, 200))  # warm both sides up
        asyncio.run(actionforge_calls(base, 200))
        # Alternate rounds, so a noisy neighbour slows both sides alike.
        raw: list[float] = []
        ours: list[float] = []
        rounds = 4
        for _ in range(rounds):
            raw += asyncio.run(raw_httpx(base, args.calls // rounds))
            ours += asyncio.run(actionforge_calls(base, args.calls // rounds))
        raw_cpu, ours_cpu = concurrent_medians(base, args.calls, args.concurrency)
    finally:
        server.terminate()
        server.wait()
    print(f"{args.calls} sequential GET calls in alternating rounds, loopback server in its own process")
    print(f"{'':<22} {'total s':>8} {'median ms':>10} {'p95 ms':>8}")
    for name, times in (("raw httpx", raw), ("actionforge call", ours)):
        p95 = sorted(times)[int(len(times) * 0.95)] * 1000
        print(f"{name:<22} {sum(times):>8.3f} {statistics.median(times) * 1000:>10.3f} {p95:>8.3f}")
    print(f"ratio (actionforge / raw httpx, total): {sum(ours) / sum(raw):.2f}x  (target <= 1.2x)")
    print(
        f"\n{args.calls} calls from {args.concurrency} tasks at once, CPU ms per call (median of 5 rounds):"
        f" raw httpx {raw_cpu:.3f}, actionforge {ours_cpu:.3f}, ratio {ours_cpu / raw_cpu:.2f}x"
    )
    built, by_hand = build_request_medians()
    print(
        f"build_request median: {built:.1f} µs  (target < 50 µs); httpx.Request by hand: {by_hand:.1f} µs"
        f"  (lowest of 7 round medians, 4,000 calls each)"
    )


if __name__ == "__main__":
    main()
