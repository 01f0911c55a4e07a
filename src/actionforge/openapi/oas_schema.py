"""The official OpenAPI JSON Schemas, compiled once per process with jsonschema-rs.

jsonschema-rs is a compiled validator: GitHub's 5.7 MB description checks against the OAS 3.0
schema in about 10 ms, where the pure-Python openapi-spec-validator took seconds per megabyte. The
schemas are vendored in ``oas/`` (see its README for origin and license), and every validator is
built with ``offline=True``: nothing is ever fetched.

Two kinds of check live here: a document against its version's OAS schema, and Schema Objects
against their JSON Schema dialect (draft-04 for OpenAPI 3.0, the OAS base dialect for 3.1/3.2).
Both yield :class:`Finding`, one per problem, at the most specific place (see ``_best``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema_rs

_SCHEMAS = files("actionforge.openapi") / "oas"
_MINOR_VERSION = re.compile(r"3\.[0-9]+")
_DOCUMENT_SCHEMAS = {"3.0": "schema-3.0.json", "3.1": "schema-3.1.json", "3.2": "schema-3.2.json"}
# Dialect and vocabulary meta-schemas the 3.1/3.2 schemas and dialects refer to by URI.
_RESOURCES = ("dialect-3.1.json", "meta-3.1.json", "dialect-3.2.json", "meta-3.2.json")
DRAFT4 = "http://json-schema.org/draft-04/schema#"
OAS31_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
OAS32_DIALECT = "https://spec.openapis.org/oas/3.2/dialect/2025-09-17"
DEFAULT_DIALECTS = {"3.0": DRAFT4, "3.1": OAS31_DIALECT, "3.2": OAS32_DIALECT}
_OLDER_DRAFTS = frozenset(
    {
        DRAFT4,
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft/2019-09/schema",
    }
)
KNOWN_DIALECTS = _OLDER_DRAFTS | {
    OAS31_DIALECT,
    OAS32_DIALECT,
    "https://json-schema.org/draft/2020-12/schema",
}
# As jsonschema's best_match: a failed anyOf/oneOf says less than the branch error beneath it.
_WEAK = frozenset({"anyOf", "oneOf"})
_EXTRA_KEYS = frozenset({"additionalProperties", "unevaluatedProperties"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: where (tokens into the checked instance), which keyword, what.

    ``harmless`` is set by checks that know their verdict (a default that does not match is never
    a reason to skip an operation); None leaves it to the place and keyword (structure.py).
    """

    path: tuple[str | int, ...]
    keyword: str
    message: str
    instance: Any = None
    harmless: bool | None = None


def minor_version(version: Any) -> str | None:
    """The minor version, "3.0", "3.1" or "3.2", of a version string such as "3.1.0" (or of a
    malformed "3.1", which the OAS schema then reports); None for anything else."""
    match = _MINOR_VERSION.match(version) if isinstance(version, str) else None
    minor = match.group(0) if match else None
    return minor if minor in _DOCUMENT_SCHEMAS else None


def document_findings(document: Any, minor: str) -> Iterator[Finding]:
    """The document against the official OAS schema of its minor version."""
    for error in _document_validator(minor).iter_errors(document):
        yield from _per_key(error)


def dialect_findings(schemas: list[Any], dialect: str) -> Iterator[tuple[int, Finding]]:
    """Each of ``schemas`` against a dialect's meta-schema, in one call: (index, finding) pairs.

    ``dialect`` must be one of KNOWN_DIALECTS."""
    for error in _dialect_validator(dialect).iter_errors(schemas):
        best = _best(error)
        index = best.path[0]
        assert isinstance(index, int)
        yield index, Finding(best.path[1:], best.keyword, best.message, best.instance)


def compiled(schema: Any, dialect: str) -> jsonschema_rs.Validator | None:
    """A validator for one Schema Object without ``$ref``s (a default's check); None if it does not
    compile (the dialect check reports why)."""
    draft = jsonschema_rs.Draft4Validator if dialect == DRAFT4 else jsonschema_rs.Draft202012Validator
    try:
        return draft(schema, validate_formats=False, offline=True)
    except (ValueError, TypeError, jsonschema_rs.ReferencingError):  # ValidationError is a ValueError
        return None


@cache
def _registry() -> jsonschema_rs.Registry:
    resources = [_load(name) for name in _RESOURCES]
    return jsonschema_rs.Registry([(r["$id"], r) for r in resources])


@cache
def _document_validator(minor: str) -> jsonschema_rs.Validator:
    # Formats off, as Python jsonschema's default: the OAS 3.0 schema (draft-04, where formats are
    # assertions) would test each `pattern` as an ECMA-262 regex, but the patterns that matter are
    # those Python's re compiles (schema_checks.py checks exactly that).
    schema = _load(_DOCUMENT_SCHEMAS[minor])
    return jsonschema_rs.validator_for(schema, registry=_registry(), validate_formats=False, offline=True)


@cache
def _dialect_validator(dialect: str) -> jsonschema_rs.Validator:
    wrapper: dict[str, Any] = {"type": "array", "items": {"$ref": dialect}}
    if dialect in _OLDER_DRAFTS:  # jsonschema-rs finds an older draft's meta-schema only from it
        wrapper["$schema"] = dialect
    return jsonschema_rs.validator_for(wrapper, registry=_registry(), validate_formats=False, offline=True)


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_SCHEMAS.joinpath(name).read_text(encoding="utf-8"))
    return loaded


def _best(error: jsonschema_rs.ValidationError) -> Finding:
    best = _best_error(error)
    return Finding(tuple(best.instance_path), best.kind.name, message_of(best), best.instance)


def _best_error(error: jsonschema_rs.ValidationError) -> jsonschema_rs.ValidationError:
    """The most specific error under ``error``: jsonschema's ``best_match`` descent.

    jsonschema-rs reports a failed ``oneOf`` as one error whose branches' errors sit in its
    ``context``; the deepest branch error usually names the real mistake ("'strng' is not one of
    ..."), the top one only that no branch matched. Where two candidates tie, the parent stays.
    """
    best = error
    while True:
        candidates = _context(best)
        if not candidates:
            break
        ranked = sorted(candidates, key=_relevance)
        if len(ranked) > 1 and _relevance(ranked[0]) == _relevance(ranked[1]):
            break
        best = ranked[0]
    return best


def _per_key(error: jsonschema_rs.ValidationError) -> Iterator[Finding]:
    """The finding; for unexpected keys, one per key at its own place (``/paths/~1a/get/cache``,
    not the operation's pointer): the place to delete is the key, and its parent may be pages long."""
    finding = _best(error)
    unexpected: list[str] = getattr(_best_error(error).kind, "unexpected", None) or []
    if finding.keyword not in _EXTRA_KEYS or not unexpected:
        yield finding
        return
    for name in unexpected:
        yield Finding((*finding.path, name), finding.keyword, f"{name!r} is not allowed here", name)


def message_of(error: jsonschema_rs.ValidationError) -> str:
    """The message in Python jsonschema's words, which the editor showed before, for the common
    kinds; jsonschema-rs's own (JSON-quoted) message for the rest."""
    words = _MESSAGES.get(error.kind.name)
    return words(error.kind, error.instance) if words is not None else error.message


def _types(types: list[str]) -> str:
    return ", ".join(repr(t) for t in types)


_MESSAGES: dict[str, Callable[[Any, Any], str]] = {
    "required": lambda kind, _: f"{kind.property!r} is a required property",
    "type": lambda kind, instance: f"{instance!r} is not of type {_types(kind.types)}",
    "enum": lambda kind, instance: f"{instance!r} is not one of {kind.options!r}",
    "const": lambda kind, _: f"{kind.expected_value!r} was expected",
    "format": lambda kind, instance: f"{instance!r} is not a {kind.format!r}",
    "pattern": lambda kind, instance: f"{instance!r} does not match {kind.pattern!r}",
    "anyOf": lambda _, instance: f"{instance!r} is not valid under any of the given schemas",
    "oneOf": lambda kind, instance: (
        f"{instance!r} is not valid under any of the given schemas"
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.OneOfNotValid)
        else f"{instance!r} is valid under more than one of the given schemas"
    ),
}


def _context(error: jsonschema_rs.ValidationError) -> list[jsonschema_rs.ValidationError]:
    """The errors of the branches the instance plausibly meant, flattened.

    A branch is not meant when all it says is that a ``$ref`` is missing (the Reference Object
    branch, for an object without one) or that ``in`` has another value (the branches of the other
    parameter locations). Without this, a path parameter with ``required: false`` ties between
    five branches and is reported only as "not valid under any of the schemas".
    """
    branches: Iterable[list[jsonschema_rs.ValidationError]] = getattr(error.kind, "context", None) or ()
    meant = [branch for branch in branches if not all(_not_meant(child) for child in branch)]
    return [child for branch in meant for child in branch]


def _not_meant(error: jsonschema_rs.ValidationError) -> bool:
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        return kind.property == "$ref"
    tokens = error.instance_path
    return bool(tokens) and tokens[-1] == "in" and kind.name in ("enum", "const")


def _relevance(error: jsonschema_rs.ValidationError) -> tuple[int, tuple[str, ...], bool]:
    """Smaller is better: deeper, earlier, then a weak keyword (so the descent goes on)."""
    path = tuple(str(token) for token in error.instance_path)
    return (-len(path), path, error.kind.name not in _WEAK)
