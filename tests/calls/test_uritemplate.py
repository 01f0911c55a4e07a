"""The RFC 6570 test suite, expanded through our OpenAPI serializer.

Each expression form that an OpenAPI style corresponds to ({var} simple, {.var} label, {;var}
matrix, {?var}/{&var} form, each with or without explode "*") is expanded by composing
:mod:`actionforge.calls.serialize` calls, one per variable, exactly as the request builder
composes parameters. Forms OpenAPI has no style for are skipped and counted.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from actionforge.calls.serialize import path_value, query_pairs
from tests.data import CORPUS

SUITE_FILES = ("spec-examples.json", "spec-examples-by-section.json", "extended-tests.json")
EXPRESSION = re.compile(r"\{([^}]*)\}")
PCT_TRIPLE = re.compile(r"(%[0-9A-Fa-f]{2})")
# Operators with no OpenAPI style: reserved "+", fragment "#", path-segment "/".
UNSUPPORTED_OPERATORS = set("+#/")


def _literal(text: str) -> str:
    """RFC 6570 section 3.1: literals are copied, with characters outside reserved/unreserved
    (and outside existing %XX triples) percent-encoded. Template handling, not serialization."""
    return "".join(
        p if PCT_TRIPLE.fullmatch(p) else quote(p, safe=":/?#[]@!$&'()*+,;=") for p in PCT_TRIPLE.split(text)
    )


def _undefined(value: Any) -> bool:
    return value is None or value == [] or value == {}


def _expand_expression(expression: str, variables: dict[str, Any]) -> str:
    operator = expression[0] if expression[:1] in set(".;?&") else ""
    varspecs = expression[len(operator) :].split(",")
    pieces: list[str] = []
    for spec in varspecs:
        explode = spec.endswith("*")
        varname = spec.rstrip("*")
        value = variables.get(varname)
        if _undefined(value):
            continue  # an undefined variable contributes nothing; the builder omits it too
        # A parameter name is unencoded text; the template holds it percent-encoded.
        name = unquote(varname)
        if operator == "":
            pieces.append(path_value(name, value, style="simple", explode=explode))
        elif operator == ".":
            pieces.append(path_value(name, value, style="label", explode=explode))
        elif operator == ";":
            pieces.append(path_value(name, value, style="matrix", explode=explode))
        else:
            pieces.append("&".join(query_pairs(name, value, style="form", explode=explode)))
    if not pieces:
        return ""
    if operator == "":
        return ",".join(pieces)
    if operator in ".;":
        return "".join(pieces)
    return operator + "&".join(pieces)


def expand(template: str, variables: dict[str, Any]) -> str:
    out: list[str] = []
    last = 0
    for match in EXPRESSION.finditer(template):
        out.append(_literal(template[last : match.start()]))
        out.append(_expand_expression(match.group(1), variables))
        last = match.end()
    out.append(_literal(template[last:]))
    return "".join(out)


def skip_reason(template: str) -> str | None:
    for expression in EXPRESSION.findall(template):
        if expression[:1] in UNSUPPORTED_OPERATORS:
            return f"operator {expression[0]!r} has no OpenAPI style"
        if any(":" in spec for spec in expression.split(",")):
            return "prefix modifier (:N) has no OpenAPI equivalent"
    return None


def _load(corpus_dir: Path) -> tuple[list[tuple[str, str, dict[str, Any], Any]], Counter[str]]:
    cases: list[tuple[str, str, dict[str, Any], Any]] = []
    skipped: Counter[str] = Counter()
    for filename in SUITE_FILES:
        groups = json.loads((corpus_dir / filename).read_text(encoding="utf-8"))
        for group_name, group in groups.items():
            for template, expected in group["testcases"]:
                reason = skip_reason(template)
                if reason:
                    skipped[reason] += 1
                    continue
                cases.append((f"{filename}:{group_name}:{template}", template, group["variables"], expected))
    return cases, skipped


SUITE_DIR = CORPUS / "uritemplate-test"
CASES, SKIPPED = _load(SUITE_DIR)


def test_suite_coverage(corpus: Path) -> None:
    """The numbers are pinned so a changed suite or a widened skip rule is noticed."""
    assert corpus / "uritemplate-test" == SUITE_DIR
    assert len(CASES) == 123
    assert SKIPPED == {
        "operator '+' has no OpenAPI style": 32,
        "operator '#' has no OpenAPI style": 24,
        "operator '/' has no OpenAPI style": 36,
        "prefix modifier (:N) has no OpenAPI equivalent": 19,
    }


@pytest.mark.parametrize(
    ("template", "variables", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_expansion(template: str, variables: dict[str, Any], expected: str | list[str]) -> None:
    result = expand(template, variables)
    acceptable = expected if isinstance(expected, list) else [expected]
    assert result in acceptable
