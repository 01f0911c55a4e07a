"""Send one API request and always come back with a :class:`ToolResult`, never an exception.

The model's loop must go on whatever the API does, so every failure (timeout, refused
connection, TLS, malformed HTTP, 4xx/5xx, a refusal by the egress guard or the auth flow) becomes
a structured result with a message written for the model. Only cancellation propagates.

Decisions:
- ``call_timeout_s`` bounds the whole call: connecting, every attempt, the waits between them
  and reading the body. httpx's own timeouts bound each network step; an overall deadline stops a
  server that drips a byte at a time.
- 429 and 503 are retried for idempotent methods only. A ``Retry-After`` (seconds or HTTP-date)
  is obeyed; when it asks for more than ``retry_max_wait_s``, or the wait would pass the
  deadline, the call gives up at once and the model sees the API's answer (retrying earlier
  than the API asked would only earn another 429).
- A redirect that was not followed (the client's ``follow_redirects`` is off by default) is an
  ``http`` error naming where it pointed, without the query string.
"""

from __future__ import annotations

import email.utils
import logging
import random
import ssl
import time
import traceback
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import anyio
import httpx

from actionforge._version import __version__
from actionforge.calls.context import CallContext
from actionforge.calls.response import ResponseText, read_response
from actionforge.calls.result import ErrorKind, ToolResult
from actionforge.errors import AuthError, RequestBlocked, SignInRequired
from actionforge.settings import Settings

logger = logging.getLogger("actionforge.calls")

USER_AGENT = f"actionforge/{__version__}"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 503})


async def send(
    request: httpx.Request,
    *,
    client: httpx.AsyncClient,
    settings: Settings,
    auth: httpx.Auth | None = None,
    idempotent: bool | None = None,
    context: CallContext | None = None,
) -> ToolResult:
    """Send ``request`` through ``client`` (whose transport is the egress guard) and read the answer."""
    started = time.monotonic()
    oversized = _request_chars_over(request, settings.max_request_chars)
    if oversized is not None:
        message = (
            f"The request body is {oversized:,} characters, over the limit of "
            f"{settings.max_request_chars:,}; it was not sent. Send less data."
        )
        return ToolResult(ok=False, error="too_large", message=message, attempts=0)

    headers = request.headers
    headers["User-Agent"] = USER_AGENT
    if context is not None:
        headers.update(context.headers())
    timeout = settings.call_timeout_s
    request.extensions["timeout"] = _timeouts(timeout)
    may_retry = request.method in IDEMPOTENT_METHODS if idempotent is None else idempotent
    deadline = anyio.current_time() + timeout
    attempts = 0
    try:
        # A bare CancelScope rather than anyio.fail_after: same deadline, less per-call overhead.
        with anyio.CancelScope(deadline=deadline):
            while True:
                attempts += 1
                response = await client.send(request, auth=auth, stream=True)
                gave_up_on: float | None = None
                if response.status_code in RETRY_STATUSES and may_retry:
                    wait, asked = _retry_wait(response, attempts, settings)
                    if attempts <= settings.retry_attempts and anyio.current_time() + wait < deadline:
                        if asked is None or asked <= settings.retry_max_wait_s:
                            await response.aclose()
                            await anyio.sleep(wait)
                            continue
                        gave_up_on = asked
                body = await read_response(response, settings)
                return _result(response, body, attempts, time.monotonic() - started, gave_up_on)
    except Exception as exc:
        kind, message = _failure(exc, request, timeout)
    else:  # the deadline cancelled the scope
        kind, message = "timeout", _failure(TimeoutError(), request, timeout)[1]
    return ToolResult(
        ok=False, error=kind, message=message, attempts=attempts, elapsed_s=time.monotonic() - started
    )


def _result(
    response: httpx.Response, body: ResponseText, attempts: int, elapsed: float, asked_wait: float | None
) -> ToolResult:
    status = response.status_code
    if status < 300 or status == 304:
        return ToolResult(
            ok=True,
            status=status,
            content_type=body.media_type,
            body=body.text,
            truncated=body.truncated,
            elapsed_s=elapsed,
            attempts=attempts,
        )
    host = _host(response.request.url)
    message = f"{host} answered {status} {response.reason_phrase}".rstrip()
    if status < 400:
        location = response.headers.get("location")
        target = _without_query(response.request.url.join(location)) if location else "nowhere"
        message += f", a redirect to {target} that was not followed"
    elif status in RETRY_STATUSES:
        if attempts > 1:
            message += f" (after {attempts} attempts)"
        if asked_wait is not None:
            message += f"; it asked to wait {asked_wait:g} s before trying again"
    return ToolResult(
        ok=False,
        status=status,
        content_type=body.media_type,
        body=body.text,
        error="http",
        message=message,
        truncated=body.truncated,
        elapsed_s=elapsed,
        attempts=attempts,
    )


def _failure(exc: Exception, request: httpx.Request, timeout: float) -> tuple[ErrorKind, str]:
    """The error kind and the model-facing message for an exception raised while calling."""
    host = _host(request.url)
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timeout", f"Timed out after {timeout:g} s talking to {host}"
    if isinstance(exc, RequestBlocked):
        return "blocked", f"The request to {host} was blocked: {exc.reason}"
    if isinstance(exc, SignInRequired):
        return "sign_in_required", str(exc)
    if isinstance(exc, AuthError):
        return "auth", f"Could not authenticate the request to {host}: {exc}"
    tls = _tls_cause(exc)
    if tls is not None:
        return "tls", f"TLS with {host} failed: {_tls_reason(tls)}"
    if isinstance(exc, httpx.ConnectError):
        return "connect", f"Could not connect to {host}: {_short(exc) or 'connection failed'}"
    if isinstance(exc, httpx.NetworkError):  # ReadError, WriteError, CloseError
        return "connect", f"The connection to {host} broke: {_short(exc) or 'connection lost'}"
    if isinstance(exc, httpx.DecodingError):
        return "protocol", f"The response from {host} could not be decoded ({_short(exc)})"
    if isinstance(exc, httpx.TooManyRedirects):
        return "protocol", f"{host} redirected too many times"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "protocol", f"Unsupported URL scheme {request.url.scheme!r}"
    if isinstance(exc, httpx.ProtocolError):
        return "protocol", f"{host} sent a malformed HTTP response ({_short(exc)})"
    # A bug somewhere below us (an auth flow, the transport). Log where, but not the exception's
    # text, the headers or the query string: any of them may hold a secret.
    logger.error(
        "unexpected %s during %s %s\n%s",
        type(exc).__name__,
        request.method,
        _without_query(request.url),
        "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
    )
    return "internal", f"Unexpected error while calling {host} ({type(exc).__name__})"


def _retry_wait(response: httpx.Response, attempt: int, settings: Settings) -> tuple[float, float | None]:
    """Seconds to wait before the next attempt, and what ``Retry-After`` asked for (if it did)."""
    asked = parse_retry_after(response.headers.get("retry-after"))
    if asked is not None:
        return min(asked, settings.retry_max_wait_s), asked
    backoff = settings.retry_backoff_s * 2 ** (attempt - 1)
    return min(random.uniform(backoff / 2, backoff), settings.retry_max_wait_s), None


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds from now: delta-seconds or an HTTP-date; None when absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _request_chars_over(request: httpx.Request, limit: int) -> int | None:
    """The body's length in characters when it is over ``limit``, else None."""
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed body: trust its declared length
        declared = request.headers.get("content-length", "")
        return int(declared) if declared.isdigit() and int(declared) > limit else None
    if len(content) <= limit:  # never more characters than bytes: the usual, cheap case
        return None
    chars = len(content.decode("utf-8", "replace"))
    return chars if chars > limit else None


@lru_cache(maxsize=16)
def _timeouts(seconds: float) -> dict[str, float]:
    return httpx.Timeout(seconds).as_dict()  # type: ignore[return-value]


def _host(url: httpx.URL) -> str:
    return url.host if url.port is None else f"{url.host}:{url.port}"


def _without_query(url: httpx.URL) -> str:
    return str(url.copy_with(query=None, fragment=None, username=None, password=None))


def _tls_cause(exc: BaseException) -> ssl.SSLError | ssl.CertificateError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _tls_reason(exc: ssl.SSLError | ssl.CertificateError) -> str:
    verify = getattr(exc, "verify_message", None)
    reason: Any = verify or getattr(exc, "reason", None) or _short(exc)
    return str(reason)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = str(exc).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
