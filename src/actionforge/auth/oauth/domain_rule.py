"""OpenAI's OAuth domain rule: the sign-in endpoints must be on the API's registrable domain.

"With the exception of Google, Microsoft and Adobe OAuth domains, all domains used in an OAuth
flow must be the same as the domain used for the primary endpoints." So ``auth.example.com`` may
serve ``api.example.com``, but ``auth.other.com`` may not; the exceptions are a setting.

Registrable domains come from the Public Suffix List bundled with tldextract, private section
included (``a.herokuapp.com`` and ``b.herokuapp.com`` are different owners). It never downloads.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.errors import OAuthDomainError


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # No suffix_list_urls and no cache: the snapshot shipped in the wheel, no network, no disk.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def _host(url_or_host: str) -> str:
    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    if not host:
        raise OAuthDomainError(f"{url_or_host!r} has no host name")
    return host.strip("[]").rstrip(".").lower()


def registrable_domain(url_or_host: str) -> str:
    """``https://api.example.co.uk/x`` → ``example.co.uk``.

    An IP address is its own registrable domain; so is a name under no known public suffix
    (``localhost``, ``intranet``), because nothing says which part of it one owner controls.
    """
    host = _host(url_or_host)
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    return _extractor()(host).top_domain_under_public_suffix or host


def oauth_domain_problems(config: OAuthConfig, api_url: str, *, exceptions: Iterable[str] = ()) -> list[str]:
    """One message per OAuth endpoint that breaks the rule (empty when the config is fine)."""
    api_domain = registrable_domain(api_url)
    excepted = [_host(e) for e in exceptions]
    endpoints = [("authorization URL", config.authorization_url), ("token URL", config.token_url)]
    if config.revocation_url:
        endpoints.append(("revocation URL", config.revocation_url))
    return [
        f"The {what} {url} is not on {api_domain}, the API's domain"
        for what, url in endpoints
        if registrable_domain(url) != api_domain and not _is_under(_host(url), excepted)
    ]


def _is_under(host: str, domains: Iterable[str]) -> bool:
    # An exception covers its subdomains by name, not by registrable domain: googleapis.com is
    # itself a public suffix in the list's private section.
    return any(host == d or host.endswith("." + d) for d in domains)


def check_oauth_domains(config: OAuthConfig, api_url: str, *, exceptions: Iterable[str] = ()) -> None:
    """Raise `OAuthDomainError` listing every OAuth endpoint off the API's domain."""
    problems = oauth_domain_problems(config, api_url, exceptions=exceptions)
    if problems:
        raise OAuthDomainError("; ".join(problems))
