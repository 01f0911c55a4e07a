"""OpenAI's OAuth domain rule, on the bundled Public Suffix List."""

from __future__ import annotations

import socket

import pytest

from actionforge.auth.oauth import (
    OAuthConfig,
    OAuthDomainError,
    check_oauth_domains,
    oauth_domain_problems,
    registrable_domain,
)
from actionforge.secrets.value import SecretValue
from actionforge.settings import Settings

EXCEPTIONS = Settings().oauth_domain_exceptions


def _config(authorize: str, token: str, revocation: str | None = None) -> OAuthConfig:
    return OAuthConfig(
        client_id="c",
        client_secret=SecretValue("domain-rule-secret"),
        authorization_url=authorize,
        token_url=token,
        revocation_url=revocation,
    )


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://api.example.com/v1", "example.com"),
        ("https://auth.example.co.uk/token", "example.co.uk"),
        ("https://EXAMPLE.com./x", "example.com"),
        ("https://a.b.c.example.com:8443", "example.com"),
        ("https://myapp.herokuapp.com", "myapp.herokuapp.com"),  # private suffixes count
        ("http://127.0.0.1:8080/token", "127.0.0.1"),
        ("http://[::1]:9000/x", "::1"),
        ("http://localhost:3000", "localhost"),
        ("https://intranet/x", "intranet"),
        ("api.example.com", "example.com"),
    ],
)
def test_registrable_domain(url: str, domain: str) -> None:
    assert registrable_domain(url) == domain


def test_registrable_domain_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract tried to connect")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert registrable_domain("https://x.brand-new-domain.dev") == "brand-new-domain.dev"


def test_same_registrable_domain_passes() -> None:
    config = _config("https://auth.example.com/authorize", "https://login.example.com/token")
    check_oauth_domains(config, "https://api.example.com", exceptions=EXCEPTIONS)
    assert oauth_domain_problems(config, "https://api.example.com") == []


def test_other_domain_is_refused_with_a_clear_message() -> None:
    config = _config("https://auth.example.com/authorize", "https://auth.other.com/token")
    with pytest.raises(OAuthDomainError) as caught:
        check_oauth_domains(config, "https://api.example.com/v1", exceptions=EXCEPTIONS)
    assert (
        str(caught.value)
        == "The token URL https://auth.other.com/token is not on example.com, the API's domain"
    )


def test_every_offending_endpoint_is_listed() -> None:
    config = _config("https://a.evil.net/authorize", "https://b.evil.net/token", "https://c.evil.net/revoke")
    problems = oauth_domain_problems(config, "https://api.example.com", exceptions=EXCEPTIONS)
    assert problems == [
        "The authorization URL https://a.evil.net/authorize is not on example.com, the API's domain",
        "The token URL https://b.evil.net/token is not on example.com, the API's domain",
        "The revocation URL https://c.evil.net/revoke is not on example.com, the API's domain",
    ]


@pytest.mark.parametrize(
    ("authorize", "token"),
    [
        ("https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token"),
        (
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        ),
        ("https://ims-na1.adobelogin.com/ims/authorize/v2", "https://ims-na1.adobelogin.com/ims/token/v3"),
    ],
)
def test_google_microsoft_adobe_are_exceptions(authorize: str, token: str) -> None:
    config = _config(authorize, token)
    check_oauth_domains(config, "https://api.example.com", exceptions=EXCEPTIONS)
    with pytest.raises(OAuthDomainError):
        check_oauth_domains(config, "https://api.example.com", exceptions=())


def test_a_suffix_sibling_is_not_the_same_owner() -> None:
    config = _config("https://other.herokuapp.com/auth", "https://other.herokuapp.com/token")
    with pytest.raises(OAuthDomainError):
        check_oauth_domains(config, "https://mine.herokuapp.com", exceptions=EXCEPTIONS)


def test_loopback_provider_and_api_share_the_ip() -> None:
    config = _config("http://127.0.0.1:4000/auth", "http://127.0.0.1:4000/token")
    check_oauth_domains(config, "http://127.0.0.1:8000", exceptions=EXCEPTIONS)
    with pytest.raises(OAuthDomainError, match=r"is not on 127\.0\.0\.2"):
        check_oauth_domains(config, "http://127.0.0.2:8000", exceptions=EXCEPTIONS)
