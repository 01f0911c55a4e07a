"""Host text as the guard reads it: every spelling of an address is that address."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest

from actionforge.egress.hosts import InvalidHost, normalise_domain, parse_ip_literal


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("１２７.０.０.１", IPv4Address("127.0.0.1")),  # full-width digits
        ("⑯⑨.②⑤④.⑯⑨.②⑤④", IPv4Address("169.254.169.254")),  # circled numbers
        ("１２７。０。０。１", IPv4Address("127.0.0.1")),  # ideographic full stops
        ("１２７.0.0.1", IPv4Address("127.0.0.1")),  # mixed
        ("０ｘ７Ｆ.１", IPv4Address("127.0.0.1")),  # full-width hex, short form
        ("８.８.８.８", IPv4Address("8.8.8.8")),  # public: an address all the same
        ("[::1]", IPv6Address("::1")),
    ],
)
def test_unicode_digit_hosts_are_addresses(host: str, address: IPv4Address | IPv6Address) -> None:
    assert parse_ip_literal(host) == address


@pytest.mark.parametrize("host", ["bücher.example", "例え.テスト", "xn--bcher-kva.example", "１２７.example"])
def test_names_stay_names(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_a_unicode_host_that_cannot_map_is_no_address_and_no_name() -> None:
    assert parse_ip_literal("a\u200db.example") is None  # ZERO WIDTH JOINER: not allowed by UTS #46
    with pytest.raises(InvalidHost, match="not a valid internationalised domain name"):
        normalise_domain("a\u200db.example")


def test_unicode_digits_out_of_range_are_invalid_addresses() -> None:
    with pytest.raises(InvalidHost, match="out of range"):
        parse_ip_literal("２５６.０.０.１")
