"""The workspace domain policy: the original's three modes and its subdomain rules."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actionforge.egress import NO_DOMAINS_ALLOWED, DomainPolicy
from actionforge.errors import RequestBlocked

LABEL = st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)  # a numeric last label makes an IP


def test_allow_all_allows_any_domain() -> None:
    policy = DomainPolicy.allow_all()
    policy.check("api.anything.example")
    assert policy.allows("xn--bcher-kva.example")


@pytest.mark.parametrize(
    "policy", [DomainPolicy.none(), DomainPolicy.allow_list([])], ids=["none", "empty-list"]
)
def test_none_refuses_everything_with_the_original_message(policy: DomainPolicy) -> None:
    with pytest.raises(RequestBlocked) as refused:
        policy.check("api.example.com")
    assert refused.value.reason == "No domains are allowed by your workspace's settings."
    assert refused.value.reason == NO_DOMAINS_ALLOWED


def test_a_listed_domain_covers_its_subdomains() -> None:
    policy = DomainPolicy.allow_list(["openai.com"])
    for host in ("openai.com", "api.openai.com", "a.b.c.openai.com"):
        policy.check(host)


def test_a_subdomain_does_not_cover_its_parent_or_siblings() -> None:
    policy = DomainPolicy.allow_list(["api.openai.com"])
    assert policy.allows("v2.api.openai.com")
    for host in ("openai.com", "chat.openai.com", "xapi.openai.com"):
        with pytest.raises(RequestBlocked, match=f"^Request to {re.escape(host)} blocked: "):
            policy.check(host)


@pytest.mark.parametrize("host", ["openai.com.evil.com", "evilopenai.com", "openai.co", "com"])
def test_lookalikes_are_not_covered(host: str) -> None:
    policy = DomainPolicy.allow_list(["openai.com"])
    with pytest.raises(RequestBlocked) as refused:
        policy.check(host)
    assert refused.value.reason == f"{host} is not in your workspace's allowed domains"


@pytest.mark.parametrize(
    ("entry", "host"),
    [
        ("Example.COM", "api.example.com"),
        ("example.com.", "API.Example.com"),
        ("example.com", "api.example.com."),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "shop.BÜCHER.example"),
        ("BÜCHER.example", "bücher.example."),
        ("  example.com  ", "example.com"),
    ],
)
def test_case_trailing_dots_and_idn_are_normalised(entry: str, host: str) -> None:
    policy = DomainPolicy.allow_list([entry])
    assert policy.allows(host)
    assert policy.domains <= {"example.com", "xn--bcher-kva.example"}


def test_ip_entries_match_exactly() -> None:
    policy = DomainPolicy.allow_list(["93.184.216.34", "2606:2800:220:1::1"])
    assert policy.allows("93.184.216.34")
    assert policy.allows("[2606:2800:220:1:0:0:0:1]")
    assert not policy.allows("93.184.216.35")


@pytest.mark.parametrize("entry", ["*", "*.example.com", "api.*.example.com"])
def test_wildcards_are_rejected_with_a_clear_error(entry: str) -> None:
    with pytest.raises(ValueError, match=r"wildcards are not supported\. List the parent domain"):
        DomainPolicy.allow_list(["example.org", entry])


@pytest.mark.parametrize("entry", ["https://api.example.com", "api.example.com/v1", "api.example.com:8443"])
def test_urls_and_ports_are_rejected(entry: str) -> None:
    with pytest.raises(
        ValueError, match=re.escape("give a domain name such as 'api.example.com', not a URL or host:port")
    ):
        DomainPolicy.allow_list([entry])


@pytest.mark.parametrize("entry", ["", "exa mple.com", "-bad.example", "a..b"])
def test_invalid_entries_are_rejected(entry: str) -> None:
    with pytest.raises(ValueError, match="is not a valid domain"):
        DomainPolicy.allow_list([entry])


def test_unparseable_hosts_are_simply_not_allowed() -> None:
    assert not DomainPolicy.allow_list(["example.com"]).allows("exa mple.com")


@settings(max_examples=100, deadline=None)
@given(domain=st.lists(LABEL, min_size=2, max_size=4), prefix=st.lists(LABEL, min_size=1, max_size=3))
def test_subdomain_semantics_hold_for_any_names(domain: list[str], prefix: list[str]) -> None:
    listed = ".".join(domain)
    subdomain = ".".join([*prefix, listed])
    assert DomainPolicy.allow_list([listed]).allows(subdomain)
    assert DomainPolicy.allow_list([listed]).allows(listed.upper() + ".")
    assert not DomainPolicy.allow_list([subdomain]).allows(listed)
    assert not DomainPolicy.allow_list([listed]).allows("x" + listed)
