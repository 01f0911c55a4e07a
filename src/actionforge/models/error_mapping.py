"""HTTP status and SDK failure → the layer's `ModelError`s; shared by both providers, whose SDKs
raise the same shapes (a status error with a body, a timeout, a connection error)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any

from actionforge.models.errors import (
    ContextOverflow,
    ModelAuthFailed,
    ModelError,
    ModelNotFound,
    ModelRateLimited,
    ModelRequestRejected,
    ModelTimeout,
    ModelUnavailable,
)

# How providers say the prompt is too long: OpenAI's error code, and the words OpenAI-compatible
# servers and Anthropic put in 400 messages ("maximum context length", "prompt is too long").
_OVERFLOW_CODES = frozenset({"context_length_exceeded", "string_above_max_length"})
_OVERFLOW_WORDS = (
    "context length",
    "context_length",
    "context window",
    "prompt is too long",
    "too many tokens",
)

# Anthropic's error types (also sent inside a 200 stream as an ``error`` event), OpenAI's codes.
_BY_TYPE: Mapping[str, type[ModelError]] = {
    "rate_limit_error": ModelRateLimited,
    "rate_limit_exceeded": ModelRateLimited,
    "authentication_error": ModelAuthFailed,
    "invalid_api_key": ModelAuthFailed,
    "permission_error": ModelAuthFailed,
    "not_found_error": ModelNotFound,
    "model_not_found": ModelNotFound,
    "overloaded_error": ModelUnavailable,
    "api_error": ModelUnavailable,
    "server_error": ModelUnavailable,
    "timeout_error": ModelTimeout,
}
_BY_STATUS: Mapping[int, type[ModelError]] = {
    401: ModelAuthFailed,
    403: ModelAuthFailed,
    404: ModelNotFound,
    408: ModelTimeout,
    413: ContextOverflow,
    429: ModelRateLimited,
    504: ModelTimeout,
}


def from_status(
    provider: str, status: int | None, message: str, code: str | None, headers: Mapping[str, str]
) -> ModelError:
    """The error for an HTTP error response from ``provider``, or for an error event inside a stream
    (``status`` None or 200: only the body's type says what went wrong)."""
    if status in (None, 200, 400, 413) and _is_overflow(message, code):
        return ContextOverflow(provider, message, status=status)
    kind = _kind(status, code)
    if kind is ModelRateLimited:
        return ModelRateLimited(provider, message, status=status, retry_after=retry_after(headers))
    return kind(provider, message, status=status)


def _kind(status: int | None, code: str | None) -> type[ModelError]:
    if status is not None and status in _BY_STATUS:
        return _BY_STATUS[status]
    if status is not None and status >= 500:
        return ModelUnavailable
    by_type = _BY_TYPE.get(code or "")
    if by_type is not None:
        return by_type
    return ModelRequestRejected if status is not None and status >= 400 else ModelUnavailable


def _is_overflow(message: str, code: str | None) -> bool:
    lowered = message.lower()
    return code in _OVERFLOW_CODES or any(words in lowered for words in _OVERFLOW_WORDS)


def retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds from ``Retry-After`` (delta or HTTP date), or OpenAI's ``retry-after-ms``."""
    if (millis := headers.get("retry-after-ms")) is not None:
        return _number(millis, 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value, 1)
    return seconds if seconds is not None else _seconds_until(value, now())


def _number(text: str, per_second: float) -> float | None:
    try:
        return max(0.0, float(text) / per_second)
    except ValueError:
        return None


def _seconds_until(date: str, now: float) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def body_error(body: Any) -> tuple[str | None, str | None]:
    """(message, code) from an error body: ``{"error": {"message", "code"|"type"}}`` (both SDKs)."""
    error = body.get("error", body) if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return None, None
    message, code = error.get("message"), error.get("code") or error.get("type")
    return (message if isinstance(message, str) else None), (code if isinstance(code, str) else None)
