"""Checks of each Schema Object that the OAS document schema cannot express.

The ones openapi-spec-validator made, kept with their messages: every schema against its JSON
Schema dialect; a ``default`` that its schema rejects; an ``allOf`` schema whose ``required``
names a property no branch defines; a ``pattern`` Python's ``re`` cannot compile (the argument
checks run on Python). All but the dialect check are harmless: none changes a request.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from actionforge.openapi import oas_schema
from actionforge.openapi.jsondata import has_ref
from actionforge.openapi.oas_schema import Finding
from actionforge.openapi.pointers import find_local_ref

Tokens = tuple[str | int, ...]
# Where the schemas sit below a Parameter, Media Type or Header Object.
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMA_KEYS = ("not", "items")
_SUBSCHEMA_HOLDERS = frozenset({*_SUBSCHEMA_LISTS, *_SUBSCHEMA_KEYS, "properties"})
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_COMPONENTS_WITH_SCHEMA = ("parameters", "headers")
_COMPONENTS_WITH_CONTENT = ("requestBodies", "responses")
_EMPTY: Mapping[str, Any] = {}


def schema_findings(document: Mapping[str, Any], minor: str) -> Iterator[Finding]:
    """Every finding of the per-schema checks, at its place in the document."""
    roots = list(_top_schemas(document))
    default_dialect = _default_dialect(document, minor)
    yield from _dialect_checks(roots, default_dialect)
    for tokens, schema in roots:
        yield from _walk(document, tokens, schema, default_dialect)


def _default_dialect(document: Mapping[str, Any], minor: str) -> str:
    declared = document.get("jsonSchemaDialect") if minor != "3.0" else None
    return declared if isinstance(declared, str) else oas_schema.DEFAULT_DIALECTS[minor]


# --- where the schemas are -------------------------------------------------------------------------


def _top_schemas(document: Mapping[str, Any]) -> Iterator[tuple[Tokens, Any]]:
    """(tokens, schema) of each schema an operation or a component holds directly; a bare
    ``{"$ref": ...}`` is left out, its target is checked where it lives."""
    for tokens, schema in _candidates(document):
        if isinstance(schema, Mapping) and set(schema) == {"$ref"}:
            continue
        yield tokens, schema


def _candidates(document: Mapping[str, Any]) -> Iterator[tuple[Tokens, Any]]:
    components = _mapping(document.get("components"))
    for name, schema in _mapping(components.get("schemas")).items():
        yield ("components", "schemas", name), schema
    for kind in _COMPONENTS_WITH_SCHEMA:
        for name, holder in _mapping(components.get(kind)).items():
            yield from _holder_schemas(("components", kind, name), holder)
    for kind in _COMPONENTS_WITH_CONTENT:
        for name, holder in _mapping(components.get(kind)).items():
            yield from _content_schemas(("components", kind, name), holder)
    for path, item in _mapping(document.get("paths")).items():
        yield from _path_item_schemas(("paths", path), _mapping(item))


def _path_item_schemas(at: Tokens, item: Mapping[str, Any]) -> Iterator[tuple[Tokens, Any]]:
    yield from _parameter_schemas(at, item.get("parameters"))
    for method in _METHODS:
        if method not in item:
            continue
        operation = _mapping(item[method])
        here = (*at, method)
        yield from _parameter_schemas(here, operation.get("parameters"))
        yield from _content_schemas((*here, "requestBody"), operation.get("requestBody"))
        for status, response in _mapping(operation.get("responses")).items():
            yield from _content_schemas((*here, "responses", status), response)


def _parameter_schemas(at: Tokens, parameters: Any) -> Iterator[tuple[Tokens, Any]]:
    if isinstance(parameters, list):
        for index, parameter in enumerate(parameters):
            yield from _holder_schemas((*at, "parameters", index), parameter)


def _holder_schemas(at: Tokens, holder: Any) -> Iterator[tuple[Tokens, Any]]:
    """The schema of a Parameter or Header Object, given by ``schema`` or by ``content``."""
    holder = _mapping(holder)
    if "schema" in holder:
        yield (*at, "schema"), holder["schema"]
    yield from _content_schemas(at, holder)


def _content_schemas(at: Tokens, holder: Any) -> Iterator[tuple[Tokens, Any]]:
    for media_type, media in _mapping(_mapping(holder).get("content")).items():
        if "schema" in _mapping(media):
            yield (*at, "content", media_type, "schema"), media["schema"]


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one. The exact type check first: parsed
    documents are plain dicts, and an ABC check per node costs a second on Graph."""
    return value if type(value) is dict or isinstance(value, Mapping) else _EMPTY


# --- the dialect check -----------------------------------------------------------------------------


def _dialect_checks(roots: list[tuple[Tokens, Any]], default_dialect: str) -> Iterator[Finding]:
    """Each schema against its dialect's meta-schema, one jsonschema-rs call per dialect."""
    groups: dict[str, list[tuple[Tokens, Any]]] = {}
    for tokens, schema in roots:
        dialect = schema.get("$schema", default_dialect) if isinstance(schema, Mapping) else default_dialect
        if not isinstance(dialect, str) or dialect not in oas_schema.KNOWN_DIALECTS:
            yield Finding(
                tokens,
                "$schema",
                f"Unknown JSON Schema dialect: {dialect!r}; the schema is read as OpenAPI's default dialect",
                harmless=True,
            )
            continue
        groups.setdefault(dialect, []).append((tokens, schema))
    for dialect, members in groups.items():
        schemas = [schema for _, schema in members]
        for index, finding in oas_schema.dialect_findings(schemas, dialect):
            yield Finding(
                (*members[index][0], *finding.path),
                finding.keyword,
                f"Invalid schema: {finding.message}",
                finding.instance,
                harmless=True
                if dialect == oas_schema.DRAFT4 and _beside_ref(schemas[index], finding.path)
                else None,
            )


def _beside_ref(schema: Any, path: tuple[str | int, ...]) -> bool:
    """Whether a keyword sits beside a ``$ref``: OpenAPI 3.0 says such keywords SHALL be ignored."""
    node = schema
    for token in path[:-1]:
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, Mapping) and "$ref" in node


# --- the walk through each schema ------------------------------------------------------------------


# Where a subschema is, as links back to its parent: (parent link, token, token...). The tokens
# of a place are spelled out only when something is found there: copying the whole path for
# each of the hundreds of thousands of subschemas of a large document was most of this walk.
_Link = tuple[Any, ...] | None


def _walk(document: Mapping[str, Any], tokens: Tokens, root: Any, dialect: str) -> Iterator[Finding]:
    """The root schema and its subschemas, depth first, each object once (no recursion: a schema
    may nest hundreds deep)."""
    if isinstance(root, Mapping) and "allOf" in root:
        yield from _undefined_required(document, tokens, root)
    seen: set[int] = set()
    stack: list[tuple[Any, _Link]] = [(root, None)]
    pop = stack.pop
    while stack:
        schema, link = pop()
        if type(schema) is not dict or id(schema) in seen:  # parsed JSON/YAML: plain dicts
            continue
        seen.add(id(schema))
        if "pattern" in schema:
            yield from _pattern(_tokens(tokens, link), schema)
        if "default" in schema:
            yield from _default(_tokens(tokens, link), schema, dialect)
        if not _SUBSCHEMA_HOLDERS.isdisjoint(schema):  # most subschemas are leaves
            _push_subschemas(stack, link, schema)


def _push_subschemas(stack: list[tuple[Any, _Link]], link: _Link, schema: dict[str, Any]) -> None:
    """The subschemas of ``schema``, pushed so that they are popped in the order: ``allOf``,
    ``anyOf``, ``oneOf`` members, ``not``, ``items``, then ``properties``."""
    push = stack.append
    properties = schema.get("properties")
    if type(properties) is dict:
        for name in reversed(properties):
            push((properties[name], (link, "properties", name)))
    for key in reversed(_SUBSCHEMA_KEYS):
        if key in schema:
            push((schema[key], (link, key)))
    for key in reversed(_SUBSCHEMA_LISTS):
        members = schema.get(key)
        if type(members) is list:
            for index in range(len(members) - 1, -1, -1):
                push((members[index], (link, key, index)))


def _tokens(base: Tokens, link: _Link) -> Tokens:
    """The tokens of the place ``link`` names below ``base``."""
    parts: list[str | int] = []
    while link is not None:
        parts.extend(reversed(link[1:]))
        link = link[0]
    return (*base, *reversed(parts))


def _pattern(at: Tokens, schema: Mapping[str, Any]) -> Iterator[Finding]:
    pattern = schema.get("pattern")
    problem = _regex_problem(pattern) if isinstance(pattern, str) else None
    if problem is not None:
        yield Finding(
            (*at, "pattern"),
            "format",
            f"Pattern is not a regular expression Python supports: {pattern!r} ({problem})",
            pattern,
            harmless=True,
        )


@lru_cache(maxsize=4096)
def _regex_problem(pattern: str) -> str | None:
    try:
        with warnings.catch_warnings():  # "possible nested set" and the like: valid, just odd
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return str(exc)
    return None


def _default(at: Tokens, schema: Mapping[str, Any], dialect: str) -> Iterator[Finding]:
    """A default its own schema rejects (null without ``nullable`` included). Schemas with a
    ``$ref`` somewhere inside are not checked: resolving them would mean compiling the document."""
    value = schema["default"]
    if value is None and schema.get("nullable") is True:
        return
    # The top-level pattern is matched with Python's re, as the argument checks will: compiling a
    # long pattern in jsonschema-rs costs tens of milliseconds, for one string.
    unchecked = {key: v for key, v in schema.items() if key not in ("default", "pattern")}
    if has_ref(unchecked):
        return
    yield from _default_pattern(at, schema.get("pattern"), value)
    validator = oas_schema.compiled(unchecked, dialect)
    for error in validator.iter_errors(value) if validator is not None else ():
        yield _default_finding(at, error.instance_path, oas_schema.message_of(error), value)


def _default_pattern(at: Tokens, pattern: Any, value: Any) -> Iterator[Finding]:
    checkable = type(pattern) is str and type(value) is str and _regex_problem(pattern) is None
    if checkable and re.search(pattern, value) is None:
        yield _default_finding(at, [], f"{value!r} does not match {pattern!r}", value)


def _default_finding(at: Tokens, path: list[str | int], message: str, value: Any) -> Finding:
    return Finding(
        (*at, "default", *path),
        "default",
        f"Default value does not match its schema: {message}",
        value,
        harmless=True,
    )


def _undefined_required(
    document: Mapping[str, Any], at: Tokens, schema: Mapping[str, Any]
) -> Iterator[Finding]:
    """``required`` naming properties that neither the schema nor any ``allOf`` branch defines."""
    required = schema.get("required")
    if not isinstance(required, list):
        return
    defined = _properties(document, schema)
    missing = sorted({name for name in required if isinstance(name, str)} - defined)
    if missing:
        yield Finding(at, "required", f"Required list has not defined properties: {missing}", harmless=True)


def _properties(document: Mapping[str, Any], root: Mapping[str, Any]) -> set[str]:
    """Every property name reachable through allOf/anyOf/oneOf/items/not, following refs."""
    names: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        schema = stack.pop()
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            schema = find_local_ref(document, schema["$ref"])
        if not isinstance(schema, Mapping) or id(schema) in seen:
            continue
        seen.add(id(schema))
        names.update(name for name in _mapping(schema.get("properties")) if isinstance(name, str))
        for key in _SUBSCHEMA_LISTS:
            members = schema.get(key)
            stack.extend(members if isinstance(members, list) else ())
        stack.extend(schema[key] for key in _SUBSCHEMA_KEYS if key in schema)
    return names
