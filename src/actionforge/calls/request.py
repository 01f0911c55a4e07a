"""A tool call's arguments → the exact ``httpx.Request`` the operation describes. No I/O.

The arguments have already been checked against ``tool.parameters``; each one travels through its
:class:`ArgumentBinding` to an operation parameter (path, query, header, cookie) or into the body.
Everything the model supplies is percent-encoded for its place, so no value can alter the request
target: ``/``, ``?``, ``#`` and ``%`` inside a path value are encoded, and a path segment that would
read ``.`` or ``..`` has its dots encoded so that no client or server normalises it away
(``calls/urls.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from actionforge.calls.bodies import EncodedBody, SchemaView, encode_body, json_bytes
from actionforge.calls.serialize import (
    RequestBuildError,
    check_header_text,
    cookie_pairs,
    encode_unreserved,
    header_value,
    is_undefined,
    path_value,
    query_pairs,
)
from actionforge.calls.urls import build_url
from actionforge.openapi.media import is_json_media_type
from actionforge.openapi.model import Parameter
from actionforge.tools.model import Tool

__all__ = ["RequestBuildError", "build_request"]

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 field-name
# OpenAPI: header parameters with these names SHALL be ignored (the body and auth own them).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_MISSING = object()


class _Wire:
    """What the parameters contribute, by place, as they are filled in."""

    __slots__ = ("cookies", "headers", "path", "query")

    def __init__(self) -> None:
        self.path: dict[str, str] = {}
        self.query: list[str] = []
        self.headers: list[tuple[str, str]] = []
        self.cookies: list[str] = []


def build_request(
    tool: Tool, arguments: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> httpx.Request:
    """The request for one tool call.

    ``headers`` are the platform's own (e.g. User-Agent); they win over header parameters of
    the same name, since those come from the model. Raises :class:`RequestBuildError` (with
    ``where`` naming the argument) when the arguments cannot be sent as the operation says.
    """
    operation = tool.operation
    values, body_value = _route(tool, arguments)
    wire = _Wire()
    for param in operation.parameters:
        try:
            _PLACES[param.location](wire, param, values.get((param.name, param.location), _MISSING))
        except RequestBuildError as exc:
            raise exc.at(_argument_name(tool, param.name, param.location)) from None
    url = build_url(operation.server_url, operation.path, wire.path, "&".join(wire.query))
    method = operation.method.upper()
    if (
        operation.request_body is None
        and body_value is _MISSING
        and not (wire.headers or wire.cookies or headers)
    ):
        return httpx.Request(method, url)  # the common GET: nothing more to encode
    return _full_request(tool, method, url, wire, body_value, headers or {})


def _full_request(
    tool: Tool, method: str, url: httpx.URL, wire: _Wire, body_value: Any, platform: Mapping[str, str]
) -> httpx.Request:
    """A request with a body, header parameters, cookies or platform headers."""
    encoded = _located_body(tool, body_value)
    if encoded is None:
        merged = _merge_headers(wire.headers, wire.cookies, platform, None)
        return httpx.Request(method, url, headers=merged or None)
    merged = _merge_headers(wire.headers, wire.cookies, platform, encoded.content_type)
    return httpx.Request(method, url, headers=merged, content=encoded.content)


def _argument_name(tool: Tool, wire_name: str, location: str) -> str | None:
    """The tool argument bound to a wire name, so errors name what the model wrote."""
    for binding in tool.bindings:
        if binding.name == wire_name and binding.location == location:
            return binding.property
    return None


def _route(tool: Tool, arguments: Mapping[str, Any]) -> tuple[dict[tuple[str, str], Any], Any]:
    """Sort arguments by their binding: parameter values keyed by (name, in), and the body."""
    params = tool.operation.parameter_keys
    values: dict[tuple[str, str], Any] = {}
    body_object: dict[str, Any] = {}
    whole: Any = _MISSING
    for prop, value in arguments.items():
        binding = tool.binding(prop)
        if binding is None:
            raise RequestBuildError("not a parameter of this tool", prop)
        if binding.location == "body_whole":
            whole = value
        elif binding.location == "body":
            body_object[binding.name] = value
        elif (binding.name, binding.location) in params:
            values[(binding.name, binding.location)] = value
        else:
            raise RequestBuildError(
                f"bound to {binding.location} parameter {binding.name!r}, which the operation lacks", prop
            )
    if whole is not _MISSING:
        return values, whole
    return values, body_object if body_object else _MISSING


# --- parameters ---------------------------------------------------------------------------------


def _content_text(param: Parameter, value: Any) -> str:
    """A ``content`` parameter's value in its media type (JSON unless a string in a text type)."""
    assert param.content_type is not None
    if isinstance(value, str) and not is_json_media_type(param.content_type):
        return value
    return json_bytes(value).decode()


def _place_path(wire: _Wire, param: Parameter, value: Any) -> None:
    if value is _MISSING:
        raise RequestBuildError("missing required path parameter", param.name)
    if param.content_type is not None:
        text = encode_unreserved(_content_text(param, value))
    else:
        text = path_value(param.name, value, style=param.style, explode=param.explode)
    if text == "":
        # An empty segment points at a different resource ("/items/" is the collection).
        raise RequestBuildError("a path parameter cannot be empty", param.name)
    wire.path[param.name] = text


def _place_query(wire: _Wire, param: Parameter, value: Any) -> None:
    if value is _MISSING:
        return
    empty = is_undefined(value) or value == ""
    if empty and not (param.allow_empty_value or param.required):
        # Null, [] and {} are RFC 6570 "undefined"; an empty string is an "empty-valued
        # parameter", which OpenAPI allows only with allowEmptyValue. Optional ones are left out.
        return
    if param.content_type is not None:
        text = "" if value is None else _content_text(param, value)
        wire.query.append(f"{encode_unreserved(param.name)}={encode_unreserved(text)}")
        return
    wire.query.extend(
        query_pairs(
            param.name, value, style=param.style, explode=param.explode, allow_reserved=param.allow_reserved
        )
    )


def _place_header(wire: _Wire, param: Parameter, value: Any) -> None:
    if value is _MISSING or param.name.lower() in _IGNORED_HEADERS or is_undefined(value):
        return
    if not _TOKEN.match(param.name):
        raise RequestBuildError("not a valid HTTP header name", param.name)
    if param.content_type is None:
        wire.headers.append((param.name, header_value(param.name, value, explode=param.explode)))
        return
    text = _content_text(param, value)
    check_header_text(param.name, text)
    wire.headers.append((param.name, text))


def _place_cookie(wire: _Wire, param: Parameter, value: Any) -> None:
    if value is _MISSING or is_undefined(value):
        return
    if param.content_type is None:
        wire.cookies.extend(cookie_pairs(param.name, value, explode=param.explode))
        return
    wire.cookies.append(f"{encode_unreserved(param.name)}={encode_unreserved(_content_text(param, value))}")


_PLACES: dict[str, Callable[[_Wire, Parameter, Any], None]] = {
    "path": _place_path,
    "query": _place_query,
    "header": _place_header,
    "cookie": _place_cookie,
}


# --- headers ------------------------------------------------------------------------------------


def _merge_headers(
    params: list[tuple[str, str]],
    cookies: list[str],
    platform: Mapping[str, str],
    content_type: str | None,
) -> list[tuple[bytes, bytes]]:
    """Header parameters, then the platform's headers (which replace same-named parameters),
    one Cookie header, and the body's Content-Type (which replaces the platform's).
    Values are sent as UTF-8 (plain ASCII in the common case)."""
    own = _platform_headers(platform, content_type is not None)
    overridden = {name.lower() for name, _ in own}
    merged = [(n, v) for n, v in params if n.lower() not in overridden]
    merged.extend((n, v) for n, v in own if n.lower() != "cookie")
    merged.extend(_cookie_header(own, cookies))
    if content_type is not None:
        merged.append(("Content-Type", content_type))
    return [(n.encode(), v.encode()) for n, v in merged]


def _cookie_header(own: list[tuple[str, str]], cookies: list[str]) -> list[tuple[str, str]]:
    """One Cookie header: the platform's cookies, then the cookie parameters."""
    cookie = "; ".join([*(v for n, v in own if n.lower() == "cookie"), *cookies])
    return [("Cookie", cookie)] if cookie else []


def _platform_headers(platform: Mapping[str, str], has_body_type: bool) -> list[tuple[str, str]]:
    """The platform's headers, without its Content-Type when the body brings one."""
    if not has_body_type:
        return list(platform.items())
    return [(n, v) for n, v in platform.items() if n.lower() != "content-type"]


# --- body ---------------------------------------------------------------------------------------


def _located_body(tool: Tool, value: Any) -> EncodedBody | None:
    """The encoded body, its errors located at the tool argument that holds the value."""
    try:
        return _body(tool, value)
    except RequestBuildError as exc:
        whole = next((b.property for b in tool.bindings if b.location == "body_whole"), None)
        raise exc.at(whole or _argument_name(tool, exc.where or "", "body")) from None


def _body(tool: Tool, value: Any) -> EncodedBody | None:
    body = tool.operation.request_body
    if body is None:
        if value is not _MISSING:
            raise RequestBuildError("this operation takes no request body")
        return None
    if value is _MISSING:
        if not body.required:
            return None
        value = {}
    return encode_body(body, value, (_tool_body_view(tool),))


def _tool_body_view(tool: Tool) -> SchemaView:
    """The body's schema as the tool's self-contained parameters describe it (its ``$defs``
    resolve), used beside the document's schema to recognise binary fields."""
    root = tool.parameters
    props = root.get("properties") or {}
    properties: dict[str, Any] = {}
    for binding in tool.bindings:
        if binding.location == "body_whole":
            return SchemaView(props.get(binding.property, {}), root)
        if binding.location == "body":
            properties[binding.name] = props.get(binding.property, {})
    return SchemaView({"type": "object", "properties": properties}, root)
