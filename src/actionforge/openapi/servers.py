"""Where a document's operations are sent: its `servers`, written loosely, relatively or not at all.

Real documents name their server in many ways: an absolute URL, a scheme-relative one
(``//api.example.com/v2``), a bare host (``api.example.com``), a relative path that only makes
sense once the caller says where their own instance runs (``/``, ``/api/v1``), or nothing. This
module turns a Server Object into the absolute base URL the engine sends to, with a warning when
it had to read a loose form, and checks the base URL a caller gives (``server_url``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

NO_SERVER = "Could not find a valid URL in `servers`"

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")
# A host name with at least one dot and an alphabetic top-level label, an optional port and path:
# "api.example.com", "api.example.com:8443/v2". Anything else without a scheme is a relative path.
_BARE_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::\d{1,5})?(?:/\S*)?"
)

Warn = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class ServerContext:
    """What is known about where the API lives, besides the document's own `servers`."""

    server_url: str | None = None  # the caller's base URL, already checked by check_server_url
    variables: Mapping[str, str] = field(default_factory=dict)  # the caller's server variable values
    document_uri: str | None = None  # where the document came from
    resolve_against_document: bool = False  # profile rule: relative servers resolve against it


def check_server_url(url: str) -> str | None:
    """Why ``url`` cannot be a base URL, or None when it can. The URL is never echoed (it may
    carry credentials)."""
    if not url or url != url.strip() or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "The server URL given is empty or contains whitespace"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "The server URL given is not a valid URL"
    problems = (
        (parts.scheme not in ("http", "https"), "must start with https:// or http://"),
        (not parts.hostname, "has no host"),
        (
            parts.username is not None or parts.password is not None,
            "must not contain a user name or password",
        ),
        (bool(parts.query or parts.fragment), "must not have a query or a fragment"),
    )
    for failed, reason in problems:
        if failed:
            return f"The server URL given {reason}"
    return None


def check_server_variables(values: Mapping[str, str]) -> str | None:
    """Why these server variable values cannot be used, or None. A value may hold ``/`` (a base
    path), never credentials or a query: ``@``, ``?``, ``#``, spaces. (A value in the host part of
    a server URL is held to a host's characters where it is substituted.)"""
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            return f"The server variable {name!r} needs a non-empty text value"
        if any(ch in "@?#\\" or ch.isspace() or ord(ch) < 32 for ch in value):
            return f"The value given for server variable {name!r} must not contain @, ?, #, \\ or spaces"
    return None


class ServerResolver:
    """Base URLs of Server Objects under one context; loose forms are reported through ``warn``."""

    def __init__(self, context: ServerContext, warn: Warn) -> None:
        self.context = context
        self.warn = warn

    def root(self, document: Mapping[str, Any]) -> tuple[str | None, str]:
        """The base URL of the document's operations, or None and the pointer of the problem.

        A caller's ``server_url`` wins: a relative first server is joined onto it, an absolute one
        is replaced by it. Otherwise the first server is used; a relative first server that cannot
        be resolved gives way to the first absolute one after it.
        """
        servers = document.get("servers")
        if self.context.server_url is not None:
            return self.given_root(servers), ""
        if servers is None or servers == []:
            at = "/servers" if "servers" in document else ""  # the nearest place that exists
            if self.context.resolve_against_document and self.context.document_uri:
                return self.resolve({"url": "/"}, at)[0], at  # OpenAPI's default server
            return None, at
        if not isinstance(servers, list):
            return None, "/servers"
        url, problem_at = self.first_usable(servers)
        if url is not None and len(servers) > 1:
            self.warn(f"Multiple servers found, using {url}", "/servers")
        return url, problem_at

    def given_root(self, servers: Any) -> str:
        assert self.context.server_url is not None
        first = servers[0] if isinstance(servers, list) and servers else None
        if isinstance(first, Mapping) and isinstance(first.get("url"), str):
            path = self.substitute(first["url"], first.get("variables"))
            if path is not None and _is_relative(path):
                return _join(self.context.server_url, path).rstrip("/")
        return self.context.server_url.rstrip("/")

    def first_usable(self, servers: list[Any]) -> tuple[str | None, str]:
        url, problem_at = self.resolve(servers[0], "/servers/0")
        if url is not None or not _is_relative(_raw_url(servers[0])):
            return url, problem_at
        for index, server in enumerate(servers[1:], start=1):
            if _is_relative(_raw_url(server)):
                continue
            later, _ = self.resolve(server, f"/servers/{index}")
            if later is not None:
                written = _raw_url(servers[0])
                self.warn(
                    f"The first server, {written!r}, is a relative URL; using {later}", "/servers/0/url"
                )
                return later, ""
        return None, problem_at

    def resolve(self, server: Any, at: str, *, parent: str = "") -> tuple[str | None, str]:
        """The absolute base URL of one Server Object (no trailing slash), or None and where it
        went wrong. A relative URL is resolved against ``parent`` (the root server, for a Path
        Item's or Operation's own `servers`), else joined onto the caller's ``server_url``, else
        (profile permitting) resolved against the document's own URL."""
        if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
            return None, at
        url_at = f"{at}/url"
        url = self.substitute(server["url"], server.get("variables"))
        absolute = self.absolute(url, url_at, parent) if url is not None else None
        if absolute is None or _has_userinfo(absolute):  # credentials never ride in a base URL
            return None, url_at
        return absolute.rstrip("/"), ""

    def substitute(self, url: str, variables: Any) -> str | None:
        """``https://{tenant}.example.com`` with the caller's value or the variable's default;
        None if a variable has neither."""
        declared = variables if isinstance(variables, Mapping) else {}
        missing = False

        host_end = _authority_end(url)

        def value(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1)
            if name in self.context.variables:
                given = self.context.variables[name]
                if match.start() < host_end and not _HOST_PART.fullmatch(given):
                    missing = True  # "evil.example/x" must not move the host
                return given
            variable = declared.get(name)
            default = variable.get("default") if isinstance(variable, Mapping) else None
            if isinstance(default, bool) or not isinstance(default, str | int | float):
                missing = True
                return ""
            return str(default)

        substituted = _TEMPLATE_VARIABLE.sub(value, url)
        return None if missing else substituted

    def absolute(self, url: str, at: str, parent: str = "") -> str | None:
        if _is_absolute_http(url):
            return url
        for loose, prefix in (
            (url.startswith("//"), "https:"),
            (bool(_BARE_HOST.fullmatch(url)), "https://"),
        ):
            if loose and _is_absolute_http(prefix + url):
                self.warn(f"Server URL {url!r} has no scheme; using {(prefix + url).rstrip('/')}", at)
                return prefix + url
        if "://" in url or url.startswith("//"):
            return None  # another scheme (ftp://, ws://) or a malformed host
        if parent:
            return urljoin(parent.rstrip("/") + "/", url)
        if self.context.server_url is not None:
            return _join(self.context.server_url, url)
        if self.context.resolve_against_document and self.context.document_uri:
            joined = urljoin(self.context.document_uri, url)
            return joined if _is_absolute_http(joined) else None
        return None


def _is_absolute_http(url: str) -> bool:
    """An http(s) URL with a host: the only kind of base URL requests can go to."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url
    except ValueError:  # e.g. an invalid IPv6 literal or port
        return False


_HOST_PART = re.compile(r"[A-Za-z0-9.-]+(?::\d{1,5})?")


def _authority_end(template: str) -> int:
    """Where the host (and port) of a server URL template ends; 0 for a relative URL."""
    scheme_end = template.find("//")
    if scheme_end < 0:
        return 0
    path_start = template.find("/", scheme_end + 2)
    return len(template) if path_start < 0 else path_start


def _has_userinfo(url: str) -> bool:
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None


def _raw_url(server: Any) -> str:
    url = server.get("url") if isinstance(server, Mapping) else None
    return url if isinstance(url, str) else ""


def _is_relative(url: str) -> bool:
    """A path (``/``, ``/v2``, ``v2``, ``""``), not a host in any form."""
    return "://" not in url and not url.startswith("//") and not _BARE_HOST.fullmatch(url)


def _join(base: str, path: str) -> str:
    """A relative server path appended to the caller's base URL: ``https://h/gitlab`` + ``/api/v4``
    is ``https://h/gitlab/api/v4`` (urljoin would drop ``/gitlab``)."""
    path = path.strip()
    if not path or path == "/":
        return base
    return base.rstrip("/") + "/" + path.lstrip("/")
