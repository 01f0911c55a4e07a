"""Server logs are JSON lines, and a known secret never reaches them."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

import actionforge
from actionforge.secrets import uninstall_log_redaction
from actionforge.web.logs import (
    BufferedStreamHandler,
    JsonFormatter,
    Scheduled,
    TimerThread,
    configure,
    on_this_thread,
)
from tests.web.test_edge import send


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    root.handlers[:] = [logging.StreamHandler(stream)]
    try:
        yield stream
    finally:
        for handler in root.handlers:
            handler.close()
        uninstall_log_redaction(root)
        root.handlers[:], root.level = saved


def written(stream: io.StringIO) -> str:
    """What the root's handlers wrote to ``stream``, the buffered lines included."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    return stream.getvalue()


def test_log_lines_are_json_and_redacted(captured: io.StringIO) -> None:
    configure()
    secret = actionforge.SecretValue("sk-live-do-not-log-0123456789")
    logging.getLogger("actionforge.test").info("calling with %s", secret.reveal())
    written(captured)
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
        written(captured)
        messages = [json.loads(line)["message"] for line in captured.getvalue().splitlines()]
        assert messages == ["something an operator should see", "ours still logs at INFO"]
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


class Schedule:
    """The handler's timer, run by hand: no test waits for time to pass."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []
        self.cancelled = 0
        self.lost = False  # as a timer whose event loop stopped

    def __call__(self, _delay_s: float, action: Callable[[], None]) -> Schedule:
        self.pending.append(action)
        return self

    def cancel(self) -> None:
        self.cancelled += 1


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def buffered() -> tuple[logging.Logger, CountingStream, Schedule]:
    stream, schedule = CountingStream(), Schedule()
    handler = BufferedStreamHandler(stream, flush_after_s=0.2, schedule=schedule)
    logger = logging.getLogger(f"actionforge.test.buffered.{id(handler)}")
    logger.propagate, logger.level = False, logging.INFO
    logger.addHandler(handler)
    return logger, stream, schedule


def test_info_lines_wait_for_the_timer_and_leave_in_one_write() -> None:
    logger, stream, schedule = buffered()
    for n in range(3):
        logger.info("line %d", n)
    assert stream.getvalue() == ""
    assert len(schedule.pending) == 1  # one timer for the batch, not one per line
    schedule.pending.pop()()
    assert stream.getvalue().splitlines() == ["line 0", "line 1", "line 2"]
    assert stream.writes == 1
    logger.info("after")
    assert len(schedule.pending) == 1  # the next line starts the next timer


def test_a_timer_lost_with_its_event_loop_is_set_again_by_the_next_line() -> None:
    logger, stream, schedule = buffered()
    logger.info("first")
    logger.info("second")
    assert len(schedule.pending) == 1
    schedule.lost = True  # the loop it was due on stopped before it ran
    logger.info("third")
    assert len(schedule.pending) == 2
    schedule.pending.pop()()
    assert stream.getvalue().splitlines() == ["first", "second", "third"]


async def test_a_line_logged_on_an_event_loop_is_flushed_by_that_loop_on_its_thread() -> None:
    """No other thread takes the GIL from the loop to write: the flush is the loop's own callback."""
    writers: list[int] = []

    class ThreadNoting(io.StringIO):
        def write(self, text: str) -> int:
            writers.append(threading.get_ident())
            return super().write(text)

    stream = ThreadNoting()
    handler = BufferedStreamHandler(stream, flush_after_s=0.0)
    logger = logging.getLogger(f"actionforge.test.on_loop.{id(handler)}")
    logger.propagate, logger.level = False, logging.INFO
    logger.addHandler(handler)
    logger.info("from the loop")
    assert stream.getvalue() == ""
    for _ in range(3):  # the flush is due now: a few turns of the loop, no time passing
        await asyncio.sleep(0)
    assert stream.getvalue() == "from the loop\n"
    assert writers == [threading.get_ident()]


def test_a_flush_due_on_a_stopped_loop_is_lost_and_never_runs() -> None:
    ran: list[str] = []

    async def schedule() -> Scheduled:
        scheduled = on_this_thread(3600.0, lambda: ran.append("flush"))
        assert not scheduled.lost
        return scheduled

    scheduled = asyncio.run(schedule())
    assert scheduled.lost
    assert ran == []


def test_a_cancelled_flush_on_a_loop_never_runs() -> None:
    ran: list[str] = []

    async def cancelled_from_another_thread() -> None:
        scheduled = on_this_thread(0.0, lambda: ran.append("flush"))
        canceller = threading.Thread(target=scheduled.cancel)
        canceller.start()
        canceller.join()
        for _ in range(3):
            await asyncio.sleep(0)

    asyncio.run(cancelled_from_another_thread())
    assert ran == []


def test_without_an_event_loop_the_flush_runs_on_the_timer_thread() -> None:
    ran_on: list[int] = []
    done = threading.Event()

    def flush() -> None:
        ran_on.append(threading.get_ident())
        done.set()

    scheduled = on_this_thread(0.0, flush)
    assert done.wait(10)
    assert ran_on != [threading.get_ident()]
    assert not scheduled.lost


def test_the_time_is_written_as_datetime_writes_it() -> None:
    """The date and time up to the second are made once a second; the text stays the same."""
    formatter = JsonFormatter()
    moments = [1765140000.0, 1765140000.0009995, 1765140000.752, 1765140000.9999996, 1765140001.5, 0.0]
    for created in moments:
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)
        record.created = created
        expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        assert json.loads(formatter.format(record))["time"] == expected


def test_a_warning_writes_everything_at_once() -> None:
    logger, stream, schedule = buffered()
    logger.info("first")
    logger.warning("trouble")
    assert stream.getvalue().splitlines() == ["first", "trouble"]
    assert schedule.cancelled == 1  # the pending timer has nothing left to write


def test_the_server_logs_through_one_buffered_handler_where_the_cli_wrote(captured: io.StringIO) -> None:
    configure()
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, BufferedStreamHandler)
    assert isinstance(handler.formatter, JsonFormatter)
    assert handler.stream is captured


def test_a_message_orjson_refuses_is_still_written(captured: io.StringIO) -> None:
    configure()
    logging.getLogger("actionforge.test").warning("odd text: %s", "\ud800")  # a lone surrogate
    entry = json.loads(written(captured).splitlines()[-1])
    assert entry["message"] == "odd text: \ud800"


async def test_an_access_line_is_json_with_its_credentials_masked(captured: io.StringIO) -> None:
    """A query may carry a credential: the access line goes through the same filter as every line."""
    configure()
    secret = actionforge.SecretValue("sk-live-in-a-path-0123456789")
    await send("GET", f"/page/{secret.reveal()}?access_token=tok-abcdef0123456789&page=2")
    (entry,) = [json.loads(line) for line in written(captured).splitlines() if '"actionforge.access"' in line]
    assert (entry["level"], entry["logger"]) == ("info", "actionforge.access")
    assert "sk-live-in-a-path-0123456789" not in entry["message"]
    assert "tok-abcdef0123456789" not in entry["message"]
    assert "page=2" in entry["message"]
    assert '" 404 ' in entry["message"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_timer_thread_runs_due_actions_in_order_on_one_thread() -> None:
    clock, ran, done = FakeClock(), list[str](), threading.Event()
    timers = TimerThread(clock)
    timers(5.0, lambda: ran.append("later"))
    timers(0.0, lambda: ran.append("now"))
    timers(0.0, lambda: done.set())
    assert done.wait(10)
    assert ran == ["now"]  # the clock has not reached the later one
    threads = threading.active_count()
    clock.now = 6.0
    done.clear()
    timers(0.0, lambda: done.set())  # wakes the thread, which finds both due
    assert done.wait(10)
    assert ran == ["now", "later"]
    assert threading.active_count() == threads  # no thread per action


def test_a_cancelled_action_never_runs_and_a_failing_one_stops_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock, ran, done = FakeClock(), list[str](), threading.Event()
    timers = TimerThread(clock)
    timers(1.0, lambda: ran.append("cancelled")).cancel()

    def fail() -> None:
        raise RuntimeError("a closed stream")

    timers(1.0, fail)
    clock.now = 2.0
    timers(0.0, lambda: ran.append("after"))
    timers(0.0, lambda: done.set())
    assert done.wait(10)
    assert ran == ["after"]
    assert "RuntimeError: a closed stream" in capsys.readouterr().err
