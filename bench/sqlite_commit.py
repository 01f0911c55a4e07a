"""Commits on the thread that makes them: SQLite's own WAL checkpoints against ours on a thread.

    .venv/bin/python bench/sqlite_commit.py [--commits 3000]

The committing thread stands for the event loop's (where the server's SQLite commits run), the
table for the call records' (twenty columns, three indexes besides the key). The baseline is
SQLite's default: a checkpoint inside the commit that takes the log past 1,000 pages. Ours turns
that off and runs `WalCheckpoints` (PASSIVE, every 0.25 s) beside it. Printed: the committing
thread's time per commit (mean, 99th percentile, worst) and per row, for batches of 1 and 6
rows (6: the audit's group commit under bench/api.py's load).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from actionforge.store.wal_checkpoints import WalCheckpoints

COLUMNS = (
    "id", "workspace_id", "gpt_id", "gpt_version", "action_id", "domain", "user_id", "operation",
    "outcome", "status", "latency_ms", "request_bytes", "response_bytes", "egress", "egress_reason",
    "consent", "arguments", "request", "response", "created_at",
)  # fmt: skip
INSERT = f"INSERT INTO calls VALUES ({', '.join('?' * len(COLUMNS))})"
REQUEST = '{"method": "GET", "url": "http://127.0.0.1:8000/items/7?q=bench", "headers": {"accept": "*/*"}}'
RESPONSE = '{"status": 200, "headers": {"content-type": "application/json"}, "body": "{\\"id\\": \\"7\\"}"}'


def record(n: int) -> tuple[object, ...]:
    return (
        uuid.uuid4().hex, "ws_1", "gpt_1", 0, "act_1", "127.0.0.1", "usr_1", "getItem", "ok", 200, 12,
        120, 300, "allowed", None, "builder_test", '{"id": 7, "q": "bench"}', REQUEST, RESPONSE,
        f"2026-12-08T05:00:00.{n:06d}",
    )  # fmt: skip


def connect(path: Path, *, ours: bool) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    if ours:
        connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute(f"CREATE TABLE calls ({', '.join(COLUMNS)}, PRIMARY KEY (id))")
    for n, columns in enumerate(("gpt_id, id", "workspace_id, id", "created_at")):
        connection.execute(f"CREATE INDEX i{n} ON calls ({columns})")
    return connection


def run(commits: int, batch: int, *, ours: bool) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calls.db"
        connection = connect(path, ours=ours)
        checkpoints = WalCheckpoints(str(path)) if ours else None
        if checkpoints is not None:
            checkpoints.start()
        took: list[float] = []
        try:
            for n in range(commits):
                rows = [record(n * batch + k) for k in range(batch)]
                started = time.perf_counter()
                connection.execute("BEGIN")
                connection.executemany(INSERT, rows)
                connection.execute("COMMIT")
                took.append(time.perf_counter() - started)
        finally:
            if checkpoints is not None:
                checkpoints.stop()
            connection.close()
    ordered = sorted(took)
    mean = statistics.mean(took)
    p99 = ordered[int(len(ordered) * 0.99)]
    side = "ours: a thread checkpoints" if ours else "SQLite's own checkpoints"
    return (
        f"{side:<28} batch {batch}: {mean * 1e6:7.0f} us a commit ({mean / batch * 1e6:5.0f} a row), "
        f"p99 {p99 * 1e3:5.2f} ms, worst {ordered[-1] * 1e3:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=3000)
    args = parser.parse_args()
    for batch in (1, 6):
        for ours in (False, True):
            print(run(args.commits, batch, ours=ours))


if __name__ == "__main__":
    main()
