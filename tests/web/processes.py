"""Real server processes for tests: ``actionforge serve`` on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "actionforge.cli.main"]
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "ACTIONFORGE_DATA_DIR": str(tmp_path / "data"),
        "ACTIONFORGE_DATABASE_URL": database_url,
        "ACTIONFORGE_ARGON2_TIME_COST": "1",
        "ACTIONFORGE_ARGON2_MEMORY_KIB": "64",
    }


@contextmanager
def running_server(tmp_path: Path, database_url: str, name: str = "serve") -> Iterator[tuple[str, Path]]:
    """A server process; yields its base URL and the file its output goes to."""
    port, out = free_port(), tmp_path / f"{name}.out"
    with out.open("wb") as sink:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)],
            env=environment(tmp_path, database_url),
            stdout=sink,
            stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base, out)
        yield base, out
    finally:
        stop(process)


def wait_until_ready(process: subprocess.Popen[bytes], base: str, out: Path) -> None:
    """Poll /readyz until it answers 200. The deadline is generous (a loaded CI machine may take many
    seconds to import and migrate) and is a guard, not a timing assertion: the test fails, with the
    server's output, rather than going on against a server that is not up. Only once this process
    says it listens on ``base``: another process that took the port meanwhile must not answer."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{out.read_text()}")
        try:
            if f"running on {base}" in out.read_text() and httpx.get(f"{base}/readyz", timeout=10).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server was not ready after {START_TIMEOUT_S} s:\n{out.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server; kill it if it does not end in time, so no test leaves one behind."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[str, Path]]:
    with running_server(tmp_path, database_url) as found:
        yield found
