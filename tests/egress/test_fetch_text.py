"""fetch_text ("Import from URL", remote $refs) against a real document server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from actionforge.egress import NO_DOMAINS_ALLOWED, DomainPolicy, fetch_text
from actionforge.errors import FetchError, RequestBlocked
from actionforge.settings import Settings
from tests.egress.conftest import StubResolver
from tests.servers.threaded import serve

ALL = DomainPolicy.allow_all()
SPEC = "openapi: 3.1.0\ninfo: {title: Büchershop, version: '1'}\npaths: {}\n"


async def document(request: Request) -> Response:
    name = request.path_params["name"]
    if name == "spec.yaml":
        return PlainTextResponse(SPEC, media_type="application/yaml")
    if name == "bom.json":
        return Response(b"\xef\xbb\xbf" + b'{"openapi": "3.0.3"}', media_type="application/json")
    if name == "latin1.yaml":
        return Response("title: Café\n".encode("latin-1"), media_type="text/yaml; charset=iso-8859-1")
    if name == "binary":
        return Response(b"\x89PNG\r\n\x1a\n\xff\xfe\x00", media_type="application/octet-stream")
    if name == "unknown-charset":
        return Response(b"x: 1", media_type="text/plain; charset=x-martian")
    if name == "big":
        return PlainTextResponse("x" * 500)
    if name == "big-stream":

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"y" * 60

        return StreamingResponse(chunks(), media_type="text/plain")  # no Content-Length
    if name == "moved":
        return RedirectResponse("/doc/spec.yaml", status_code=301)
    if name == "slow":
        await asyncio.sleep(1.5)
        return PlainTextResponse("late")
    return PlainTextResponse("not here", status_code=404)


@pytest.fixture(scope="module")
def docs() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/doc/{name}", document)])) as url:
        yield f"{url}/doc"


def dev(**overrides: Any) -> Settings:
    return Settings(allow_loopback=True, allow_http=True, allow_any_port=True, **overrides)


def test_fetches_a_document(docs: str) -> None:
    assert fetch_text(f"{docs}/spec.yaml", policy=ALL, settings=dev()) == SPEC


def test_fetches_through_a_resolved_name(docs: str) -> None:
    port = docs.split(":")[2].split("/")[0]
    resolver = StubResolver({"specs.dev.example": ["127.0.0.1"]})
    text = fetch_text(
        f"http://specs.dev.example:{port}/doc/spec.yaml", policy=ALL, settings=dev(), resolver=resolver
    )
    assert text == SPEC
    assert resolver.queries == ["specs.dev.example"]


def test_a_utf8_bom_is_dropped(docs: str) -> None:
    assert fetch_text(f"{docs}/bom.json", policy=ALL, settings=dev()) == '{"openapi": "3.0.3"}'


def test_the_declared_charset_is_used(docs: str) -> None:
    assert fetch_text(f"{docs}/latin1.yaml", policy=ALL, settings=dev()) == "title: Café\n"


def test_bytes_that_are_not_text_are_a_fetch_error(docs: str) -> None:
    with pytest.raises(FetchError, match=r"/doc/binary is not valid utf-8 text \(bad byte at offset 0\)"):
        fetch_text(f"{docs}/binary", policy=ALL, settings=dev())


def test_an_unknown_charset_is_a_fetch_error(docs: str) -> None:
    with pytest.raises(FetchError, match="unknown text encoding 'x-martian'"):
        fetch_text(f"{docs}/unknown-charset", policy=ALL, settings=dev())


def test_an_error_status_is_a_fetch_error(docs: str) -> None:
    with pytest.raises(FetchError, match=r"/doc/missing answered HTTP 404 Not Found$"):
        fetch_text(f"{docs}/missing", policy=ALL, settings=dev())


@pytest.mark.parametrize("name", ["big", "big-stream"])
def test_documents_over_the_size_limit_are_refused(docs: str, name: str) -> None:
    with pytest.raises(FetchError, match=r"(over|larger than) the 100-byte limit"):
        fetch_text(f"{docs}/{name}", policy=ALL, settings=dev(max_document_bytes=100))
    assert fetch_text(f"{docs}/{name}", policy=ALL, settings=dev(max_document_bytes=1000)).strip("xy") == ""


def test_a_redirect_is_reported_when_redirects_are_off(docs: str) -> None:
    with pytest.raises(FetchError) as failed:
        fetch_text(f"{docs}/moved", policy=ALL, settings=dev())
    message = str(failed.value)
    assert "answered HTTP 301 Moved Permanently, a redirect to" in message
    assert f"{docs}/spec.yaml" in message
    assert "follow_redirects is off" in message


def test_a_redirect_is_followed_when_allowed(docs: str) -> None:
    assert fetch_text(f"{docs}/moved", policy=ALL, settings=dev(follow_redirects=True)) == SPEC


def test_a_slow_server_times_out(docs: str) -> None:
    with pytest.raises(FetchError, match=r"timed out after 0\.5 s"):
        fetch_text(f"{docs}/slow", policy=ALL, settings=dev(fetch_timeout_s=0.5))


def test_an_unknown_host_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match=r"could not fetch https://nowhere\.example/spec\.yaml"):
        fetch_text(
            "https://nowhere.example/spec.yaml", policy=ALL, settings=Settings(), resolver=StubResolver()
        )


def test_an_invalid_url_is_refused() -> None:
    with pytest.raises(RequestBlocked, match="not a valid URL"):
        fetch_text("https://[::1/spec.yaml", policy=ALL, settings=Settings(), resolver=StubResolver())


def test_errors_do_not_repeat_credentials_from_the_url(docs: str) -> None:
    port = docs.split(":")[2].split("/")[0]
    with pytest.raises(FetchError) as failed:
        fetch_text(
            f"http://user:hunter2@127.0.0.1:{port}/doc/missing?api_key=s3cr3t#frag",
            policy=ALL,
            settings=dev(),
        )
    assert "hunter2" not in str(failed.value)
    assert "s3cr3t" not in str(failed.value)
    with pytest.raises(RequestBlocked) as refused:
        fetch_text("https://user:hunter2@10.0.0.1/spec?api_key=s3cr3t", policy=ALL, settings=Settings())
    assert "hunter2" not in str(refused.value)
    assert "s3cr3t" not in str(refused.value)
    assert refused.value.url == "https://10.0.0.1/spec"


def test_policy_applies_to_imports(docs: str) -> None:
    with pytest.raises(RequestBlocked, match=re.escape(NO_DOMAINS_ALLOWED)):
        fetch_text(f"{docs}/spec.yaml", policy=DomainPolicy.none(), settings=dev())
