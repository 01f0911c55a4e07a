"""Pointers into an upgraded Swagger 2.0 document, taken back to the document as written.

The passes after the upgrade (structure, operations) see OpenAPI 3.0 and report 3.0 places
(``/components/schemas/Pet``, ``.../requestBody/content/application~1json/schema``), which do not
exist in the 2.0 text the author edits. :func:`source_pointer` maps each to the same construct's
2.0 place (``/definitions/Pet``, the body parameter's ``schema``), or the nearest parent of it that
exists there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from actionforge.openapi.pointers import unescape_token
from actionforge.openapi.report import pointer as join_pointer

_Tokens = list[str]
_COMPONENTS = {
    "schemas": "definitions",
    "parameters": "parameters",
    "responses": "responses",
    "securitySchemes": "securityDefinitions",
    "requestBodies": "parameters",
}


def source_pointer(original: Mapping[str, Any], upgraded: Mapping[str, Any], pointer: str) -> str:
    """Where ``pointer`` (into ``upgraded``) is in ``original``, the 2.0 document as written."""
    tokens = [unescape_token(t) for t in pointer.split("/")[1:]] if pointer else []
    mapped = _map(original, upgraded, tokens)
    return join_pointer(*_existing(original, mapped))


def _map(original: Mapping[str, Any], upgraded: Mapping[str, Any], tokens: _Tokens) -> _Tokens:
    if not tokens:
        return tokens
    rule = _RULES.get(tokens[0])
    return rule(original, upgraded, tokens) if rule is not None else tokens


def _servers(original: Mapping[str, Any], upgraded: Mapping[str, Any], tokens: _Tokens) -> _Tokens:
    """Servers come from host, basePath and schemes."""
    return ["host"] if "host" in original else []


def _components(original: Mapping[str, Any], upgraded: Mapping[str, Any], tokens: _Tokens) -> _Tokens:
    if len(tokens) < 2 or tokens[1] not in _COMPONENTS:
        return []
    section, rest = _COMPONENTS[tokens[1]], tokens[2:]
    if tokens[1] in ("requestBodies", "responses") and len(rest) > 3 and rest[1] == "content":
        rest = [rest[0], "schema", *rest[4:]]  # {name}/content/{type}/schema/... -> {name}/schema/...
    return [section, *rest]


def _paths(original: Mapping[str, Any], upgraded: Mapping[str, Any], tokens: _Tokens) -> _Tokens:
    """``/paths/{p}/{m}/...``: responses and bodies lose their media-type level; a body is the
    operation's ``in: body`` parameter, a form field its ``in: formData`` one."""
    if len(tokens) < 4:
        return tokens
    head, part, rest = tokens[:3], tokens[3], tokens[4:]
    if part == "responses" and len(rest) > 3 and rest[1] == "content":
        return [*head, "responses", rest[0], "schema", *rest[4:]]
    if part == "requestBody":
        return [*head, *_body_parameter(original, tokens[1], tokens[2], rest)]
    if part == "parameters" and rest:
        return [*head, *_parameter(original, upgraded, tokens[1:3], rest)]
    return tokens


def _body_parameter(original: Mapping[str, Any], path: str, method: str, rest: _Tokens) -> _Tokens:
    params = _operation_parameters(original, path, method)
    # rest: content/{media type}/schema/...; a form field is schema/properties/{name}/...
    inside = rest[3:] if len(rest) > 2 and rest[0] == "content" else []
    field = inside[1] if len(inside) > 1 and inside[0] == "properties" else None
    for index, param in enumerate(params):
        location = param.get("in") if isinstance(param, Mapping) else None
        if location == "body":
            return ["parameters", str(index), "schema", *inside]
        if location == "formData" and param.get("name") == field:
            return ["parameters", str(index), *inside[2:]]
    return ["parameters"]


def _parameter(
    original: Mapping[str, Any], upgraded: Mapping[str, Any], where: _Tokens, rest: _Tokens
) -> _Tokens:
    """A 3.0 parameter is found in the 2.0 list by name (body and form fields left that list);
    its ``schema`` fields sit on the 2.0 parameter itself."""
    upgraded_params = _operation_parameters(upgraded, *where)
    index = int(rest[0]) if rest[0].isdigit() else -1
    target = upgraded_params[index] if 0 <= index < len(upgraded_params) else None
    name = target.get("name") if isinstance(target, Mapping) else None
    tail = rest[2:] if len(rest) > 1 and rest[1] == "schema" else rest[1:]
    for position, param in enumerate(_operation_parameters(original, *where)):
        if isinstance(param, Mapping) and param.get("name") == name and name is not None:
            return ["parameters", str(position), *tail]
    return ["parameters"]


def _operation_parameters(document: Mapping[str, Any], path: str, method: str) -> list[Any]:
    paths = document.get("paths")
    item = paths.get(path) if isinstance(paths, Mapping) else None
    op = item.get(method) if isinstance(item, Mapping) else None
    params = op.get("parameters") if isinstance(op, Mapping) else None
    return params if isinstance(params, list) else []


def _existing(document: Any, tokens: _Tokens) -> _Tokens:
    """The longest prefix of ``tokens`` that names a place in ``document``."""
    node = document
    for length, token in enumerate(tokens):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return tokens[:length]
    return tokens


_RULES: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any], _Tokens], _Tokens]] = {
    "servers": _servers,
    "components": _components,
    "paths": _paths,
}
