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
        for _ in range(200):  # wait for start-up: readiness, not a timing assertion
            if process.poll() is not None:
                pytest.fail(out.read_text())
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, out
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[str, Path]]:
    with running_server(tmp_path, database_url) as found:
        yield found
