"""Property (issue 7 §2): any arguments that satisfy a tool's own schema produce a request.

Either the tool schema says what the encoder accepts (a path value is never empty, a header holds
no CR/LF/NUL: ``tools/build.py``) or the encoder accepts what the schema says (a string form
body, base64 text). Over every document vendored in ``tests/data`` that loads with operations
(the corpus, the Stripe excerpt, and a sample of Kubernetes' 1.13 description), arguments are
generated from ``tool.parameters`` (hypothesis-jsonschema, derandomized, bounded), checked against
that schema, and must build. Zero mismatches: nothing here is excused.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from actionforge.calls.request import build_request
from actionforge.openapi.jsondata import thaw
from actionforge.openapi.loader import DocumentError, load_document
from actionforge.openapi.operations import extract_operations
from actionforge.openapi.profiles import get_profile
from actionforge.settings import Settings
from actionforge.tools.build import build_tools
from actionforge.tools.model import Tool
from tests.calls.generation import generation_schema
from tests.data import CORPUS, DATA

MAX_EXAMPLES = 6
KUBERNETES = DATA / "loading" / "kubernetes-1.13-swagger.json.gz"
KUBERNETES_SAMPLE = 25  # of its ~700 tools, every n-th: the same styles repeat
PLACEHOLDER_SERVER = "https://api.example.test/base"
# Conformance suites' deliberately invalid documents, and split documents' fragments.
NOT_DOCUMENTS = ("/fail/", "/invalid/", "/definitions/", "/common/", "/paths/", "/schemas/")


@dataclass(frozen=True)
class Case:
    id: str
    tool: Tool


def _documents() -> Iterator[tuple[str, str | Path]]:
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json") and not any(p in path.as_posix() for p in NOT_DOCUMENTS):
            yield path.relative_to(CORPUS).as_posix(), path
    yield "calls/stripe_excerpt.json", DATA / "calls" / "stripe_excerpt.json"
    yield "kubernetes-1.13", gzip.decompress(KUBERNETES.read_bytes()).decode()


def _tools(source: str | Path, config: Settings) -> list[Tool]:
    """The document's tools, or none when it is not a loadable document with operations."""
    try:
        document = load_document(source, settings=config).data
    except DocumentError:
        return []
    if not isinstance(document.get("paths"), dict):
        return []
    # The caller's base URL, as for documents written for APIs each customer runs (Kubernetes).
    result = extract_operations(
        document, get_profile("extended", config), config, server_url=PLACEHOLDER_SERVER
    )
    if result.errors:
        return []
    version = "3.0" if str(document.get("openapi")).startswith("3.0") else "3.1"
    return build_tools(result.operations, document, settings=config, source_version=version)


def _cases() -> Iterator[Case]:
    config = Settings()
    for name, source in _documents():
        tools = _tools(source, config)
        if name == "kubernetes-1.13":
            tools = tools[:: max(1, len(tools) // KUBERNETES_SAMPLE)]
        for tool in tools:
            yield Case(f"{name}:{tool.name}", tool)


CASES = list(_cases())


def test_the_corpus_is_really_tried() -> None:
    """Guards against a path change that silently leaves nothing to test."""
    documents = {case.id.rsplit(":", 1)[0] for case in CASES}
    assert len(documents) >= 60, sorted(documents)
    assert len(CASES) >= 200


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_schema_valid_arguments_build_a_request(case: Case) -> None:
    tool = case.tool
    validator = Draft202012Validator(thaw(tool.parameters))
    try:
        strategy = from_schema(generation_schema(tool))
    except Exception as exc:  # hypothesis-jsonschema's own classes are private
        pytest.skip(f"hypothesis-jsonschema cannot generate from this schema: {type(exc).__name__}")

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def check(arguments: dict[str, Any]) -> None:
        assume(validator.is_valid(arguments))
        build_request(tool, arguments)  # raises RequestBuildError on a mismatch

    try:
        check()
    except Exception as exc:
        if type(exc).__name__ != "HypothesisRefResolutionError":
            raise
        pytest.skip("hypothesis-jsonschema cannot generate from recursive $refs")
