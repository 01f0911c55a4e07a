"""Structural checks of a bundled OpenAPI 3.x document, each problem with a JSON pointer.

Two passes:

* :func:`validate_structure`: the document against the official OAS schema of its version, the
  per-schema checks (schema_checks.py) and the semantic rules (semantics.py), all on every
  document whatever its size (jsonschema-rs, compiled: see oas_schema.py). Its findings are sorted
  into errors, which would make a request wrong where they sit, and harmless warnings.
* :func:`reference_issues` walks the document once for ``$ref`` problems: references that lead
  nowhere (errors) and component schemas that reach themselves (warnings: the tool builder keeps a
  recursive schema as a ``$defs`` reference, so recursion is not refused as the original does).

Neither rejects a document (but for an OpenAPI version no schema here describes): what an error
costs, the operations whose request it sits in, is decided by skipping.py and request_parts.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import unquote

from actionforge.openapi import oas_schema
from actionforge.openapi.graphs import is_cycle, strongly_connected
from actionforge.openapi.oas_schema import Finding
from actionforge.openapi.pointers import RefError, resolve_local_ref, unescape_token
from actionforge.openapi.report import Issue, pointer
from actionforge.openapi.schema_checks import schema_findings
from actionforge.openapi.semantics import semantic_findings

MAX_STRUCTURE_ISSUES = 200
MAX_STRUCTURE_ERRORS = 5_000
_MAX_MESSAGE_CHARS = 300

# Document parts the engine never reads to build a tool or a request (see _harmless).
_UNUSED_FIELDS = frozenset(
    {"info", "externalDocs", "tags", "responses", "links", "callbacks", "examples", "example", "webhooks"}
)
# Keys whose values are data, not OpenAPI objects: a "$ref" inside an example is just text.
_DATA_KEYS = frozenset({"example", "examples", "enum", "const", "default"})
# Unknown keys: the engine reads none of them, so they cannot change a request.
_UNKNOWN_KEY_KEYWORDS = frozenset({"additionalProperties", "unevaluatedProperties"})


@dataclass(frozen=True, slots=True)
class StructureResult:
    """``errors`` would make a request wrong where they sit; ``warnings`` change no request;
    ``rejections`` refuse the whole document (a version no schema here describes)."""

    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    rejections: tuple[Issue, ...] = ()


# --- the OAS schema, per-schema and semantic checks ------------------------------------------------


def validate_structure(
    document: Mapping[str, Any],
    *,
    max_issues: int = MAX_STRUCTURE_ISSUES,
    max_errors: int = MAX_STRUCTURE_ERRORS,
) -> StructureResult:
    """Every structural finding as an Issue; never raises.

    At most ``max_issues`` warnings are kept, for the editor's sake, but up to ``max_errors``
    errors: each one may skip an operation, so the warnings of a sloppy document must not hide
    them.
    """
    version = document.get("openapi")
    minor = oas_schema.minor_version(version)
    if minor is None:
        return StructureResult(
            rejections=(
                Issue(f"Unsupported OpenAPI version {version!r}; expected 3.0, 3.1 or 3.2", "/openapi"),
            )
        )
    errors: list[Issue] = []
    warnings: list[Issue] = []
    try:
        findings = _bounded_findings(document, minor, max_issues + max_errors + 1)
    except Exception as exc:  # RecursionError included: the validator must never take the engine down
        detail = f"{type(exc).__name__}: {exc}"
        return StructureResult(
            warnings=(Issue(f"Structural validation could not complete: {_shorten(detail)}", ""),)
        )
    for issue, harmless in findings:
        bucket, cap = (warnings, max_issues) if harmless else (errors, max_errors)
        if len(bucket) < cap:
            bucket.append(issue)
    if len(findings) > len(errors) + len(warnings):
        warnings.append(
            Issue(f"Structural validation stopped after {len(errors) + len(warnings)} problems", "")
        )
    return StructureResult(errors=tuple(errors), warnings=tuple(warnings))


def _bounded_findings(document: Mapping[str, Any], minor: str, limit: int) -> list[tuple[Issue, bool]]:
    """At most ``limit`` findings. jsonschema-rs takes only JSON data; YAML can give integer keys
    (`200:` under responses), so such a document is checked again after a JSON round trip, which
    costs a second on 20 MB and is not paid by documents that do not need it."""
    try:
        return list(islice(_findings(document, minor), limit))
    except ValueError:
        normalized = json.loads(json.dumps(document, default=str))
        return list(islice(_findings(normalized, minor), limit))


def _findings(document: Mapping[str, Any], minor: str) -> Iterator[tuple[Issue, bool]]:
    """(issue, harmless) pairs: the OAS schema, the semantic rules, then the per-schema checks
    (whose findings at a place the OAS schema already reported are left out)."""
    reported: set[str] = set()
    for finding in oas_schema.document_findings(document, minor):
        issue, harmless = _located(finding)
        reported.add(issue.pointer)
        yield issue, harmless
    for finding in semantic_findings(document):
        yield _located(finding)
    for finding in schema_findings(document, minor):
        issue, harmless = _located(finding)
        if issue.pointer not in reported:
            yield issue, harmless


def _located(finding: Finding) -> tuple[Issue, bool]:
    harmless = finding.harmless if finding.harmless is not None else _harmless(finding)
    return Issue(_shorten(finding.message), pointer(*finding.path)), harmless


def _harmless(finding: Finding) -> bool:
    """Whether a finding leaves every request as it would be: a warning wherever it sits.

    * Anything inside a part the engine never reads to build a tool or a request: ``info``,
      ``externalDocs``, ``tags``, ``responses`` (and a missing ``responses``), Link, Callback and
      Example Objects, ``webhooks``. (Links also because the 3.1 schema of 2022-10-07 misspells
      Link Object's ``server`` as ``body``, so valid links fail.)
    * Keys that are not OpenAPI: the engine reads none of them.
    * ``required: true`` on a property schema, Swagger-style: common in real documents (Slack's
      and Speak's plugin specs); the tool builder reads it as "required by the parent".
    * A path parameter with ``required: false``, or a parameter without a ``name``: operations.py
      repairs the one (required anyway) and drops the other, each with its own warning.
    """
    path = tuple(str(t) for t in finding.path)
    if finding.keyword in _UNKNOWN_KEY_KEYWORDS:
        return True
    if _missing(finding, "responses"):
        return True
    if path and path[-1] == "required" and isinstance(finding.instance, bool):
        return True  # `required: true` on a property, `required: false` on a path parameter
    if _missing(finding, "name") and "parameters" in path[-2:-1]:
        return True
    return _in_unused_part(path)


def _missing(finding: Finding, name: str) -> bool:
    return finding.keyword == "required" and finding.message == f"{name!r} is a required property"


def _in_unused_part(tokens: tuple[str, ...]) -> bool:
    for index, token in enumerate(tokens):
        if token not in _UNUSED_FIELDS:
            continue
        parent = tokens[index - 1] if index else ""
        if parent == "properties" or (index == 2 and tokens[0] == "components"):
            continue  # a schema property or a component that merely has that name
        return True
    return False


def _shorten(message: str) -> str:
    """Validators quote whole instances in messages; a path item can be pages long."""
    return message if len(message) <= _MAX_MESSAGE_CHARS else message[: _MAX_MESSAGE_CHARS - 1] + "…"


# --- references ----------------------------------------------------------------------------------


def reference_issues(document: Mapping[str, Any]) -> StructureResult:
    """Dangling ``$ref``s (errors) and circular component schemas (warnings), in one linear walk."""
    errors: list[Issue] = []
    resolved: dict[str, str | None] = {}  # ref -> failure reason, None when it resolves
    edges: dict[str, set[str]] = {}  # component schema -> component schemas it references
    schemas = _component_schemas(document)
    schema_prefix = "#/components/schemas/"

    # (node, path as nested (parent, token) pairs, component schema it belongs to). The path is
    # turned into a pointer string only for a dangling ref: building one per node was the
    # slowest part of this walk on 10 MB documents. Exact type checks: the data comes from
    # json/yaml, which build plain dicts and lists.
    stack: list[tuple[Any, Any, str | None]] = [(document, None, None)]
    pop, push = stack.pop, stack.append
    while stack:
        node, path, owner = pop()
        if type(node) is list:
            for index, value in enumerate(node):
                if type(value) is dict or type(value) is list:
                    push((value, (path, index), owner))
            continue
        ref = node.get("$ref")
        if type(ref) is str:
            if ref not in resolved:
                resolved[ref] = _ref_problem(document, ref)
            if resolved[ref] is not None:
                errors.append(Issue(f"Could not resolve $ref {ref!r}: {resolved[ref]}", _path_pointer(path)))
            elif owner is not None and ref.startswith(schema_prefix):
                target = unescape_token(unquote(ref[len(schema_prefix) :].split("/", 1)[0]))
                edges.setdefault(owner, set()).add(target)
        in_schemas = owner is None and schemas is not None and node is schemas
        for key, value in node.items():
            kind = type(value)
            if (kind is not dict and kind is not list) or type(key) is not str:
                continue
            if key in _DATA_KEYS or key.startswith("x-"):
                continue
            push((value, (path, key), key if in_schemas else owner))

    warnings = [
        Issue(
            f"Schema #{pointer('components', 'schemas', name)} is circular; it is kept as a $defs reference",
            pointer("components", "schemas", name),
        )
        for name in _circular(edges, order=list(schemas) if schemas is not None else [])
    ]
    errors.sort(key=lambda issue: issue.pointer)
    return StructureResult(errors=tuple(errors), warnings=tuple(warnings))


def _path_pointer(path: Any) -> str:
    tokens: list[str] = []
    while path is not None:
        path, token = path
        tokens.append(str(token))
    return pointer(*reversed(tokens))


def _component_schemas(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    return schemas if isinstance(schemas, Mapping) else None


def _ref_problem(document: Mapping[str, Any], ref: str) -> str | None:
    try:
        resolve_local_ref(document, ref)
    except RefError as exc:
        return exc.reason
    return None


def _circular(edges: dict[str, set[str]], order: list[str]) -> list[str]:
    """Schemas on a reference cycle, in document order."""
    cyclic = {
        name
        for component in strongly_connected(edges, roots=order)
        if is_cycle(component, edges)
        for name in component
    }
    return [name for name in order if name in cyclic]
