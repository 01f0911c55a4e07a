"""actionforge.fetch_document, the public "Import from URL" fetch, against a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import actionforge
from tests.servers.threaded import serve

SPEC = "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\n"
LOOPBACK = actionforge.Settings(allow_http=True, allow_loopback=True, allow_any_port=True)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    async def spec(request: Request) -> PlainTextResponse:
        seen.append(request.url.path)
        return PlainTextResponse(SPEC, media_type="application/yaml")

    with serve(Starlette(routes=[Route("/spec.yaml", spec)])) as url:
        yield url, seen


def test_the_text_comes_through_the_guard_when_it_allows_the_address(server: tuple[str, list[str]]) -> None:
    url, _ = server
    assert actionforge.fetch_document(f"{url}/spec.yaml", settings=LOOPBACK) == SPEC


def test_by_default_loopback_is_refused_with_the_reason(server: tuple[str, list[str]]) -> None:
    url, seen = server
    before = len(seen)
    with pytest.raises(actionforge.RequestBlocked) as refused:
        actionforge.fetch_document(f"{url}/spec.yaml")
    assert "loopback" in refused.value.reason or "https" in refused.value.reason
    assert len(seen) == before


def test_a_url_with_credentials_is_refused_before_anything_is_sent(server: tuple[str, list[str]]) -> None:
    url, seen = server
    before = len(seen)
    with pytest.raises(actionforge.RequestBlocked) as refused:
        actionforge.fetch_document(
            url.replace("http://", "http://user:hunter2@") + "/spec.yaml", settings=LOOPBACK
        )
    assert "credentials" in refused.value.reason
    assert "hunter2" not in str(refused.value)
    assert len(seen) == before


def test_the_workspace_policy_applies(server: tuple[str, list[str]]) -> None:
    url, _ = server
    with pytest.raises(actionforge.RequestBlocked):
        actionforge.fetch_document(
            f"{url}/spec.yaml", settings=LOOPBACK, policy=actionforge.DomainPolicy.allow_list(["example.com"])
        )
