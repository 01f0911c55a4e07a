"""``actionforge testing model``: the scripted model from the shell."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from typer.testing import CliRunner

from actionforge.cli.main import app
from tests.servers.threaded import free_port

SCRIPT = "- text: Hello from the script.\n"


def test_a_bad_script_exits_1_naming_the_place(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text("- {txt: hi}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["testing", "model", "--script", str(script)])
    assert result.exit_code == 1
    assert "/0/txt: Extra inputs are not permitted" in result.stderr


def test_help_loads_no_server_stack() -> None:
    code = (
        "import sys\nfrom actionforge.cli.main import app\n"
        "try:\n    app(['testing', 'model', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'starlette', 'uvicorn', 'openai'}"
        " or m.startswith('actionforge.testing')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    script, record = tmp_path / "script.yaml", tmp_path / "requests.jsonl"
    script.write_text(SCRIPT, encoding="utf-8")
    port = free_port()
    argv = ["testing", "model", "--script", str(script), "--port", str(port), "--record", str(record)]
    process = subprocess.Popen(
        [sys.executable, "-m", "actionforge.cli.main", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}/v1", record
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until the port accepts connections (a separate process: nothing to hand us its socket)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    raise RuntimeError(f"the scripted model did not start: {process.communicate(timeout=5)}")


def test_the_command_serves_the_script_and_records_requests(served: tuple[str, Path]) -> None:
    base_url, record = served
    client = openai.OpenAI(base_url=base_url, api_key="sk-demo-key", max_retries=0)
    stream = client.chat.completions.create(
        model="scripted", messages=[{"role": "user", "content": "hi there"}], stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    client.close()
    assert text == "Hello from the script."
    (line,) = record.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["body"]["messages"] == [{"role": "user", "content": "hi there"}]
    assert "sk-demo-key" not in line
