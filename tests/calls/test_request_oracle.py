"""Property: arguments that satisfy a tool's parameter schema produce a request that openapi-core's
request validator accepts against the original document.

For every operation of the corpus (single-file OpenAPI 3.x documents: the OAI examples, the
ChatGPT-plugin specs, openapi-core's own fixtures, a Stripe excerpt), arguments are generated from
``tool.parameters`` by hypothesis-jsonschema, the request is built by ``build_request`` and checked
by openapi-core's V30/V31 parameter and body validators (security is the auth layer's business and
is not checked here) through a small adapter of ``httpx.Request`` to openapi-core's Request protocol.

Nothing is skipped silently. Three kinds of exclusion exist, each a named, counted class:

- operations that cannot be tried at all (``OPERATION_SKIPS``: the document cannot be used as
  is, hypothesis-jsonschema cannot generate from the schema, openapi-core cannot deserialize the
  style);
- generated arguments that the tool schema allows but no correct request exists for
  (``UNREPRESENTABLE``: the builder refuses them, or OpenAPI forbids the value on the wire);
- openapi-core findings that are its own limitation or a constraint the tool schema does not
  carry (``ORACLE_LIMITS``: int32/int64/byte formats).

``test_exclusions_are_accounted_for`` runs last and checks that the classes seen are the known ones
and that most generated requests were really validated.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema
from jsonschema_path import SchemaPath
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V31RequestBodyValidator,
    V31RequestParametersValidator,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

from actionforge.calls.request import RequestBuildError, build_request
from actionforge.calls.serialize import is_undefined
from actionforge.openapi.loader import DocumentError, load_document
from actionforge.openapi.operations import extract_operations
from actionforge.openapi.profiles import get_profile
from actionforge.settings import Settings
from actionforge.tools.build import build_tools
from actionforge.tools.model import Tool
from tests.calls.generation import generation_schema
from tests.data import CORPUS, DATA

MAX_EXAMPLES = 10
DOCUMENTS = [
    # Swagger 2.0 and split documents go through the loader like any source: requests built from
    # the upgraded, bundled document are judged against that OpenAPI 3.0 translation.
    *sorted((CORPUS / "oai-examples" / "v2.0" / "yaml").glob("*.yaml")),
    CORPUS / "oai-examples" / "v2.0" / "yaml" / "petstore-separate" / "spec" / "swagger.yaml",
    *sorted((CORPUS / "oai-examples" / "v3.0").glob("*.yaml")),
    *sorted((CORPUS / "oai-examples" / "v3.1").glob("*.yaml")),
    *sorted((CORPUS / "plugin-specs").glob("*.[jy]*")),  # not its LICENSE
    *sorted((CORPUS / "openapi-core" / "integration").rglob("*.yaml")),
    DATA / "calls" / "stripe_excerpt.json",
]
# A server for documents that have none (the extended profile would resolve "/" against the
# document's URL, which a file read here does not have); openapi-core sees the same document.
PLACEHOLDER_SERVER = "https://api.example.test/base"

OPERATION_SKIPS = {
    "split-document": "part of a multi-file document (relative $refs), not a document by itself",
    "no-operations": "the document has no operations (components only, webhooks only, empty)",
    "spec-errors": "the spec layer rejects the document (e.g. a server URL with an unknown variable)",
    "body-dropped": "the spec layer drops a request body whose media type it cannot send (e.g. protobuf)",
    "recursive-schema": "hypothesis-jsonschema cannot generate from recursive $refs",
    "deep-object-arrays": "openapi-core cannot deserialize deepObject arrays or anyOf values",
}
UNREPRESENTABLE = {
    "empty-path-value": "an empty path value would address another resource; the builder refuses it",
    "dot-segment-path-value": "a path value of '.' or '..' would address another resource; refused",
    "header-control-characters": "CR, LF or NUL in a header value; the builder refuses it",
    "required-empty-query": (
        "an empty string or collection for a required query parameter: OpenAPI forbids empty "
        "values without allowEmptyValue, and the parameter cannot be left out"
    ),
    "empty-form-body": (
        "a required form body whose arguments produce no field is empty, which openapi-core reads as missing"
    ),
    "allow-empty-non-string": (
        "allowEmptyValue sends name= for null, which openapi-core then casts to the schema's type"
    ),
}
BUILDER_REFUSES = {"empty-path-value", "dot-segment-path-value", "header-control-characters"}
ORACLE_LIMITS = {
    "format": (
        "int32/int64/byte formats: the tool schema (JSON Schema 2020-12) does not enforce them "
        "(and jsonschema's byte check raises on non-ASCII text instead of reporting it)"
    ),
}

SEEN: Counter[str] = Counter()


# --- corpus -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    document: Path
    operation: str  # operationId, or the skip class when ``skip`` is set
    tool: Tool | None = None
    spec: Mapping[str, Any] | None = None
    skip: str | None = None

    @property
    def id(self) -> str:
        return f"{self.document.relative_to(self.document.parents[1])}:{self.operation}"


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _cases() -> Iterator[Case]:
    config = Settings()
    for path in DOCUMENTS:
        raw = _load(path)
        if not isinstance(raw, dict) or ("paths" not in raw and "openapi" not in raw):
            yield Case(path, "-", skip="split-document")
            continue
        if not raw.get("paths"):
            yield Case(path, "-", skip="no-operations")
            continue
        try:
            document = load_document(path, settings=config).data
        except DocumentError:
            yield Case(path, "-", skip="spec-errors")
            continue
        document.setdefault("servers", [{"url": PLACEHOLDER_SERVER}])
        result = extract_operations(document, get_profile("extended", config), config)
        if result.errors:
            yield Case(path, "-", skip="spec-errors")
            continue
        version = "3.0" if str(document["openapi"]).startswith("3.0") else "3.1"
        for tool in build_tools(result.operations, document, settings=config, source_version=version):
            operation = tool.operation
            declared = document["paths"].get(operation.path, {}).get(operation.method, {})
            if "requestBody" in declared and operation.request_body is None:
                yield Case(path, tool.original_name, skip="body-dropped")
            else:
                yield Case(path, tool.original_name, tool=tool, spec=document)


CASES = list(_cases())


# --- openapi-core adapter -----------------------------------------------------------------------


class OpenAPICoreRequest:
    """An ``httpx.Request`` as openapi-core's Request protocol, read the way a server would:
    query and cookies percent-decoded, the path decoded except for ``%2F``/``%25`` (so segment
    boundaries are kept: openapi-core matches templates on this path and takes parameters from it).
    """

    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        raw_path = request.url.raw_path.decode("ascii").partition("?")[0]
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = "%2F".join(
            "%25".join(unquote(piece) for piece in part.split("%25")) for part in raw_path.split("%2F")
        )
        self.method = request.method.lower()
        cookies: list[tuple[str, str]] = []
        for header in request.headers.get_list("cookie"):
            for pair in header.split("; "):
                name, _, value = pair.partition("=")
                cookies.append((unquote(name), unquote(value)))
        query = parse_qs(request.url.query.decode("ascii"), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(list(request.headers.multi_items())),
            cookie=ImmutableMultiDict(cookies),
        )
        self.content_type = request.headers.get("content-type", "")
        self.body = request.content or None


def _validators(spec: Mapping[str, Any]) -> tuple[Any, Any]:
    schema_path = SchemaPath.from_dict(dict(spec))
    if str(spec["openapi"]).startswith("3.0"):
        return V30RequestParametersValidator(schema_path), V30RequestBodyValidator(schema_path)
    return V31RequestParametersValidator(schema_path), V31RequestBodyValidator(schema_path)


# --- classification -----------------------------------------------------------------------------


def unrepresentable(tool: Tool, arguments: Mapping[str, Any]) -> str | None:
    """The UNREPRESENTABLE class of schema-valid arguments no correct request exists for."""
    params = {(p.name, p.location): p for p in tool.operation.parameters}
    for prop, value in arguments.items():
        binding = tool.binding(prop)
        assert binding is not None
        param = params.get((binding.name, binding.location))  # type: ignore[arg-type]
        if param is None:
            continue
        if param.location == "path" and value == "":
            return "empty-path-value"
        if param.location == "path" and value in (".", ".."):
            return "dot-segment-path-value"
        if param.location == "header" and any(c in json.dumps(value) for c in ("\\r", "\\n", "\\u0000")):
            return "header-control-characters"
        if param.location == "query" and param.required and (value == "" or is_undefined(value)):
            return "required-empty-query"
        if param.location == "query" and param.allow_empty_value and value is None:
            return "allow-empty-non-string"
    return None


def _root_causes(error: BaseException) -> Iterator[BaseException]:
    """openapi-core wraps: InvalidParameter -> InvalidSchemaValue(schema_errors) etc."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        stack.extend(getattr(current, "schema_errors", ()) or ())


def _errors(request: OpenAPICoreRequest, *validators: Any) -> Iterator[BaseException]:
    for validator in validators:
        try:
            for error in validator.iter_errors(request):
                # openapi-core's own full validator ignores a missing optional body; its
                # body-only validator reports it. Only the required case is an error.
                if type(error).__name__ != "MissingRequestBody":
                    yield error
        except UnicodeEncodeError as exc:  # jsonschema's "byte" format check on non-ASCII text
            yield exc


def oracle_limit(error: BaseException) -> str | None:
    if isinstance(error, UnicodeEncodeError):
        return "format"
    causes = list(_root_causes(error))
    if any(type(c).__name__ == "ValueError" and str(c) == "not available" for c in causes):
        return "deep-object-arrays"
    schema_errors = [c for c in causes if type(c).__name__ == "ValidationError"]
    if schema_errors and all(getattr(c, "validator", None) == "format" for c in schema_errors):
        return "format"
    return None


# --- the property -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_built_requests_pass_openapi_core(case: Case) -> None:
    if case.skip:
        SEEN[case.skip] += 1
        pytest.skip(OPERATION_SKIPS[case.skip])
    assert case.tool is not None
    assert case.spec is not None
    tool = case.tool
    parameters_validator, body_validator = _validators(case.spec)
    local: Counter[str] = Counter()

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(generation_schema(tool)))
    def check(arguments: dict[str, Any]) -> None:
        reason = unrepresentable(tool, arguments)
        if reason:
            local[reason] += 1
            if reason in BUILDER_REFUSES:
                with pytest.raises(RequestBuildError):
                    build_request(tool, arguments)
            return
        request = build_request(tool, arguments)
        body = tool.operation.request_body
        if body is not None and body.required and not request.content:
            local["empty-form-body"] += 1  # e.g. {"discounts": [{}]}: deepObject writes no pair
            return
        adapted = OpenAPICoreRequest(request)
        problems, limits = [], set()
        for error in _errors(adapted, parameters_validator, body_validator):
            limit = oracle_limit(error)
            if limit:
                limits.add(limit)
            else:
                problems.append(error)
        local.update(limits)
        if not problems and not limits:
            local["validated"] += 1
        assert not problems, (arguments, str(request.url), request.content[:500], problems)

    try:
        check()
    except Exception as exc:  # hypothesis-jsonschema's error class is private
        if type(exc).__name__ != "HypothesisRefResolutionError":
            raise
        SEEN["recursive-schema"] += 1
        pytest.skip(OPERATION_SKIPS["recursive-schema"])
    SEEN.update(local)
    SEEN["operations"] += 1
    if not local["validated"] and local["deep-object-arrays"]:
        pytest.skip(OPERATION_SKIPS["deep-object-arrays"])


def test_exclusions_are_accounted_for() -> None:
    """Runs after the parametrized cases (pytest keeps definition order within a module)."""
    if not SEEN["operations"]:
        pytest.skip("run together with test_built_requests_pass_openapi_core")
    known = {*OPERATION_SKIPS, *UNREPRESENTABLE, *ORACLE_LIMITS, "validated", "operations"}
    assert set(SEEN) <= known, SEEN
    excluded = sum(n for key, n in SEEN.items() if key in UNREPRESENTABLE or key in ORACLE_LIMITS)
    assert SEEN["validated"] > 4 * excluded, SEEN
    assert SEEN["validated"] >= 500, SEEN
