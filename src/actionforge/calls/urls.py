"""The request URL: the server URL, the path template filled with encoded values, the query.

Values arrive already percent-encoded for a path segment (``serialize.path_value``), so they never
contain ``/`` or ``?`` and template segments map one to one to request segments. A template whose
key carried a query string (``/export?filename={filename}``) is split by the openapi layer into a
path and query parameters; should one still hold a ``?`` here, its query part goes into the
query, never percent-encoded into the path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import httpx

from actionforge.calls.serialize import RequestBuildError, encode_path_literal

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# One template segment: its encoded literal stretches around the placeholder names,
# ("lit0", "lit1", ...) and ("name0", ...), with one more literal than names.
_Segment = tuple[tuple[str, ...], tuple[str, ...]]


def _split(text: str) -> _Segment:
    """Encoded literals around the placeholder names of one stretch of template."""
    literals: list[str] = []
    names: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        literals.append(encode_path_literal(text[last : match.start()]))
        names.append(match.group(1))
        last = match.end()
    literals.append(encode_path_literal(text[last:]))
    return tuple(literals), tuple(names)


@lru_cache(maxsize=4096)
def _template_segments(template: str) -> tuple[_Segment, ...]:
    """A path template (no query part) split and its literals encoded once, not on every call."""
    return tuple(_split(segment) for segment in template.split("/"))


@lru_cache(maxsize=4096)
def _template_pieces(template: str) -> _Segment:
    """The whole path template as encoded literals around its placeholder names."""
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


def _join(literals: tuple[str, ...], values: list[str]) -> str:
    out = [literals[0]]
    for value, literal in zip(values, literals[1:], strict=True):
        out.append(value)
        out.append(literal)
    return "".join(out)


def _lookup(names: tuple[str, ...], texts: Mapping[str, str]) -> list[str]:
    try:
        return [texts[name] for name in names]
    except KeyError as exc:
        problem = f"the path template has {{{exc.args[0]}}} but no path parameter fills it"
        raise RequestBuildError(problem) from None


def expand_path(template: str, texts: Mapping[str, str]) -> str:
    """Fill the path template; refuse a segment that a value makes read ``.`` or ``..``.

    Clients and servers remove dot-segments, and RFC 3986 §6.2.2 lets them decode ``%2E`` first,
    so no spelling of it is sure to stay a plain segment.
    """
    literals, names = _template_pieces(template)
    values = _lookup(names, texts)
    if "." not in "".join(values):
        return _join(literals, values)  # no value holds a dot, so none can make a dot segment
    expanded_segments: list[str] = []
    for segment_literals, segment_names in _template_segments(template):
        expanded = _join(segment_literals, [texts[name] for name in segment_names])
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


def build_url(server_url: str, template: str, texts: Mapping[str, str], query: str) -> httpx.URL:
    """``server_url`` + filled path (the server's base path kept) + query, byte for byte.

    Parsed here, once: httpx.Request takes an httpx.URL without parsing it again, and that is
    cheaper than handing it the string.
    """
    base, base_query = _server_parts(server_url)
    template, mark, template_query = template.partition("?")
    path = expand_path(template, texts)
    if path[:1] != "/":
        path = "/" + path
    if mark:
        query = "&".join(q for q in (_fill_query(template_query, texts), query) if q)
    if base_query:
        query = f"{base_query}&{query}" if query else base_query
    return httpx.URL(f"{base}{path}?{query}" if query else base + path)


def _fill_query(template_query: str, texts: Mapping[str, str]) -> str:
    """A template's own query part, its placeholders filled (values are encoded for any place)."""
    literals, names = _template_pieces(template_query)
    return _join(literals, _lookup(names, texts))
