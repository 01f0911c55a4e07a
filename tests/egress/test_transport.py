"""The guarded transports against real servers on 127.0.0.1: where connections actually go."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from actionforge.egress import DomainPolicy, development, guarded_async_client, guarded_client
from actionforge.errors import RequestBlocked
from actionforge.settings import Settings
from tests.egress.conftest import Recorder, StubResolver, recording_app
from tests.servers.threaded import serve
from tests.servers.tls import serve_tls

ALL = DomainPolicy.allow_all()


def _port(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


# --- development settings reach a real loopback server -------------------------------------------


def test_allow_loopback_reaches_a_loopback_server(
    upstream: tuple[str, Recorder], dev_settings: Settings
) -> None:
    url, recorder = upstream
    with guarded_client(ALL, dev_settings) as client:
        response = client.get(f"{url}/hello")
    assert response.status_code == 200
    host = url.removeprefix("http://")
    assert recorder.requests == [{"path": "/hello", "host": host, "query": "", "cookie": ""}]


async def test_async_client_sends_the_host_name_in_the_host_header(
    upstream: tuple[str, Recorder], dev_settings: Settings
) -> None:
    url, recorder = upstream
    port = _port(url)
    resolver = StubResolver({"api.dev.example": ["127.0.0.1"]})
    async with guarded_async_client(ALL, dev_settings, resolver=resolver) as client:
        response = await client.get(f"http://api.dev.example:{port}/items?x=1")
    assert response.json() == {"host": f"api.dev.example:{port}", "path": "/items"}
    assert recorder.requests[0]["host"] == f"api.dev.example:{port}"
    assert resolver.queries == ["api.dev.example"]


def test_without_allow_loopback_the_server_receives_nothing(upstream: tuple[str, Recorder]) -> None:
    url, recorder = upstream
    settings = Settings(allow_http=True, allow_any_port=True)
    resolver = StubResolver({"api.dev.example": ["127.0.0.1"]})
    with guarded_client(ALL, settings, resolver=resolver) as client:
        with pytest.raises(RequestBlocked, match=re.escape("127.0.0.1 is a loopback address")):
            client.get(f"{url}/direct")
        with pytest.raises(
            RequestBlocked, match=re.escape("api.dev.example resolves to 127.0.0.1, a loopback address")
        ):
            client.get(f"http://api.dev.example:{_port(url)}/by-name")
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("10.0.0.7", "resolves to 10.0.0.7, a private address"),
        ("169.254.169.254", "resolves to 169.254.169.254, a link-local address (cloud metadata)"),
        ("::ffff:127.0.0.1", "an IPv4-mapped form of 127.0.0.1"),
        ("0.0.0.0", "the unspecified address"),
    ],
)
def test_allow_loopback_opens_loopback_only(dev_settings: Settings, answer: str, reason: str) -> None:
    resolver = StubResolver({"api.dev.example": [answer]})
    with (
        guarded_client(ALL, dev_settings, resolver=resolver) as client,
        pytest.raises(RequestBlocked) as refused,
    ):
        client.get("http://api.dev.example:8080/")
    assert reason in refused.value.reason
    assert refused.value.url == "http://api.dev.example:8080/"


def test_policy_applies_to_loopback_too(upstream: tuple[str, Recorder], dev_settings: Settings) -> None:
    url, recorder = upstream
    resolver = StubResolver({"api.dev.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
    policy = DomainPolicy.allow_list(["dev.example"])
    with guarded_client(policy, dev_settings, resolver=resolver) as client:
        assert client.get(f"http://api.dev.example:{_port(url)}/ok").status_code == 200
        with pytest.raises(
            RequestBlocked, match=re.escape("other.example is not in your workspace's allowed domains")
        ):
            client.get(f"http://other.example:{_port(url)}/no")
    assert recorder.paths() == ["/ok"]


# --- DNS rebinding -------------------------------------------------------------------------------


def test_rebinding_to_loopback_cannot_win(
    upstream: tuple[str, Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    """The attacker's DNS answers a public address first, then 127.0.0.1. A guard that checked one
    answer and let the socket resolve again would reach the loopback server; ours dials the address
    it vetted (unreachable here), and the loopback server receives nothing."""
    url, recorder = upstream
    port = _port(url)
    resolver = StubResolver({"rebind.example": [["93.184.216.34"], ["127.0.0.1"]]})
    settings = Settings(allow_http=True, allow_any_port=True)
    caplog.set_level(logging.DEBUG, logger="actionforge.egress")
    with guarded_client(ALL, settings, resolver=resolver, timeout=1.0) as client:
        with pytest.raises(httpx.TransportError):
            client.get(f"http://rebind.example:{port}/steal")
        assert resolver.queries == ["rebind.example"]
        connects = [r.getMessage() for r in caplog.records if r.getMessage().startswith("connecting to")]
        assert connects == [f"connecting to rebind.example at 93.184.216.34 port {port}"]
        # The next connection asks DNS again and is vetted again: the rebound answer is refused.
        with pytest.raises(
            RequestBlocked, match=re.escape("rebind.example resolves to 127.0.0.1, a loopback address")
        ):
            client.get(f"http://rebind.example:{port}/steal")
    assert recorder.requests == []


async def test_rebinding_after_the_check_does_not_move_the_connection(
    upstream: tuple[str, Recorder], dev_settings: Settings
) -> None:
    """With loopback allowed, the first answer is our server and every later answer is the metadata
    address. The request and a keep-alive follow-up both reach the server vetted at connect time."""
    url, recorder = upstream
    port = _port(url)
    resolver = StubResolver({"rebind.example": [["127.0.0.1"], ["169.254.169.254"]]})
    async with guarded_async_client(ALL, dev_settings, resolver=resolver) as client:
        first = await client.get(f"http://rebind.example:{port}/one")
        second = await client.get(f"http://rebind.example:{port}/two")
    assert (first.status_code, second.status_code) == (200, 200)
    assert recorder.paths() == ["/one", "/two"]
    assert resolver.queries == ["rebind.example"]
    async with guarded_async_client(ALL, dev_settings, resolver=resolver) as fresh:
        with pytest.raises(
            RequestBlocked, match=re.escape("resolves to 169.254.169.254, a link-local address")
        ):
            await fresh.get(f"http://rebind.example:{port}/three")
    assert recorder.paths() == ["/one", "/two"]


def test_any_refused_answer_refuses_the_host(upstream: tuple[str, Recorder], dev_settings: Settings) -> None:
    """Not just the first answer: a fallback to the next address must not reach an internal one."""
    url, recorder = upstream
    resolver = StubResolver({"multi.example": ["127.0.0.1", "10.0.0.1"]})
    with guarded_client(ALL, dev_settings, resolver=resolver) as client, pytest.raises(RequestBlocked):
        client.get(f"http://multi.example:{_port(url)}/")
    assert recorder.requests == []


# --- TLS still verifies the host name ------------------------------------------------------------


def test_pinned_tls_verifies_the_certificate_against_the_host_name() -> None:
    recorder = Recorder()
    resolver = StubResolver({"api.pinned.example": ["127.0.0.1"], "other.pinned.example": ["127.0.0.1"]})
    settings = Settings(allow_loopback=True, allow_any_port=True)
    with (
        serve_tls(recording_app(recorder), ["api.pinned.example"]) as (port, ca),
        guarded_client(ALL, settings, resolver=resolver, verify=ca.client_context()) as client,
    ):
        response = client.get(f"https://api.pinned.example:{port}/secure")
        assert response.json() == {"host": f"api.pinned.example:{port}", "path": "/secure"}
        # Same IP, name not on the certificate: verification must fail, not fall back to the IP.
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            client.get(f"https://other.pinned.example:{port}/secure")
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            client.get(f"https://127.0.0.1:{port}/secure")
    assert recorder.paths() == ["/secure"]


async def test_async_pinned_tls_verifies_the_host_name() -> None:
    recorder = Recorder()
    resolver = StubResolver({"api.pinned.example": ["127.0.0.1"], "other.pinned.example": ["127.0.0.1"]})
    settings = Settings(allow_loopback=True, allow_any_port=True)
    with serve_tls(recording_app(recorder), ["api.pinned.example"]) as (port, ca):
        async with guarded_async_client(
            ALL, settings, resolver=resolver, verify=ca.client_context()
        ) as client:
            assert (await client.get(f"https://api.pinned.example:{port}/a")).status_code == 200
            with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
                await client.get(f"https://other.pinned.example:{port}/b")
    assert recorder.paths() == ["/a"]


def test_a_custom_sni_hostname_is_refused(upstream: tuple[str, Recorder], dev_settings: Settings) -> None:
    url, recorder = upstream
    with guarded_client(ALL, dev_settings) as client, pytest.raises(RequestBlocked, match="sni_hostname"):
        client.get(f"{url}/", extensions={"sni_hostname": "api.pinned.example"})
    assert recorder.requests == []


def test_a_host_header_other_than_the_url_host_is_refused(
    upstream: tuple[str, Recorder], dev_settings: Settings
) -> None:
    url, recorder = upstream
    with guarded_client(ALL, dev_settings) as client, pytest.raises(RequestBlocked, match="Host header"):
        client.get(f"{url}/", headers={"Host": "internal.service"})
    assert recorder.requests == []


# --- redirects -----------------------------------------------------------------------------------


def test_redirects_are_not_followed_by_default(
    upstream: tuple[str, Recorder], dev_settings: Settings
) -> None:
    url, recorder = upstream
    with guarded_client(ALL, dev_settings) as client:
        response = client.get(f"{url}/redirect", params={"to": f"{url}/next"})
    assert response.status_code == 302
    assert response.headers["location"] == f"{url}/next"
    assert recorder.paths() == ["/redirect"]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is a link-local address (cloud metadata)",
        ),
        ("http://[::ffff:10.0.0.1]/", "IPv4-mapped form of 10.0.0.1, a private address"),
        ("http://internal.example/", "internal.example resolves to 10.0.0.1, a private address"),
        ("ftp://files.example/", "the scheme 'ftp:' is not allowed"),
        ("http://localhost.internal/", "local-network name (.internal)"),
    ],
)
async def test_every_redirect_hop_is_checked(
    upstream: tuple[str, Recorder], target: str, reason: str
) -> None:
    url, recorder = upstream
    settings = Settings(allow_loopback=True, allow_http=True, allow_any_port=True, follow_redirects=True)
    resolver = StubResolver({"internal.example": ["10.0.0.1"]})
    async with guarded_async_client(ALL, settings, resolver=resolver) as client:
        with pytest.raises(RequestBlocked) as refused:
            await client.get(f"{url}/redirect", params={"to": target})
    assert reason in refused.value.reason
    assert recorder.paths() == ["/redirect"]


def test_a_redirect_to_loopback_is_refused_by_policy(
    upstream: tuple[str, Recorder], dev_settings: Settings
) -> None:
    """The first hop is an allowed name; the redirect to the bare loopback address is not."""
    url, recorder = upstream
    port = _port(url)
    settings = Settings(allow_loopback=True, allow_http=True, allow_any_port=True, follow_redirects=True)
    resolver = StubResolver({"api.dev.example": ["127.0.0.1"]})
    policy = DomainPolicy.allow_list(["api.dev.example"])
    with guarded_client(policy, settings, resolver=resolver) as client:
        with pytest.raises(
            RequestBlocked, match=re.escape("127.0.0.1 is not in your workspace's allowed domains")
        ):
            client.get(
                f"http://api.dev.example:{port}/redirect", params={"to": f"http://127.0.0.1:{port}/admin"}
            )
        followed = client.get(f"http://api.dev.example:{port}/redirect", params={"to": "/landing"})
    assert followed.status_code == 200
    assert recorder.paths() == ["/redirect", "/redirect", "/landing"]


async def test_a_cookie_an_api_sets_is_never_sent_on_a_later_request(upstream: tuple[str, Recorder]) -> None:
    """One pooled client serves every user's calls: the cookie set in answer to one user's call
    must not go with the next request the client builds, nor with a redirect it follows."""
    url, recorder = upstream
    settings = Settings(allow_loopback=True, allow_http=True, allow_any_port=True, follow_redirects=True)
    async with guarded_async_client(ALL, settings) as client:
        answered = await client.get(f"{url}/set-cookie", params={"value": "alice-session"})
        assert answered.headers["set-cookie"].startswith("session=alice-session")
        await client.get(f"{url}/redirect", params={"to": "/landing"})
        await client.post(f"{url}/token/revoke")
        assert list(client.cookies.jar) == []
    assert recorder.paths() == ["/set-cookie", "/redirect", "/landing", "/token/revoke"]
    assert [r["cookie"] for r in recorder.requests] == ["", "", "", ""]


def test_redirects_stop_at_max_redirects(upstream: tuple[str, Recorder]) -> None:
    url, recorder = upstream
    settings = Settings(
        allow_loopback=True, allow_http=True, allow_any_port=True, follow_redirects=True, max_redirects=2
    )
    with guarded_client(ALL, settings) as client, pytest.raises(httpx.TooManyRedirects):
        client.get(f"{url}/loop")
    assert recorder.paths() == ["/loop", "/loop", "/loop"]


# --- the factories own the guard's options -------------------------------------------------------


@pytest.mark.parametrize(
    "option", ["transport", "mounts", "proxy", "follow_redirects", "trust_env", "cookies"]
)
def test_options_that_would_bypass_the_guard_are_refused(option: str) -> None:
    options: dict[str, Any] = {option: None}
    with pytest.raises(TypeError, match=option):
        guarded_client(ALL, Settings(), **options)


def test_environment_proxies_are_ignored(
    upstream: tuple[str, Recorder], dev_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, recorder = upstream
    proxy_recorder = Recorder()
    with serve(recording_app(proxy_recorder)) as proxy_url:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with guarded_client(ALL, dev_settings) as client:
            assert client.get(f"{url}/direct").status_code == 200
    assert recorder.paths() == ["/direct"]
    assert proxy_recorder.requests == []


def test_allow_loopback_warns_once_per_process(
    dev_settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(development, "_warned", False)
    caplog.set_level(logging.WARNING, logger="actionforge.egress")
    guarded_client(ALL, Settings()).close()
    assert caplog.records == []
    guarded_client(ALL, dev_settings).close()
    guarded_client(ALL, dev_settings).close()
    warnings = [r for r in caplog.records if r.name == "actionforge.egress"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "allow_loopback is on" in warnings[0].getMessage()
