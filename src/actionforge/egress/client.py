"""Guarded httpx clients, and ``fetch_text`` for "Import from URL" and remote ``$ref``s.

The factories own the options that decide where a request may go (transport, redirects, proxies,
environment), so a caller cannot accidentally build an unguarded client by passing one of them.
"""

from __future__ import annotations

import logging
from http.client import HTTPResponse
from http.cookiejar import Cookie, CookieJar
from typing import Any
from urllib.request import Request

import httpx

from actionforge.egress.policy import DomainPolicy
from actionforge.egress.preflight import check_url, display_url
from actionforge.egress.resolver import Resolver
from actionforge.egress.transport import GuardedAsyncTransport, GuardedTransport, Verify
from actionforge.errors import FetchError, RequestBlocked
from actionforge.secrets.redact import install_log_redaction
from actionforge.settings import Settings

# Options that would bypass or loosen the guard. ``trust_env`` would read proxies, SSL_CERT_FILE
# and ~/.netrc credentials from the environment; ``cookies`` would be sent on every request.
_GUARD_OWNED = frozenset(
    {"transport", "mounts", "proxy", "app", "follow_redirects", "max_redirects", "trust_env", "cookies"}
)


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing.

    Why: one pooled client serves every user's calls of an action. httpx keeps each response's
    cookies in its client and sends them on later requests it builds or redirects to that site,
    so a cookie an API set in answer to one user's call would go with the next user's followed
    redirect or token revocation. A call's cookies are its own cookie parameters
    (`calls.request`); nothing is carried from one response to a later request.
    """

    def extract_cookies(self, response: HTTPResponse, request: Request) -> None:
        return None

    def set_cookie(self, cookie: Cookie) -> None:
        return None


def _redact_http_library_logs() -> None:
    """httpx logs each request's full URL at INFO, so an API key sent in the query would reach any
    application that logs at INFO. The HTTP libraries' own loggers get the one redaction filter;
    it is idempotent, and costs nothing while those loggers are disabled."""
    for name in ("httpx", "httpcore"):
        install_log_redaction(logging.getLogger(name))


def guarded_client(
    policy: DomainPolicy,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    verify: Verify = True,
    **client_kwargs: Any,
) -> httpx.Client:
    """An ``httpx.Client`` whose every request and redirect hop passes the egress guard."""
    options = _client_options(settings, client_kwargs)
    return httpx.Client(
        transport=GuardedTransport(policy, settings, resolver=resolver, verify=verify), **options
    )


def guarded_async_client(
    policy: DomainPolicy,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    verify: Verify = True,
    **client_kwargs: Any,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose every request and redirect hop passes the egress guard."""
    options = _client_options(settings, client_kwargs)
    return httpx.AsyncClient(
        transport=GuardedAsyncTransport(policy, settings, resolver=resolver, verify=verify), **options
    )


def guarded_transport(
    policy: DomainPolicy | None = None, settings: Settings | None = None
) -> GuardedAsyncTransport:
    """The egress guard as an ``httpx.AsyncBaseTransport``, for a client built elsewhere (such as a
    model provider's SDK client): every request passes the scheme, port, domain-policy and SSRF
    checks, and connects to the address it vetted. ``policy`` defaults to any public domain.

    Reaching this machine or the private network (a model server on localhost or the LAN) takes
    ``Settings(allow_private_network=True)``, with ``allow_http``/``allow_any_port`` as needed.
    """
    _redact_http_library_logs()
    return GuardedAsyncTransport(policy or DomainPolicy.allow_all(), settings or Settings())


def _client_options(settings: Settings, client_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The caller's options plus the guard's own (redirect limits, no environment, no cookie jar),
    shared by both factories; refuses any option that would loosen the guard."""
    _refuse_guard_owned(client_kwargs)
    _redact_http_library_logs()
    return {
        "timeout": settings.call_timeout_s,
        **client_kwargs,
        "follow_redirects": settings.follow_redirects,
        "max_redirects": settings.max_redirects,
        "trust_env": False,
        "cookies": _NoCookies(),
    }


def _refuse_guard_owned(client_kwargs: dict[str, Any]) -> None:
    owned = sorted(_GUARD_OWNED & client_kwargs.keys())
    if owned:
        raise TypeError(
            f"{', '.join(owned)} cannot be passed to a guarded client: the egress guard sets them "
            "(from Settings where they are configurable)"
        )


def fetch_text(
    url: str,
    *,
    policy: DomainPolicy,
    settings: Settings,
    resolver: Resolver | None = None,
    verify: Verify = True,
) -> str:
    """The text of the document at ``url``, through the guard, capped at ``max_document_bytes``.

    Raises RequestBlocked when the guard refuses the URL (or a redirect hop), FetchError for
    everything else: network failure, timeout, a non-2xx status, a document too large, or bytes
    that are not text in the declared (default UTF-8) encoding.
    """
    shown = display_url(url)
    check_url(url, policy=policy, settings=settings)  # refuse hostile text before httpx parses it
    limit = settings.max_document_bytes
    try:
        with (
            guarded_client(
                policy, settings, resolver=resolver, verify=verify, timeout=settings.fetch_timeout_s
            ) as client,
            client.stream(
                "GET", url, headers={"Accept": "application/json, application/yaml, text/*;q=0.9, */*;q=0.5"}
            ) as response,
        ):
            _check_status(response, shown, settings)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"{shown} is {int(declared):,} bytes, over the {limit:,}-byte limit")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FetchError(f"{shown} is larger than the {limit:,}-byte limit")
            encoding = response.charset_encoding or "utf-8"
    except httpx.TimeoutException:
        raise FetchError(f"fetching {shown} timed out after {settings.fetch_timeout_s:g} s") from None
    except httpx.TooManyRedirects:
        raise FetchError(f"fetching {shown} gave more than {settings.max_redirects} redirects") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch {shown}: {exc}") from None
    return _decode(bytes(body), encoding, shown)


def fetch_document(url: str, *, policy: DomainPolicy | None = None, settings: Settings | None = None) -> str:
    """The text of the document at ``url``, for "Import from URL": through the egress guard with
    ``policy`` (default: any public domain), capped at ``settings.max_document_bytes``.

    A URL carrying credentials (``https://user:pass@host/``) is refused before anything is sent:
    they would be stored with the source URL and shown to every editor; an API's credentials
    belong in the action's authentication. Raises RequestBlocked (its ``reason`` says why) or
    FetchError, as `fetch_text`.
    """
    settings = settings or Settings()
    if _has_credentials(url):
        raise RequestBlocked(
            display_url(url),
            "the URL carries credentials (user:password@); give the API's credentials in the "
            "action's authentication instead",
        )
    return fetch_text(url, policy=policy or DomainPolicy.allow_all(), settings=settings)


def _has_credentials(url: str) -> bool:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return False  # the guard refuses it with its own reason
    return bool(parsed.userinfo)


def _check_status(response: httpx.Response, shown: str, settings: Settings) -> None:
    if response.is_success:
        return
    status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if response.is_redirect and not settings.follow_redirects:
        location = response.headers.get("location")
        target = display_url(response.url.join(location)) if location else "an unnamed location"
        raise FetchError(
            f"{shown} answered {status}, a redirect to {target}; redirects are not followed "
            "(Settings.follow_redirects is off): use the final URL"
        )
    raise FetchError(f"{shown} answered {status}")


def _decode(body: bytes, encoding: str, shown: str) -> str:
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return body.decode(codec)
    except LookupError:
        raise FetchError(f"{shown} declares an unknown text encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise FetchError(f"{shown} is not valid {encoding} text (bad byte at offset {exc.start})") from None
