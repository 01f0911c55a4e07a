"""Ingest benchmark: load + validate + build tools for large real documents, against fastmcp.

Each measurement runs in a fresh subprocess so that time and peak memory are not shared between
runs, and is cold, as the CLI runs it: the clock starts before the implementation is imported, so
its import time counts (the interpreter's own start-up, the same for both, does not). Both wall
time and CPU time are shown: on a shared machine the wall time of a short run is mostly waiting
for a core, so the CPU speed-up is the steadier figure; `--repeat N` keeps each side's lowest
of N runs. Both sides import byte-compiled modules, as installed packages do (pip compiles them
at install): fastmcp's venv has its bytecode, and this script compiles actionforge's once before
measuring, since an editable checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile
the engine's modules in every fresh process (about 40 ms of CPU). Run
`bench/fetch_data.sh` first, then, in the separate venv that holds fastmcp (bench/README.md):

    /work/benchvenv/bin/python bench/ingest.py [--timeout 540] [--only stripe,github] [--repeat 3]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "package"
DOCUMENTS = {
    "stripe": DATA / "api" / "stripe.com.json",
    "github": DATA / "generated" / "api.github.com.json",
    # Kubernetes has no public host: its `servers` is "//kubernetes.local", which no action can
    # use, so both implementations read a copy whose server is an absolute https URL.
    "kubernetes": DATA / "api" / "kubernetes.io.https.json",
    "graph": DATA / "api" / "microsoft.com" / "graph.json",
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_actionforge(path: Path) -> dict[str, float | int]:
    start, cpu_start = time.perf_counter(), time.process_time()
    from actionforge import Settings, load_action

    settings = Settings(max_document_bytes=100_000_000)
    action = load_action(path, "extended", settings=settings)
    tools = action.tools("openai")
    return _figures(start, cpu_start, len(tools))


def run_fastmcp(path: Path) -> dict[str, float | int]:
    start, cpu_start = time.perf_counter(), time.process_time()
    import asyncio

    from fastmcp import FastMCP

    spec = json.loads(path.read_text(encoding="utf-8"))
    server = FastMCP.from_openapi(openapi_spec=spec)
    tools = asyncio.run(server.list_tools())
    return _figures(start, cpu_start, len(tools))


def _figures(start: float, cpu_start: float, tools: int) -> dict[str, float | int]:
    return {
        "seconds": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu_start,
        "tools": tools,
        "peak_mb": _peak_rss_mb(),
    }


RUNNERS = {"actionforge": run_actionforge, "fastmcp": run_fastmcp}


def measure(impl: str, doc: str, timeout: float, repeat: int = 1) -> dict[str, object]:
    """The lowest wall and CPU time of ``repeat`` fresh runs (each in its own child process)."""
    runs = [_measure_once(impl, doc, timeout) for _ in range(repeat)]
    failed = [run for run in runs if "error" in run]
    if failed:
        return failed[0]
    best = dict(runs[0])
    for figure in ("seconds", "cpu_s", "peak_mb"):
        best[figure] = min(float(str(run[figure])) for run in runs)
    return best


def _measure_once(impl: str, doc: str, timeout: float) -> dict[str, object]:
    """Run one (implementation, document) pair in a child process."""
    cmd = [sys.executable, __file__, "--child", impl, doc]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--timeout", type=float, default=540.0, help="seconds per run (default 540)")
    parser.add_argument("--only", default=",".join(DOCUMENTS), help="comma-separated documents")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the lowest is shown")
    parser.add_argument("--child", nargs=2, metavar=("IMPL", "DOC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        impl, doc = args.child
        print(json.dumps(RUNNERS[impl](DOCUMENTS[doc])))
        return

    _write_kubernetes_copy()
    _compile_actionforge()
    missing = [str(p) for p in DOCUMENTS.values() if not p.exists()]
    if missing:
        sys.exit(f"missing benchmark data ({missing[0]}...): run bench/fetch_data.sh first")
    header = f"{'document':<11} {'MB':>5} | {'actionforge s':>13} {'cpu s':>6} {'peak MB':>8} {'tools':>6} | "
    header += f"{'fastmcp s':>10} {'cpu s':>6} {'peak MB':>8} {'tools':>6} | {'speed-up':>8} {'cpu':>6}"
    print(header)
    print("-" * len(header))
    for doc in args.only.split(","):
        size = DOCUMENTS[doc].stat().st_size / 1e6
        ours = measure("actionforge", doc, args.timeout, args.repeat)
        theirs = measure("fastmcp", doc, args.timeout, args.repeat)
        row = f"{doc:<11} {size:>5.1f} | {_cells(ours, 13)} | {_cells(theirs, 10)} | "
        print(row + f"{_speedup(ours, theirs, 'seconds'):>8} {_speedup(ours, theirs, 'cpu_s'):>6}")
        sys.stdout.flush()


def _compile_actionforge() -> None:
    """Byte-compile the actionforge package being measured, into its ``__pycache__`` directories,
    as ``pip install`` does for an installed package (no-op for modules already compiled)."""
    spec = importlib.util.find_spec("actionforge")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        sys.exit("actionforge is not importable from this interpreter")
    for directory in spec.submodule_search_locations:
        compileall.compile_dir(directory, quiet=1)


def _write_kubernetes_copy() -> None:
    original = DATA / "api" / "kubernetes.io.json"
    if original.exists() and not DOCUMENTS["kubernetes"].exists():
        spec = json.loads(original.read_text(encoding="utf-8"))
        spec["servers"] = [{"url": "https://kubernetes.example.com"}]
        DOCUMENTS["kubernetes"].write_text(json.dumps(spec), encoding="utf-8")


def _cells(result: dict[str, object], width: int) -> str:
    if "error" in result:
        return f"{result['error']!s:>{width + 23}}"
    cpu = f"{result['cpu_s']:>6.2f}"
    return f"{result['seconds']:>{width}.2f} {cpu} {result['peak_mb']:>8.0f} {result['tools']:>6}"


def _speedup(ours: dict[str, object], theirs: dict[str, object], figure: str) -> str:
    if "error" in ours:
        return "-"
    if "error" in theirs:
        return "DNF"
    return f"{float(str(theirs[figure])) / float(str(ours[figure])):.1f}x"


if __name__ == "__main__":
    main()
