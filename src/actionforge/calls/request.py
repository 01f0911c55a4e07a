"""A tool call's arguments → the exact ``httpx.Request`` the operation describes. No I/O.

The arguments have already been checked against ``tool.parameters``; each one travels through its
:class:`ArgumentBinding` to an operation parameter (path, query, header, cookie) or into the body.
Everything the model supplies is percent-encoded for its place, so no value can alter the request
target: ``/``, ``?``, ``#`` and ``%`` inside a path value are encoded, and a path segment that would
read ``.`` or ``..`` has its dots encoded so that no client or server normalises it away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import httpx

from actionforge.calls.bodies import EncodedBody, SchemaView, encode_body, json_bytes
from actionforge.calls.serialize import (
    RequestBuildError,
    check_header_text,
    cookie_pairs,
    encode_path_literal,
    encode_unreserved,
    header_value,
    is_undefined,
    path_value,
    query_pairs,
)
from actionforge.openapi.media import is_json_media_type
from actionforge.openapi.model import Parameter
from actionforge.tools.model import Tool

__all__ = ["RequestBuildError", "build_request"]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 field-name
# OpenAPI: header parameters with these names SHALL be ignored (the body and auth own them).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_MISSING = object()


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

    path_texts: dict[str, str] = {}
    query: list[str] = []
    header_items: list[tuple[str, str]] = []
    cookies: list[str] = []
    for param in operation.parameters:
        value = values.get((param.name, param.location), _MISSING)
        try:
            if param.location == "path":
                if value is _MISSING:
                    raise RequestBuildError("missing required path parameter", param.name)
                path_texts[param.name] = _path_text(param, value)
            elif value is _MISSING:
                continue
            elif param.location == "query":
                query.extend(_query_items(param, value))
            elif param.location == "header":
                if param.name.lower() not in _IGNORED_HEADERS and not is_undefined(value):
                    header_items.append((param.name, _header_text(param, value)))
            elif param.location == "cookie" and not is_undefined(value):
                cookies.extend(_cookie_items(param, value))
        except RequestBuildError as exc:
            raise exc.at(_argument_name(tool, param.name, param.location)) from None

    url = _url(operation.server_url, _expand_path(operation.path, path_texts), "&".join(query))
    if operation.request_body is None and body_value is _MISSING and not (header_items or cookies or headers):
        return httpx.Request(operation.method.upper(), url)  # the common GET: nothing more to encode
    try:
        encoded = _body(tool, body_value)
    except RequestBuildError as exc:
        whole = next((b.property for b in tool.bindings if b.location == "body_whole"), None)
        raise exc.at(whole or _argument_name(tool, exc.where or "", "body")) from None
    request_headers = _merge_headers(
        header_items, cookies, headers or {}, encoded.content_type if encoded else None
    )
    content = encoded.content if encoded else None
    return httpx.Request(operation.method.upper(), url, headers=request_headers or None, content=content)


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


def _path_text(param: Parameter, value: Any) -> str:
    if param.content_type is not None:
        text = encode_unreserved(_content_text(param, value))
    else:
        text = path_value(param.name, value, style=param.style, explode=param.explode)
    if text == "":
        # An empty segment points at a different resource ("/items/" is the collection).
        raise RequestBuildError("a path parameter cannot be empty", param.name)
    return text


def _query_items(param: Parameter, value: Any) -> list[str]:
    empty = is_undefined(value) or value == ""
    if empty and not (param.allow_empty_value or param.required):
        # Null, [] and {} are RFC 6570 "undefined"; an empty string is an "empty-valued
        # parameter", which OpenAPI allows only with allowEmptyValue. Optional ones are left out.
        return []
    if param.content_type is not None:
        text = "" if value is None else _content_text(param, value)
        return [f"{encode_unreserved(param.name)}={encode_unreserved(text)}"]
    return query_pairs(
        param.name, value, style=param.style, explode=param.explode, allow_reserved=param.allow_reserved
    )


def _header_text(param: Parameter, value: Any) -> str:
    if not _TOKEN.match(param.name):
        raise RequestBuildError("not a valid HTTP header name", param.name)
    if param.content_type is not None:
        text = _content_text(param, value)
        check_header_text(param.name, text)
        return text
    return header_value(param.name, value, explode=param.explode)


def _merge_headers(
    params: list[tuple[str, str]],
    cookies: list[str],
    platform: Mapping[str, str],
    content_type: str | None,
) -> list[tuple[bytes, bytes]]:
    """Header parameters, then the platform's headers (which replace same-named parameters),
    one Cookie header, and the body's Content-Type (which replaces the platform's).
    Values are sent as UTF-8 (plain ASCII in the common case)."""
    if not (params or cookies or platform or content_type):
        return []
    if content_type is not None:
        platform = {n: v for n, v in platform.items() if n.lower() != "content-type"}
    overridden = {name.lower() for name in platform}
    merged: list[tuple[str, str]] = [(n, v) for n, v in params if n.lower() not in overridden]
    merged.extend((n, v) for n, v in platform.items() if n.lower() != "cookie")
    platform_cookies = [v for n, v in platform.items() if n.lower() == "cookie"]
    if platform_cookies or cookies:
        merged.append(("Cookie", "; ".join([*platform_cookies, *cookies])))
    if content_type is not None:
        merged.append(("Content-Type", content_type))
    return [(n.encode(), v.encode()) for n, v in merged]


def _cookie_items(param: Parameter, value: Any) -> list[str]:
    if param.content_type is not None:
        text = _content_text(param, value)
        return [f"{encode_unreserved(param.name)}={encode_unreserved(text)}"]
    return cookie_pairs(param.name, value, explode=param.explode)


# --- URL ----------------------------------------------------------------------------------------


# One template segment: its encoded literal stretches around the placeholder names,
# ("lit0", "lit1", ...) and ("name0", ...), with one more literal than names.
_Segment = tuple[tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=4096)
def _template_segments(template: str) -> tuple[_Segment, ...]:
    """A path template split and its literals encoded once, not on every call."""
    segments: list[_Segment] = []
    for segment in template.split("/"):
        literals: list[str] = []
        names: list[str] = []
        last = 0
        for match in _PLACEHOLDER.finditer(segment):
            literals.append(encode_path_literal(segment[last : match.start()]))
            names.append(match.group(1))
            last = match.end()
        literals.append(encode_path_literal(segment[last:]))
        segments.append((tuple(literals), tuple(names)))
    return tuple(segments)


@lru_cache(maxsize=4096)
def _template_pieces(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The whole template as encoded literals around its placeholder names (one more literal)."""
    literals: list[str] = []
    names: list[str] = []
    for i, (segment_literals, segment_names) in enumerate(_template_segments(template)):
        head = "/" if i else ""
        if not literals:
            literals.append(head + segment_literals[0])
        else:
            literals[-1] += head + segment_literals[0]
        names.extend(segment_names)
        literals.extend(segment_literals[1:])
    return tuple(literals), tuple(names)


def _expand_path(template: str, texts: Mapping[str, str]) -> str:
    """Fill the path template segment by segment.

    Values are already encoded and never contain ``/``, so template segments map one to one to
    request segments. A segment that a value makes read ``.`` or ``..`` is refused: clients and
    servers remove dot-segments, and RFC 3986 §6.2.2 lets them decode ``%2E`` first, so no
    spelling of it is sure to stay a plain segment.
    """
    literals, names = _template_pieces(template)
    try:
        values = [texts[name] for name in names]
    except KeyError as exc:
        problem = f"the path template has {{{exc.args[0]}}} but no path parameter fills it"
        raise RequestBuildError(problem) from None
    if "." not in "".join(values):
        # No value holds a dot, so none can make a "." or ".." segment: fill in one pass.
        pieces = [literals[0]]
        for value, literal in zip(values, literals[1:], strict=True):
            pieces.append(value)
            pieces.append(literal)
        return "".join(pieces)
    # Some value holds a dot: fill segment by segment and refuse one that reads "." or "..".
    expanded_segments: list[str] = []
    for segment_literals, segment_names in _template_segments(template):
        segment = [segment_literals[0]]
        for name, literal in zip(segment_names, segment_literals[1:], strict=True):
            segment.append(texts[name])  # every name was looked up above
            segment.append(literal)
        expanded = "".join(segment)
        if segment_names and expanded in (".", ".."):
            raise RequestBuildError(
                f"the path segment would be {expanded!r}, which addresses another resource; "
                "give a real value",
                segment_names[-1],
            )
        expanded_segments.append(expanded)
    return "/".join(expanded_segments)


@lru_cache(maxsize=1024)
def _server_parts(server_url: str) -> tuple[str, str]:
    """(scheme://host[:port] + base path without trailing slash, base query), parsed once per server.

    Parsing URLs is most of the cost of building a request, and an action has one server.
    """
    try:
        base = httpx.URL(server_url)
    except httpx.InvalidURL as exc:
        raise RequestBuildError(f"invalid server URL: {exc}") from None
    if base.userinfo:
        raise RequestBuildError("a server URL must not carry a user name or password")
    origin = f"{base.scheme}://{base.netloc.decode('ascii')}"
    base_path = base.raw_path.partition(b"?")[0].decode("ascii").rstrip("/")
    return origin + base_path, base.query.decode("ascii")


def _url(server_url: str, path: str, query: str) -> httpx.URL:
    """``server_url`` + path (the server's base path kept) + query, byte for byte.

    Parsed here, once: httpx.Request takes an httpx.URL without parsing it again, and that is
    cheaper than handing it the string.
    """
    base, base_query = _server_parts(server_url)
    if path[:1] != "/":
        path = "/" + path
    if base_query:
        query = f"{base_query}&{query}" if query else base_query
    return httpx.URL(f"{base}{path}?{query}" if query else base + path)


# --- body ---------------------------------------------------------------------------------------


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
