"""Address classification and host parsing, including every way to spell an IPv4 address."""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actionforge.egress.addresses import parse_address, refusal
from actionforge.egress.hosts import InvalidHost, local_name_refusal, normalise_domain, parse_ip_literal

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2001:4860:4860::8888"]


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text: str) -> None:
    assert refusal(parse_address(text)) is None


@pytest.mark.parametrize(
    "text",
    ["64:ff9b::8.8.8.8", "2002:808:808::1"],
    ids=["nat64-of-public", "6to4-of-public"],
)
def test_translation_forms_of_public_addresses_are_allowed(text: str) -> None:
    assert refusal(parse_address(text)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("4000::1", "not a globally reachable address"),  # unallocated, outside 2000::/3
        ("2001:2::1", "a benchmarking address (2001:2::/48)"),
        ("3fff::1", "a documentation address (3fff::/20)"),
        ("2001:10::1", "a deprecated ORCHID address (2001:10::/28)"),
        ("5f00::1", "an SRv6 segment identifier (5f00::/16)"),
        ("192.88.99.1", "a deprecated 6to4 relay anycast address (192.88.99.0/24)"),
        (
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
            "a Teredo form of 8.8.8.8; such addresses are never a public server's",
        ),
    ],
)
def test_ranges_python_may_call_global_are_refused(text: str, reason: str) -> None:
    assert refusal(parse_address(text)) == reason


def test_allow_loopback_opens_plain_loopback_only() -> None:
    for text in ("127.0.0.1", "127.255.0.9", "::1"):
        assert refusal(parse_address(text), allow_loopback=True) is None
        assert refusal(parse_address(text)) == "a loopback address"
    for text in ("10.0.0.1", "169.254.169.254", "0.0.0.0", "::ffff:127.0.0.1", "fd00::1", "::"):
        assert refusal(parse_address(text), allow_loopback=True) is not None


def test_zone_ids_from_getaddrinfo_are_ignored_for_classification() -> None:
    assert parse_address("fe80::1%eth0") == IPv6Address("fe80::1")
    assert refusal(parse_address("fe80::1%eth0")) == "a link-local address"


ipv4_ints = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def ipv4_spellings(draw: st.DrawFn) -> tuple[int, str]:
    """An address and one of its inet_aton spellings: 1-4 parts, each decimal, octal or hex."""
    value = draw(ipv4_ints)
    parts_count = draw(st.integers(min_value=1, max_value=4))
    octets = list(value.to_bytes(4, "big"))
    parts = [*octets[: parts_count - 1], int.from_bytes(bytes(octets[parts_count - 1 :]), "big")]
    spelled = []
    for part in parts:
        radix = draw(st.sampled_from(["dec", "oct", "hex", "HEX"]))
        if radix == "dec":
            spelled.append(str(part))
        elif radix == "oct":
            spelled.append("0" + format(part, "o"))
        else:
            spelled.append(("0x" if radix == "hex" else "0X") + format(part, "x" if radix == "hex" else "X"))
    return value, ".".join(spelled)


@settings(max_examples=100, deadline=None)
@given(ipv4_spellings())
def test_every_spelling_parses_to_the_address_inet_aton_connects_to(spelling: tuple[int, str]) -> None:
    value, text = spelling
    assert parse_ip_literal(text) == IPv4Address(value)
    assert socket.inet_aton(text) == value.to_bytes(4, "big")


@settings(max_examples=100, deadline=None)
@given(ipv4_ints)
def test_embedded_forms_carry_the_ipv4_verdict(value: int) -> None:
    ipv4 = IPv4Address(value)
    inner = refusal(ipv4)
    forms = {
        "mapped": IPv6Address(f"::ffff:{ipv4}"),
        "nat64": IPv6Address(f"64:ff9b::{ipv4}"),
        "6to4": IPv6Address((0x2002 << 112) | (value << 80) | 1),
        "teredo": IPv6Address((0x20010000 << 96) | (0x4136E378 << 64) | (value ^ 0xFFFFFFFF)),
    }
    for name, address in forms.items():
        outer = refusal(address)
        if inner is not None:
            assert outer is not None, name
            assert f"of {ipv4}, {inner}" in outer, name
        elif name in ("mapped", "teredo"):
            assert outer is not None, name  # refused whatever they carry
        else:
            assert outer is None, name  # nat64/6to4 of a public address are public


@pytest.mark.parametrize(
    "host",
    ["1.2.3.4.5", "256.0.0.1", "1.2.3.0x100", "0x1g.1", "09.1.1.1", "1..1", "a.0x1", "[::1::2]", "fe80::zz"],
)
def test_hosts_that_must_be_addresses_but_are_not_are_invalid(host: str) -> None:
    with pytest.raises(InvalidHost):
        parse_ip_literal(host)


@pytest.mark.parametrize("host", ["example.com", "0x.example", "1.example", "a1", "xn--bcher-kva.example"])
def test_names_are_not_addresses(host: str) -> None:
    assert parse_ip_literal(host) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Example.COM.", "example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.Example", "xn--bcher-kva.example"),
        ("ＬＯＣＡＬＨＯＳＴ", "localhost"),
        ("_dmarc.example.com", "_dmarc.example.com"),
    ],
)
def test_domains_are_normalised(host: str, expected: str) -> None:
    assert normalise_domain(host) == expected


@pytest.mark.parametrize(
    "host", ["", ".", "a..b", "-a.example", "a-.example", "exa mple.com", "a" * 64 + ".com"]
)
def test_invalid_domains_are_rejected(host: str) -> None:
    with pytest.raises(InvalidHost):
        normalise_domain(host)


def test_local_names() -> None:
    assert local_name_refusal("localhost", allow_loopback=False) == "localhost is a loopback name"
    assert local_name_refusal("localhost", allow_loopback=True) is None
    assert (
        local_name_refusal("db.internal", allow_loopback=True)
        == "db.internal is a local-network name (.internal)"
    )
    assert local_name_refusal("internalapi.com", allow_loopback=False) is None
    assert local_name_refusal("localhost.example.com", allow_loopback=False) is None
