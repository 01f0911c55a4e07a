"""Structural checks of a bundled OpenAPI 3.x document, each problem with a JSON pointer.

Two passes:

* :func:`validate_structure` runs openapi-spec-validator (the 3.0, 3.1 or 3.2 validator, by the
  document's ``openapi`` field) and sorts its findings into errors and harmless warnings.
* :func:`reference_issues` walks the document once for ``$ref`` problems: references that lead
  nowhere (errors) and component schemas that reach themselves (warnings: the tool builder keeps a
  recursive schema as a ``$defs`` reference, so recursion is not refused as the original does).

openapi-spec-validator is pure Python and slow on big documents: measured on this project's
2-core machines, the OpenAPI-schema check costs about 2-4 s per MB of JSON and the per-schema
checks 2-10 s per MB (GitHub's 5.7 MB description: 12 s + 35 s; AWS IAM's 1.3 MB: 11 s in all).
To stay near 10 s at worst, the work is bounded by size:
full checks up to ``full_check_max_bytes``, the OpenAPI-schema check alone up to
``schema_check_max_bytes``, nothing above; a warning says what was skipped. The operations pass
(operations.py) still checks everything the engine relies on, whatever the size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from jsonschema.exceptions import ValidationError, best_match
from jsonschema_path import SchemaPath
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import ExtraParametersError
from openapi_spec_validator.validation.validators import SpecValidator

from actionforge.openapi.graphs import is_cycle, strongly_connected
from actionforge.openapi.pointers import RefError, resolve_local_ref, unescape_token
from actionforge.openapi.report import Issue, pointer

FULL_CHECK_MAX_BYTES = 800_000
SCHEMA_CHECK_MAX_BYTES = 2_000_000
MAX_STRUCTURE_ISSUES = 50
_MAX_MESSAGE_CHARS = 300

# Keys whose values are data, not OpenAPI objects: a "$ref" inside an example is just text.
# Document parts the engine never reads to build a tool or a request (see _harmless).
_UNUSED_FIELDS = frozenset(
    {"info", "externalDocs", "tags", "responses", "links", "callbacks", "examples", "example", "webhooks"}
)
_DATA_KEYS = frozenset({"example", "examples", "enum", "const", "default"})
_LOCATION = "_actionforge_location"
_UNRESOLVED_PATH_PARAMETER = re.compile(
    r"Path parameter '(.+)' for '.+' operation in '(.+)' was not resolved"
)


@dataclass(frozen=True, slots=True)
class StructureResult:
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()


# --- openapi-spec-validator ----------------------------------------------------------------------


def validate_structure(
    document: Mapping[str, Any],
    *,
    full_check_max_bytes: int = FULL_CHECK_MAX_BYTES,
    schema_check_max_bytes: int = SCHEMA_CHECK_MAX_BYTES,
    max_issues: int = MAX_STRUCTURE_ISSUES,
) -> StructureResult:
    """openapi-spec-validator's findings as Issues; never raises, bounded in time by document size."""
    version = document.get("openapi")
    validator_class = _validator_class(version)
    if validator_class is None:
        return StructureResult(
            errors=(Issue(f"Unsupported OpenAPI version {version!r}; expected 3.0, 3.1 or 3.2", "/openapi"),)
        )
    errors: list[Issue] = []
    warnings: list[Issue] = []
    try:
        # The validator needs JSON: YAML gives integer keys (`200:` under responses) and dates,
        # on which it raises TypeError. A JSON round trip normalizes them and measures the size.
        text = json.dumps(document, default=str)
        size = len(text)
        # Parsed back only when it will be validated: on a 13 MB document this is half a second.
        normalized = json.loads(text) if size <= schema_check_max_bytes else {}
    except (TypeError, ValueError, RecursionError):  # e.g. a self-referencing structure
        normalized, size = {}, schema_check_max_bytes + 1
    if size > schema_check_max_bytes:
        warnings.append(
            Issue(
                f"Structural validation skipped: the document is {size / 1e6:.1f} MB, over the "
                f"{schema_check_max_bytes / 1e6:.1f} MB limit for it; operations were still checked",
                "",
            )
        )
        return StructureResult(warnings=tuple(warnings))
    full = size <= full_check_max_bytes
    if not full:
        warnings.append(
            Issue(
                f"Structural validation was partial: the document is {size / 1e6:.1f} MB, over the "
                f"{full_check_max_bytes / 1e6:.1f} MB limit for the per-schema checks; only the OpenAPI "
                "schema was checked",
                "",
            )
        )
    try:
        for issue, harmless in _findings(validator_class, normalized, full):
            if len(errors) + len(warnings) >= max_issues:
                warnings.append(Issue(f"Structural validation stopped after {max_issues} problems", ""))
                break
            (warnings if harmless else errors).append(issue)
    except Exception as exc:  # RecursionError included: the validator must never take the engine down
        detail = f"{type(exc).__name__}: {exc}"
        warnings.append(Issue(f"Structural validation could not complete: {_shorten(detail)}", ""))
    return StructureResult(errors=tuple(errors), warnings=tuple(warnings))


def _validator_class(version: Any) -> type[SpecValidator] | None:
    """The validator for "3.0.x", "3.1.x" or "3.2.x"; a malformed version such as "3.1" gets the
    validator of its minor version, whose OpenAPI-schema check then reports the malformation."""
    match = _MINOR_VERSION.match(version) if isinstance(version, str) else None
    return _VALIDATORS.get(match.group(0)) if match else None


def _findings(
    validator_class: type[SpecValidator], document: Mapping[str, Any], full: bool
) -> Iterator[tuple[Issue, bool]]:
    """(issue, harmless) pairs: first the OpenAPI-schema check, then the per-schema checks.

    ``SpecValidator.iter_errors`` is not used: it is wrapped in an unbounded ``lru_cache`` that
    would keep every validated document alive for the life of the process.
    """
    validator = validator_class(dict(document))
    reported: set[str] = set()
    for error in validator.schema_validator.iter_errors(validator.schema):
        specific = best_match([error])
        at = pointer(*specific.absolute_path)
        reported.add(at)
        yield Issue(_shorten(specific.message), at), _harmless(specific, tuple(specific.absolute_path))
    if not full:
        return
    for error in validator.root_validator(validator.schema_path):
        if _UNRESOLVED_PATH_PARAMETER.match(error.message) and _names_template_variable(error.message):
            continue  # operations.py reports undeclared template variables, once, at the operation
        issue, harmless = _keyword_issue(error)
        if issue.pointer not in reported:  # the OpenAPI-schema check already said it
            yield issue, harmless


def _harmless(error: ValidationError, path: tuple[Any, ...]) -> bool:
    """Whether an OpenAPI-schema error leaves the document usable: a warning, not an error.

    * Anything inside a part the engine never reads to build a tool or a request: ``info``,
      ``externalDocs``, ``tags``, ``responses`` (and a missing ``responses``), Link, Callback and
      Example Objects, ``webhooks``. The builder still sees each problem, with its pointer. (Links
      also because the 3.1 schema bundled with openapi-spec-validator, iteration 2022-10-07,
      misspells Link Object's ``server`` as ``body``, so valid links fail.)
    * ``required: true`` on a property schema, Swagger-style: common in real documents (Slack's
      and Speak's plugin specs); the tool builder reads it as "required by the parent".
    """
    if error.validator == "required" and "'responses'" in error.message:
        return True
    if error.validator == "type" and path and path[-1] == "required" and isinstance(error.instance, bool):
        return True
    tokens = [str(t) for t in path]
    for index, token in enumerate(tokens):
        if token not in _UNUSED_FIELDS:
            continue
        parent = tokens[index - 1] if index else ""
        if parent == "properties" or (index == 2 and tokens[0] == "components"):
            continue  # a schema property or a component that merely has that name
        return True
    return False


def _names_template_variable(message: str) -> bool:
    match = _UNRESOLVED_PATH_PARAMETER.match(message)
    return match is not None and "{" + match.group(1) + "}" in match.group(2)


def _keyword_issue(error: ValidationError) -> tuple[Issue, bool]:
    """An error of the per-schema checks, located and classified.

    Harmless (a warning, the document still loads), because none of them changes a request the
    engine sends or the meaning of an argument:

    * ``format: regex``: a ``pattern`` that Python's ``re`` cannot compile, such as ECMA-262's
      ``\\p{L}``. The pattern is a hint to the model; argument checks skip patterns they cannot
      compile instead of refusing the document.
    * a ``default`` that does not match its schema (``default: null`` without ``nullable``): a
      default is documentation, the engine never sends it on its own.
    * ``required`` naming a property that no ``allOf`` branch defines: the schema is still usable;
      argument checks will ask for that property.
    * duplicate tag names: tags only group operations for display.
    * a ``$schema`` dialect the validator does not know (such as a work-in-progress OAS dialect):
      the engine reads every schema as the document's default dialect anyway.

    Everything else (bad schema objects, duplicate parameters or operationIds, path parameters
    missing from the template) stays an error.
    """
    keyword, parts = error.__dict__.get(_LOCATION, ("", ()))
    path = tuple(error.absolute_path)
    if keyword == "default":
        at = pointer(*parts, "default", *path)
        return Issue(_shorten(f"Default value does not match its schema: {error.message}"), at), True
    if keyword == "schema":
        at = pointer(*parts, *path)
        if error.validator == "format" and error.validator_value == "regex":
            return Issue(
                _shorten(f"Pattern is not a regular expression Python supports: {error.message}"), at
            ), True
        if _harmless(error, (*parts, *path)):
            return Issue(_shorten(f"Invalid schema: {error.message}"), at), True
        if isinstance(error, ExtraParametersError):
            return Issue(_shorten(error.message), at), True
        if error.message.startswith("Unknown JSON Schema dialect"):
            return Issue(
                _shorten(f"{error.message}; the schema is read as OpenAPI's default dialect"), at
            ), True
        return Issue(_shorten(f"Invalid schema: {error.message}"), at), False
    at = pointer(*parts)
    if keyword == "tags":
        return Issue(_shorten(error.message), at), True
    return Issue(_shorten(error.message), at), False


def _locating(keyword: str, cls: type[keywords.KeywordValidator]) -> type[keywords.KeywordValidator]:
    """``cls`` whose errors remember where they were found.

    The library's keyword validators yield errors without a location; each receives the
    ``SchemaPath`` it checks, so the innermost one to see an error tags it with that path. This
    subclasses through the library's own extension point (``keyword_validators``).
    """

    def located_call(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        where = next((a for a in args if isinstance(a, SchemaPath)), None)
        for error in cls.__call__(self, *args, **kwargs):
            if where is not None and _LOCATION not in error.__dict__:
                error.__dict__[_LOCATION] = (keyword, tuple(where.parts))
            yield error

    return type(f"Located{cls.__name__}", (cls,), {"__call__": located_call})


def _located(cls: type[SpecValidator]) -> type[SpecValidator]:
    located = {key: _locating(key, kv) for key, kv in cls.keyword_validators.items()}
    return type(f"Located{cls.__name__}", (cls,), {"keyword_validators": located})


_LocatedV30 = _located(OpenAPIV30SpecValidator)
_LocatedV31 = _located(OpenAPIV31SpecValidator)
_LocatedV32 = _located(OpenAPIV32SpecValidator)
_VALIDATORS: dict[str, type[SpecValidator]] = {"3.0": _LocatedV30, "3.1": _LocatedV31, "3.2": _LocatedV32}
_MINOR_VERSION = re.compile(r"3\.[0-9]+")


def _shorten(message: str) -> str:
    """jsonschema quotes whole instances in messages; a path item can be pages long."""
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
