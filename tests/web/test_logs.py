"""Server logs are JSON lines, and a known secret never reaches them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

import actionforge
from actionforge.secrets import uninstall_log_redaction
from actionforge.web.logs import JsonFormatter, configure


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    root.handlers[:] = [logging.StreamHandler(stream)]
    try:
        yield stream
    finally:
        uninstall_log_redaction(root)
        root.handlers[:], root.level = saved


def test_log_lines_are_json_and_redacted(captured: io.StringIO) -> None:
    configure()
    secret = actionforge.SecretValue("sk-live-do-not-log-0123456789")
    logging.getLogger("actionforge.test").info("calling with %s", secret.reveal())
    entry = json.loads(captured.getvalue().splitlines()[-1])
    assert (entry["level"], entry["logger"]) == ("info", "actionforge.test")
    assert "sk-live-do-not-log-0123456789" not in captured.getvalue()
    assert isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)


def test_tracebacks_are_kept_and_redacted(captured: io.StringIO) -> None:
    configure()
    secret = actionforge.SecretValue("sk-live-in-a-traceback-0123456789")
    try:
        raise RuntimeError(f"failed with {secret.reveal()}")
    except RuntimeError:
        logging.getLogger("actionforge.test").exception("boom")
    entry = json.loads(captured.getvalue().splitlines()[-1])
    assert "RuntimeError" in entry["exception"]
    assert "sk-live-in-a-traceback-0123456789" not in captured.getvalue()


def test_http_library_request_lines_stay_out_and_their_warnings_get_in(captured: io.StringIO) -> None:
    """An upstream call is in the audit log; httpx's own INFO line per request is not repeated."""
    saved = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    try:
        configure()
        logging.getLogger("httpx").info("HTTP Request: GET https://api.example.com/x")
        logging.getLogger("httpcore.connection").debug("connect_tcp.started")
        logging.getLogger("httpx").warning("something an operator should see")
        logging.getLogger("actionforge.test").info("ours still logs at INFO")
        messages = [json.loads(line)["message"] for line in captured.getvalue().splitlines()]
        assert messages == ["something an operator should see", "ours still logs at INFO"]
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
