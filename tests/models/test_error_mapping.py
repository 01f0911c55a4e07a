"""Status codes and bodies to errors, and Retry-After in its three forms."""

from __future__ import annotations

import pytest

from actionforge.models import (
    ContextOverflow,
    ModelAuthFailed,
    ModelError,
    ModelNotFound,
    ModelRateLimited,
    ModelRequestRejected,
    ModelTimeout,
    ModelUnavailable,
)
from actionforge.models.error_mapping import from_status, retry_after


@pytest.mark.parametrize(
    ("status", "message", "code", "kind"),
    [
        (401, "bad key", None, ModelAuthFailed),
        (403, "forbidden", None, ModelAuthFailed),
        (404, "no such model", None, ModelNotFound),
        (408, "timeout", None, ModelTimeout),
        (429, "slow down", None, ModelRateLimited),
        (400, "anything", "context_length_exceeded", ContextOverflow),
        (400, "This model's maximum context length is 4096 tokens.", None, ContextOverflow),
        (413, "request too large", None, ContextOverflow),
        (400, "unknown parameter: foo", None, ModelRequestRejected),
        (422, "unprocessable", None, ModelRequestRejected),
        (500, "boom", None, ModelUnavailable),
        (529, "overloaded", None, ModelUnavailable),
        (None, "Overloaded", "overloaded_error", ModelUnavailable),
        (None, "limit", "rate_limit_error", ModelRateLimited),
        (None, "prompt is too long", "invalid_request_error", ContextOverflow),
        (None, "something", None, ModelUnavailable),
    ],
)
def test_each_failure_is_one_error(status: int | None, message: str, code: str | None, kind: type) -> None:
    error = from_status("p", status, message, code, {})
    assert type(error) is kind
    assert isinstance(error, ModelError)
    assert error.detail == message


def test_every_error_is_one_sentence_naming_the_provider_where_it_helps() -> None:
    for kind in ModelError.__subclasses__():
        sentence = str(kind("Acme"))
        assert sentence.endswith(".")
        assert "{" not in sentence
        assert sentence[0].isupper() or sentence.startswith("Acme")


def test_retry_after_in_seconds_milliseconds_and_http_date() -> None:
    assert retry_after({"retry-after": "12"}) == 12.0
    assert retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"}, now=lambda: 1445412480.0) == 30.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None
