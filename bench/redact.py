"""Redaction benchmark: the window scan against one flat ``a|b|c`` alternation regex.

    .venv/bin/python bench/redact.py [--values 10000] [--lines 1000]

Registers many secret values, then masks ordinary log lines and a 100,000-character JSON body
(an API's answer, as the audit record and the builder's test see it). The baseline is the obvious
implementation, one compiled alternation of every escaped value, measured in the same run on the
same texts; both must mask the same text. The body is also timed with 10 values registered (a
server with a few API-key and OAuth actions) and through the whole `redact`, shape rules included.
"""

from __future__ import annotations

import argparse
import re
import secrets
import time
from collections.abc import Callable

from actionforge.secrets.redact import REDACTED, Redactor

LINE = 'INFO httpx: HTTP Request: GET https://api.example.com/v1/things?id=3 "HTTP/1.1 200 OK"'
ITEM = '{"id": 12345, "name": "Blue widget", "tags": ["a", "b"], "price": 9.5, "updated": "2026-12-07"}'
BODY = ("[" + ", ".join([ITEM] * 2000))[:99_999] + "]"


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--values", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=1_000)
    options = parser.parse_args()

    values = [secrets.token_urlsafe(24) for _ in range(options.values)]
    redactor = Redactor(max_secrets=options.values)
    add_s = timed(lambda: [redactor.add(v) for v in values])
    scan_s = timed(lambda: [redactor.redact(LINE) for _ in range(options.lines)])

    flat = re.compile("|".join(re.escape(v) for v in values))
    flat_s = timed(lambda: [flat.sub(REDACTED, LINE) for _ in range(options.lines)])

    probe = f"{LINE} {values[0]} {values[-1]}"
    assert redactor.redact(probe) == flat.sub(REDACTED, probe), "the two disagree"

    per_line = 1e6 / options.lines
    print(f"{options.values:,} values registered in {add_s:.2f} s")
    print(f"window scan:      {scan_s * per_line:8.1f} µs per line")
    print(f"flat alternation: {flat_s * per_line:8.1f} µs per line (baseline)")
    print(f"speed-up: {flat_s / scan_s:.1f}x")
    body(redactor, flat, f"{options.values:,} values")
    few = values[:10]
    few_redactor = Redactor()
    for value in few:
        few_redactor.add(value)
    body(few_redactor, re.compile("|".join(re.escape(v) for v in few)), "10 values")


def body(redactor: Redactor, flat: re.Pattern[str], registered: str) -> None:
    """The 100,000-character body: ours (known values only, then the whole `redact`) and the flat
    alternation, best of 5 each."""
    assert redactor.redact(BODY) == BODY == flat.sub(REDACTED, BODY)
    ours = min(timed(lambda: redactor._redact_values(BODY)) for _ in range(5))
    whole = min(timed(lambda: redactor.redact(BODY)) for _ in range(5))
    baseline = min(timed(lambda: flat.sub(REDACTED, BODY)) for _ in range(5))
    print(
        f"100,000-character JSON body, {registered}: window scan {ours * 1e3:.2f} ms, "
        f"flat alternation {baseline * 1e3:.2f} ms (baseline); whole redact {whole * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
