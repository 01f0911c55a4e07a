from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Generator, Iterator

import httpx
import pytest

from actionforge._version import __version__
from actionforge.calls.context import CallContext
from actionforge.calls.send import parse_retry_after, send
from actionforge.errors import AuthError, RequestBlocked, SignInRequired
from actionforge.settings import Settings
from tests.servers.threaded import free_port, serve
from tests.servers.upstream import serve_raw, upstream_app

FAST = Settings(call_timeout_s=5, retry_backoff_s=0.01, retry_max_wait_s=2)


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve(upstream_app()) as url:
        yield url


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


async def hits(client: httpx.AsyncClient, upstream: str, key: str) -> int:
    count: int = (await client.get(f"{upstream}/hits/{key}")).json()["hits"]
    return count


def get(url: str, method: str = "GET", **kw: object) -> httpx.Request:
    return httpx.Request(method, url, **kw)  # type: ignore[arg-type]


# --- success -------------------------------------------------------------------------------------


async def test_a_json_answer_comes_back_compacted(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/json"), client=client, settings=FAST)
    assert result.ok
    assert result.status == 200
    assert result.content_type == "application/json"
    assert result.body == '{"name":"Zoë","tags":["a","b"],"nested":{"n":1,"ok":true,"none":null}}'
    assert result.attempts == 1
    assert 0 < result.elapsed_s < 5
    assert result.for_model() == result.body


async def test_requests_carry_the_user_agent_and_the_context(
    upstream: str, client: httpx.AsyncClient
) -> None:
    context = CallContext(conversation_id="conv-1", gpt_id="g-abc", user_id="u-9")
    result = await send(get(f"{upstream}/headers"), client=client, settings=FAST, context=context)
    headers = json.loads(result.body)["headers"]
    assert headers["user-agent"] == f"actionforge/{__version__}"
    assert headers["actionforge-conversation-id"] == "conv-1"
    assert headers["actionforge-gpt-id"] == "g-abc"
    assert headers["actionforge-user-id"] == "u-9"


async def test_unset_context_ids_are_not_sent(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(
        get(f"{upstream}/headers"), client=client, settings=FAST, context=CallContext(gpt_id="g")
    )
    headers = json.loads(result.body)["headers"]
    assert "actionforge-conversation-id" not in headers
    assert "actionforge-user-id" not in headers


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "", "é", "x" * 257, " padded"])
def test_context_ids_that_could_break_a_header_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="visible ASCII"):
        CallContext(user_id=bad)


class HeaderAuth(httpx.Auth):
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer t0ken"
        yield request


async def test_the_auth_flow_is_applied(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/headers"), client=client, settings=FAST, auth=HeaderAuth())
    assert json.loads(result.body)["headers"]["authorization"] == "Bearer t0ken"


async def test_no_content_and_head_are_fine(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/no-content", "DELETE"), client=client, settings=FAST)
    assert (result.ok, result.status, result.body) == (True, 204, "")
    result = await send(get(f"{upstream}/json", "HEAD"), client=client, settings=FAST)
    assert (result.ok, result.status, result.body) == (True, 200, "")


async def test_a_binary_answer_is_described_not_shown(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/binary"), client=client, settings=FAST)
    assert result.ok
    assert result.body == "The API returned 2.3 MB of image/png, which is not text; it cannot be shown."


async def test_an_endless_answer_is_cut_at_the_byte_cap(upstream: str, client: httpx.AsyncClient) -> None:
    settings = Settings(max_response_bytes=100_000, max_response_chars=1000)
    result = await send(get(f"{upstream}/endless"), client=client, settings=settings)
    assert result.ok
    assert result.truncated
    assert len(result.body) == 1000
    assert "[truncated: response was over 100,000 bytes" in result.body


# --- failures ------------------------------------------------------------------------------------


async def test_a_slow_drip_cannot_outlast_the_call_timeout(upstream: str, client: httpx.AsyncClient) -> None:
    # Each byte arrives well within any read timeout and the whole drip takes 50 s: only the
    # call's own deadline can end it as a timeout (no wall-clock bound needed to tell).
    settings = Settings(call_timeout_s=0.5)
    result = await send(get(f"{upstream}/drip?interval=0.05&count=1000"), client=client, settings=settings)
    assert not result.ok
    assert result.error == "timeout"
    assert result.message == f"Timed out after 0.5 s talking to {httpx.URL(upstream).netloc.decode()}"


async def test_slow_headers_time_out(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/slow?delay=3"), client=client, settings=Settings(call_timeout_s=0.3))
    assert result.error == "timeout"
    assert result.elapsed_s < 1.5


async def test_a_refused_connection(client: httpx.AsyncClient) -> None:
    port = free_port()
    result = await send(get(f"http://127.0.0.1:{port}/x"), client=client, settings=FAST)
    assert (result.ok, result.error) == (False, "connect")
    assert result.message is not None
    assert result.message.startswith(f"Could not connect to 127.0.0.1:{port}: ")


async def test_tls_to_a_plain_http_server_is_a_tls_error(upstream: str, client: httpx.AsyncClient) -> None:
    url = upstream.replace("http://", "https://") + "/json"
    result = await send(get(url), client=client, settings=FAST)
    assert result.error == "tls"
    assert result.message is not None
    assert result.message.startswith("TLS with 127.0.0.1:")


async def test_malformed_http_is_a_protocol_error(client: httpx.AsyncClient) -> None:
    with serve_raw(b"this is not HTTP at all\r\n\r\n") as url:
        result = await send(get(f"{url}/x"), client=client, settings=FAST)
    assert result.error == "protocol"
    assert result.message is not None
    assert "malformed HTTP response" in result.message


async def test_a_corrupt_gzip_body_is_a_protocol_error(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/bad-gzip"), client=client, settings=FAST)
    assert result.error == "protocol"
    assert result.message is not None
    assert "could not be decoded" in result.message


async def test_an_api_error_shows_status_and_body(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/status/404"), client=client, settings=FAST)
    assert (result.ok, result.error, result.status, result.attempts) == (False, "http", 404, 1)
    assert result.body == '{"error":"status 404","detail":"from upstream"}'
    assert result.message == f"{httpx.URL(upstream).netloc.decode()} answered 404 Not Found"
    assert json.loads(result.for_model()) == {
        "error": "http",
        "message": result.message,
        "status": 404,
        "body": result.body,
    }


async def test_a_500_is_not_retried(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/flaky/five-hundred?status=500"), client=client, settings=FAST)
    assert (result.error, result.status, result.attempts) == ("http", 500, 1)
    assert await hits(client, upstream, "five-hundred") == 1


async def test_an_unfollowed_redirect_is_an_error_without_the_query(
    upstream: str, client: httpx.AsyncClient
) -> None:
    result = await send(get(f"{upstream}/redirect"), client=client, settings=FAST)
    assert (result.ok, result.error, result.status) == (False, "http", 302)
    assert result.message is not None
    assert f"a redirect to {upstream}/json that was not followed" in result.message
    assert "s3cr3t" not in result.message


async def test_a_body_over_the_request_cap_is_not_sent(upstream: str, client: httpx.AsyncClient) -> None:
    settings = Settings(max_request_chars=100)
    request = get(f"{upstream}/flaky/too-large?failures=0", "POST", content=b"x" * 101)
    result = await send(request, client=client, settings=settings)
    assert (result.ok, result.error, result.attempts) == (False, "too_large", 0)
    assert result.message == (
        "The request body is 101 characters, over the limit of 100; it was not sent. Send less data."
    )
    assert await hits(client, upstream, "too-large") == 0


async def test_the_request_cap_counts_characters_not_bytes(upstream: str, client: httpx.AsyncClient) -> None:
    request = get(f"{upstream}/headers", "POST", content=("é" * 100).encode())
    result = await send(request, client=client, settings=Settings(max_request_chars=100))
    assert result.ok
    assert json.loads(result.body)["body_length"] == 200


# --- refusals from the injected layers -----------------------------------------------------------


class Refusing(httpx.AsyncBaseTransport):
    """Stands in for the egress guard: the transport is how the facade injects it."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RequestBlocked(str(request.url), "127.0.0.1 is a loopback address")


class RaisingAuth(httpx.Auth):
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise self.exc
        yield request  # pragma: no cover


async def test_a_blocked_request_is_a_blocked_result() -> None:
    async with httpx.AsyncClient(transport=Refusing()) as client:
        result = await send(get("http://127.0.0.1:8/x?key=1"), client=client, settings=FAST)
    assert (result.ok, result.error) == (False, "blocked")
    assert result.message == "The request to 127.0.0.1:8 was blocked: 127.0.0.1 is a loopback address"


async def test_sign_in_required_and_auth_errors(upstream: str, client: httpx.AsyncClient) -> None:
    auth = RaisingAuth(SignInRequired("example.com", "token expired"))
    result = await send(get(f"{upstream}/json"), client=client, settings=FAST, auth=auth)
    assert (result.error, result.message) == ("sign_in_required", "Sign in with example.com (token expired)")
    auth = RaisingAuth(AuthError("the token endpoint answered 500"))
    result = await send(get(f"{upstream}/json"), client=client, settings=FAST, auth=auth)
    assert result.error == "auth"
    assert result.message is not None
    assert result.message.endswith("the token endpoint answered 500")


async def test_an_unexpected_error_is_logged_without_secrets(
    upstream: str, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    auth = RaisingAuth(ValueError("bug while holding sk-SECRET"))
    request = get(f"{upstream}/json?api_key=QUERYSECRET", headers={"X-Api-Key": "HEADERSECRET"})
    with caplog.at_level(logging.ERROR, logger="actionforge.calls"):
        result = await send(request, client=client, settings=FAST, auth=auth)
    assert result.error == "internal"
    assert (
        result.message == f"Unexpected error while calling {httpx.URL(upstream).netloc.decode()} (ValueError)"
    )
    assert len(caplog.records) == 1
    logged = caplog.text
    assert "ValueError" in logged
    assert f"GET {upstream}/json" in logged
    for secret in ("sk-SECRET", "QUERYSECRET", "HEADERSECRET"):
        assert secret not in logged
        assert secret not in result.for_model()


# --- retries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", ["0", "1"])
async def test_429_with_retry_after_is_retried(
    upstream: str, client: httpx.AsyncClient, retry_after: str
) -> None:
    key = f"retry-after-{retry_after}"
    result = await send(
        get(f"{upstream}/flaky/{key}?retry_after={retry_after}"), client=client, settings=FAST
    )
    assert result.ok
    assert result.attempts == 2
    assert await hits(client, upstream, key) == 2
    assert result.elapsed_s >= float(retry_after)


async def test_retry_after_as_an_http_date(upstream: str, client: httpx.AsyncClient) -> None:
    url = f"{upstream}/flaky/date?retry_after=date:1&status=503"
    result = await send(get(url), client=client, settings=FAST)
    assert (result.ok, result.attempts) == (True, 2)
    assert await hits(client, upstream, "date") == 2


def test_retry_after_parsing() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") is None
    assert parse_retry_after(None) is None
    later = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT")
    assert later is not None
    assert later > 1e9


async def test_backoff_without_retry_after(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/flaky/backoff?failures=2&status=503"), client=client, settings=FAST)
    assert (result.ok, result.attempts) == (True, 3)
    assert await hits(client, upstream, "backoff") == 3


async def test_retries_stop_after_retry_attempts(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/flaky/exhaust?failures=9"), client=client, settings=FAST)
    assert (result.ok, result.error, result.status, result.attempts) == (False, "http", 429, 3)
    assert result.message is not None
    assert result.message.endswith("answered 429 Too Many Requests (after 3 attempts)")
    assert await hits(client, upstream, "exhaust") == 3


async def test_a_post_is_never_retried_by_default(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(get(f"{upstream}/flaky/post?status=503", "POST"), client=client, settings=FAST)
    assert (result.ok, result.status, result.attempts) == (False, 503, 1)
    assert await hits(client, upstream, "post") == 1
    result = await send(get(f"{upstream}/flaky/patch", "PATCH"), client=client, settings=FAST)
    assert (result.status, result.attempts) == (429, 1)


async def test_a_post_declared_idempotent_is_retried(upstream: str, client: httpx.AsyncClient) -> None:
    request = get(f"{upstream}/flaky/post-ok?retry_after=0", "POST", json={"a": 1})
    result = await send(request, client=client, settings=FAST, idempotent=True)
    assert (result.ok, result.attempts) == (True, 2)
    assert json.loads(result.body)["method"] == "POST"


async def test_a_get_declared_not_idempotent_is_not_retried(upstream: str, client: httpx.AsyncClient) -> None:
    result = await send(
        get(f"{upstream}/flaky/get-no?retry_after=0"), client=client, settings=FAST, idempotent=False
    )
    assert result.attempts == 1


async def test_a_retry_after_longer_than_the_max_wait_gives_up_at_once(
    upstream: str, client: httpx.AsyncClient
) -> None:
    result = await send(get(f"{upstream}/flaky/long-wait?retry_after=30"), client=client, settings=FAST)
    assert (result.status, result.attempts) == (429, 1)
    assert result.elapsed_s < 1
    assert result.message is not None
    assert result.message.endswith("; it asked to wait 30 s before trying again")


async def test_a_wait_past_the_call_deadline_is_not_made(upstream: str, client: httpx.AsyncClient) -> None:
    settings = Settings(call_timeout_s=0.5, retry_max_wait_s=5)
    result = await send(get(f"{upstream}/flaky/deadline?retry_after=1"), client=client, settings=settings)
    assert (result.status, result.attempts) == (429, 1)
    assert result.elapsed_s < 0.5
    assert await hits(client, upstream, "deadline") == 1


async def test_a_body_cut_short_is_a_protocol_error(client: httpx.AsyncClient) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b"
    with serve_raw(reply) as url:
        result = await send(get(f"{url}/x"), client=client, settings=FAST)
    assert (result.ok, result.error) == (False, "protocol")


async def test_an_unsupported_scheme_is_reported(client: httpx.AsyncClient) -> None:
    result = await send(get("ftp://127.0.0.1/file"), client=client, settings=FAST)
    assert (result.error, result.message) == ("protocol", "Unsupported URL scheme 'ftp'")
