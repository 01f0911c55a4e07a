"""Host names as the guard compares them: IP literals decoded, domain names normalised.

Hand-written because no library gives both answers we need. ``ipaddress`` accepts only the
dotted-quad form, while ``getaddrinfo`` (through ``inet_aton``) also connects to ``2130706433``,
``0x7f.1``, ``0177.0.0.1`` and ``127.1``; glibc's ``inet_aton`` even ignores trailing garbage.
We parse numeric hosts with the WHATWG URL Standard's IPv4 parser (what browsers do, and a strict
subset of ``inet_aton``), so every spelling of an address is recognised and classified as that
address, and the guard connects to the address it classified instead of handing the text to the
system resolver. As in the URL Standard, a non-ASCII host is mapped to ASCII (UTS #46, which
includes NFKC) *before* that parser runs, so ``１２７.０.０.１`` and ``⑯⑨.②⑤④.⑯⑨.②⑤④`` are the
addresses they become in a browser, not names.
"""

from __future__ import annotations

import re
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address

import idna

from actionforge.egress.addresses import IPAddress
from actionforge.errors import ActionforgeError

_ASCII_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_MAX_NAME_LENGTH = 253
_DIGITS = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}

# Names that never leave the machine or the local network (RFC 6761, RFC 6762, RFC 8375, ICANN
# 2024 ".internal"). Refused by name, before any DNS query; their addresses would be refused anyway.
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LOCAL_SUFFIXES = ("local", "internal", "localdomain", "home.arpa")


class InvalidHost(ActionforgeError, ValueError):
    """The URL's host is neither a valid domain name nor an IP address."""


@lru_cache(maxsize=4096)  # pure, and asked on every request: an action talks to one or two hosts
def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` denotes if it is an IP literal in any spelling, else None.

    Raises InvalidHost for a host that must be an address (it ends in a number, or contains ':')
    but is not a valid one, such as ``1.2.3.4.5`` or ``0x1g.1``.
    """
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not text.isascii():
        text = _uts46_ascii(text)
    if ":" in text:
        address = text.split("%", 1)[0]  # a zone id ("%25eth0" in URLs) does not change the class
        try:
            return IPv6Address(address)
        except ValueError:
            raise InvalidHost(f"{host} is not a valid IPv6 address") from None
    return _parse_ipv4(text)


def _uts46_ascii(host: str) -> str:
    """``host`` mapped as the URL Standard's "domain to ASCII" does, or as is if it cannot be.

    Full-width and circled digits and ideographic full stops become ASCII here. A host that does
    not map is left alone: it is no address, and ``normalise_domain`` refuses it with the reason.
    """
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return host


def _parse_ipv4(host: str) -> IPv4Address | None:
    """The WHATWG URL Standard's "IPv4 parser" (https://url.spec.whatwg.org/#concept-ipv4-parser)."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()  # one trailing dot is allowed, as in DNS
    if not parts or _parse_ipv4_number(parts[-1]) is None:
        return None  # does not end in a number: a domain name
    numbers = [_parse_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(number is None for number in numbers):
        raise InvalidHost(f"{host} is not a valid IPv4 address")
    values = [number for number in numbers if number is not None]
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (5 - len(values)):
        raise InvalidHost(f"{host} is not a valid IPv4 address (a part is out of range)")
    packed = last
    for index, value in enumerate(leading):
        packed += value * 256 ** (3 - index)
    return IPv4Address(packed)


def _parse_ipv4_number(part: str) -> int | None:
    """A dotted part in decimal, octal (leading 0) or hex (0x); "" and "0x" count as zero."""
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if digits == "":
        return 0 if base != 10 else None
    if not all(c in _DIGITS[base] for c in digits):
        return None
    return int(digits, base)


@lru_cache(maxsize=4096)  # pure; IDNA encoding is the costly part of checking a URL
def normalise_domain(host: str) -> str:
    """The ASCII (punycode) lower-case form of a domain name, without a trailing dot.

    ``BÜCHER.example.`` and ``xn--bcher-kva.example`` both give ``xn--bcher-kva.example``, so a
    workspace policy and the request agree whatever spelling either used.
    """
    name = host[:-1] if host.endswith(".") else host
    if not name:
        raise InvalidHost("the URL has no host")
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True, transitional=False).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidHost(f"{host} is not a valid internationalised domain name ({exc})") from None
    name = name.lower()
    if len(name) > _MAX_NAME_LENGTH or not all(_ASCII_LABEL.fullmatch(label) for label in name.split(".")):
        raise InvalidHost(f"{host!r} is not a valid domain name")
    return name


def local_name_refusal(domain: str, *, allow_loopback: bool) -> str | None:
    """Why a (normalised) name is refused before DNS, or None; ``allow_loopback`` lets localhost pass."""
    if domain in _LOOPBACK_NAMES or domain.endswith(".localhost"):
        return None if allow_loopback else f"{domain} is a loopback name"
    for suffix in _LOCAL_SUFFIXES:
        if domain == suffix or domain.endswith("." + suffix):
            return f"{domain} is a local-network name (.{suffix})"
    return None
