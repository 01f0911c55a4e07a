"""Which IP addresses an outbound request may connect to, and, when not, exactly why.

The stdlib ``ipaddress`` module does the arithmetic, but its ``is_global``/``is_private`` answers
change between Python patch releases and it does not look inside addresses that carry an IPv4
address (IPv4-mapped, 6to4, NAT64, Teredo...). So the special-purpose ranges are listed here
explicitly, each with the phrase a person (or a model) reads in the refusal, and ``is_global`` /
``is_reserved`` only catch what the lists miss.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

# Addresses that answer with cloud credentials or other host secrets; named in the refusal.
_CLOUD_METADATA: dict[IPAddress, str] = {
    IPv4Address("169.254.169.254"): "cloud metadata",  # AWS, GCP, Azure, OCI, DigitalOcean...
    IPv4Address("169.254.170.2"): "cloud metadata, AWS ECS task credentials",
    IPv4Address("100.100.100.200"): "cloud metadata, Alibaba Cloud",
    IPv4Address("192.0.0.192"): "cloud metadata, Oracle Cloud (legacy)",
    IPv6Address("fd00:ec2::254"): "cloud metadata, AWS IPv6",
}

# Public addresses that only mean something from inside one cloud: refused although is_global.
_CLOUD_INTERNAL: dict[IPAddress, str] = {
    IPv4Address("168.63.129.16"): "an Azure platform address (WireServer), reachable only from inside Azure",
}

_LOOPBACK_V4 = IPv4Network("127.0.0.0/8")
_LOOPBACK_V6 = IPv6Address("::1")
_PRIVATE_NETWORKS: tuple[IPv4Network | IPv6Network, ...] = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv4Network("100.64.0.0/10"),
    IPv6Network("fc00::/7"),
)

# First match wins: more specific ranges come before the ranges that contain them.
_V4_RANGES: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), phrase)
    for net, phrase in (
        ("0.0.0.0/32", "the unspecified address (it reaches this host)"),
        ("0.0.0.0/8", "a 'this network' address (0.0.0.0/8)"),
        ("10.0.0.0/8", "a private address (10.0.0.0/8)"),
        ("100.64.0.0/10", "a carrier-grade NAT address (100.64.0.0/10)"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address (172.16.0.0/12)"),
        ("192.0.0.0/24", "an IETF protocol assignment address (192.0.0.0/24)"),
        ("192.0.2.0/24", "a documentation address (TEST-NET-1, 192.0.2.0/24)"),
        ("192.88.99.0/24", "a deprecated 6to4 relay anycast address (192.88.99.0/24)"),
        ("192.168.0.0/16", "a private address (192.168.0.0/16)"),
        ("198.18.0.0/15", "a benchmarking address (198.18.0.0/15)"),
        ("198.51.100.0/24", "a documentation address (TEST-NET-2, 198.51.100.0/24)"),
        ("203.0.113.0/24", "a documentation address (TEST-NET-3, 203.0.113.0/24)"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", "a reserved address (240.0.0.0/4)"),
    )
)

_V6_RANGES: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), phrase)
    for net, phrase in (
        ("::/128", "the unspecified address (it reaches this host)"),
        ("::1/128", "a loopback address"),
        ("100::/64", "a discard-only address (100::/64)"),
        ("2001:2::/48", "a benchmarking address (2001:2::/48)"),
        ("2001:10::/28", "a deprecated ORCHID address (2001:10::/28)"),
        ("2001:db8::/32", "a documentation address (2001:db8::/32)"),
        ("3fff::/20", "a documentation address (3fff::/20)"),
        ("5f00::/16", "an SRv6 segment identifier (5f00::/16)"),
        ("fc00::/7", "a unique local address (fc00::/7)"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a deprecated site-local address (fec0::/10)"),
        ("ff00::/8", "a multicast address"),
    )
)

_MAPPED = IPv6Network("::ffff:0:0/96")
_TRANSLATED = IPv6Network("::ffff:0:0:0/96")  # SIIT, RFC 2765
_COMPATIBLE = IPv6Network("::/96")
_NAT64_WELL_KNOWN = IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = IPv6Network("64:ff9b:1::/48")
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")


def parse_address(text: str) -> IPAddress:
    """An address as ``getaddrinfo`` reports it, without an IPv6 zone id (``fe80::1%eth0``)."""
    return ip_address(text.split("%", 1)[0])


def is_loopback(address: IPAddress) -> bool:
    """Plain loopback only (127.0.0.0/8, ::1): what the development switch ``allow_loopback`` opens."""
    if isinstance(address, IPv4Address):
        return address in _LOOPBACK_V4
    return address == _LOOPBACK_V6


def is_private_network(address: IPAddress) -> bool:
    """Loopback or a private range (what ``allow_private_network`` opens); never link-local or metadata."""
    if address in _CLOUD_METADATA:  # AWS's IPv6 metadata address is inside fc00::/7
        return False
    return is_loopback(address) or any(address in net for net in _PRIVATE_NETWORKS)


def refusal(address: IPAddress, *, allow_loopback: bool = False, allow_private: bool = False) -> str | None:
    """Why ``address`` must not be connected to, as a phrase ("a loopback address"); None if it may."""
    if allow_loopback and is_loopback(address):
        return None
    if allow_private and is_private_network(address):
        return None
    return _described(address)


def _described(address: IPAddress) -> str | None:
    reason = _ipv4_refusal(address) if isinstance(address, IPv4Address) else _ipv6_refusal(address)
    note = _CLOUD_METADATA.get(address)
    if reason is None or note is None:
        return reason
    if reason.endswith(")"):  # "a ... address (100.64.0.0/10)" -> "(100.64.0.0/10; cloud metadata...)"
        return f"{reason[:-1]}; {note})"
    return f"{reason} ({note})"


def _ipv4_refusal(address: IPv4Address) -> str | None:
    if address in _CLOUD_INTERNAL:
        return _CLOUD_INTERNAL[address]
    for network, phrase in _V4_RANGES:
        if address in network:
            return phrase
    if address.is_reserved or not address.is_global:
        return "not a globally reachable address"
    return None


def _ipv6_refusal(address: IPv6Address) -> str | None:
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        form, ipv4, always_refused = embedded
        inner = _described(ipv4)
        if inner is not None:
            return f"{form} of {ipv4}, {inner}"
        if always_refused:
            return f"{form} of {ipv4}; such addresses are never a public server's"
        if address in _NAT64_WELL_KNOWN:
            return None  # a public IPv4 server reached through the network's NAT64 gateway
    for network, phrase in _V6_RANGES:
        if address in network:
            return phrase
    if address.is_reserved or not address.is_global:
        return "not a globally reachable address"
    return None


def _embedded_ipv4(address: IPv6Address) -> tuple[str, IPv4Address, bool] | None:
    """(form, the IPv4 address it carries, whether the form is refused whatever it carries)."""
    low32 = IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _MAPPED:
        return "an IPv4-mapped form", low32, True
    if address in _TRANSLATED:
        return "an IPv4-translated form", low32, True
    if address in _COMPATIBLE and int(address) > 1:
        return "a deprecated IPv4-compatible form", low32, True
    if address in _NAT64_WELL_KNOWN:
        return "a NAT64 form", low32, False
    if address in _NAT64_LOCAL:
        return "a local-use NAT64 form", low32, True
    if address in _SIX_TO_FOUR and address.sixtofour is not None:
        return "a 6to4 form", address.sixtofour, False
    if address in _TEREDO and address.teredo is not None:
        _server, client = address.teredo  # the client address, already un-XOR-ed by ipaddress
        return "a Teredo form", client, True
    return None
