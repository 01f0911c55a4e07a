"""Hostile URLs: every one is refused, with the reason a person or model needs to understand why.

Each URL goes through the two real entry points: ``fetch_text`` (Import from URL, remote $refs)
and a guarded async client (API calls). Names are answered by a stub resolver, so "DNS" here is
the attacker's: internal addresses behind public-looking names, mixed answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from actionforge.egress import NO_DOMAINS_ALLOWED, DomainPolicy, fetch_text, guarded_async_client
from actionforge.errors import RequestBlocked
from actionforge.settings import Settings
from tests.egress.conftest import StubResolver

ATTACKER_DNS = {
    "127.0.0.1.nip.io": ["127.0.0.1"],
    "metadata.attacker.example": ["169.254.169.254"],
    "internal.attacker.example": ["10.1.2.3"],
    "mixed.attacker.example": ["93.184.216.34", "192.168.0.1"],
    "v6loop.attacker.example": ["::1"],
    "mapped.attacker.example": ["::ffff:10.0.0.1"],
    "ula.attacker.example": ["fd12:3456::1"],
    "zone.attacker.example": ["fe80::1%eth0"],
    "cgnat.attacker.example": ["100.64.1.1"],
    "xn--bcher-kva.attacker.example": ["127.0.0.2"],
    "api.example.com": ["93.184.216.34"],
    "example.com": ["93.184.216.34"],
}

ALL = DomainPolicy.allow_all()
ONLY_EXAMPLE = DomainPolicy.allow_list(["example.com"])
ONLY_API = DomainPolicy.allow_list(["api.example.com"])


@dataclass(frozen=True)
class Case:
    id: str
    url: str
    reason: str
    policy: DomainPolicy = ALL
    # httpx itself rejects a few strings before any request exists; the client path must still fail.
    client_raises: type[Exception] | None = None
    client_reason: str | None = None


CASES = [
    # --- cloud metadata ---
    Case(
        "aws-metadata",
        "http://169.254.169.254/latest/meta-data/",
        "169.254.169.254 is a link-local address (cloud metadata)",
    ),
    Case(
        "gcp-azure-metadata-https",
        "https://169.254.169.254/computeMetadata/v1/",
        "link-local address (cloud metadata)",
    ),
    Case(
        "aws-ecs-credentials",
        "http://169.254.170.2/v2/credentials",
        "cloud metadata, AWS ECS task credentials",
    ),
    Case(
        "alibaba-metadata",
        "http://100.100.100.200/latest/meta-data/",
        "carrier-grade NAT address (100.64.0.0/10; cloud metadata, Alibaba Cloud)",
    ),
    Case("oracle-legacy-metadata", "http://192.0.0.192/", "cloud metadata, Oracle Cloud"),
    Case("azure-wireserver", "https://168.63.129.16/machine", "Azure platform address (WireServer)"),
    Case(
        "aws-ipv6-metadata",
        "http://[fd00:ec2::254]/latest/",
        "fd00:ec2::254 is a unique local address (fc00::/7; cloud metadata, AWS IPv6)",
    ),
    Case(
        "gcp-metadata-name",
        "http://metadata.google.internal/computeMetadata/v1/",
        "metadata.google.internal is a local-network name (.internal)",
    ),
    Case(
        "metadata-hex-dotted",
        "https://0xa9.0xfe.0xa9.0xfe/",
        "0xa9.0xfe.0xa9.0xfe means 169.254.169.254, which is a link-local address (cloud metadata)",
    ),
    Case(
        "metadata-decimal",
        "https://2852039166/",
        "2852039166 means 169.254.169.254, which is a link-local address (cloud metadata)",
    ),
    Case(
        "metadata-ipv4-mapped",
        "https://[::ffff:169.254.169.254]/",
        "IPv4-mapped form of 169.254.169.254, a link-local address (cloud metadata)",
    ),
    Case(
        "metadata-6to4",
        "https://[2002:a9fe:a9fe::1]/",
        "6to4 form of 169.254.169.254, a link-local address (cloud metadata)",
    ),
    Case(
        "metadata-behind-name",
        "https://metadata.attacker.example/",
        "metadata.attacker.example resolves to 169.254.169.254, a link-local address (cloud metadata)",
    ),
    # --- loopback names ---
    Case("localhost", "https://localhost/", "localhost is a loopback name"),
    Case("localhost-trailing-dot", "https://localhost./", "localhost is a loopback name"),
    Case("localhost-uppercase", "https://LOCALHOST/", "localhost is a loopback name"),
    Case("localhost-subdomain", "https://api.localhost/", "api.localhost is a loopback name"),
    Case(
        "localhost-localdomain", "https://localhost.localdomain/", "localhost.localdomain is a loopback name"
    ),
    Case(
        "localhost-fullwidth",
        "https://ＬＯＣＡＬＨＯＳＴ/",
        "localhost is a loopback name",
        client_raises=httpx.InvalidURL,
    ),
    Case(
        "nip-io-style",
        "https://127.0.0.1.nip.io/",
        "127.0.0.1.nip.io resolves to 127.0.0.1, a loopback address",
    ),
    Case(
        "idn-name-to-loopback",
        "https://bücher.attacker.example/",
        "xn--bcher-kva.attacker.example resolves to 127.0.0.2, a loopback address",
    ),
    Case("mdns-name", "https://printer.local/", "printer.local is a local-network name (.local)"),
    Case("home-arpa", "https://router.home.arpa/", "router.home.arpa is a local-network name (.home.arpa)"),
    # --- IPv4 loopback and its spellings ---
    Case("loopback", "https://127.0.0.1/", "127.0.0.1 is a loopback address"),
    Case("loopback-other", "https://127.53.0.1/", "127.53.0.1 is a loopback address"),
    Case("decimal", "http://2130706433/", "2130706433 means 127.0.0.1, which is a loopback address"),
    Case(
        "octal",
        "https://0177.0.0.1/",
        "0177.0.0.1 means 127.0.0.1, which is a loopback address",
        client_raises=httpx.InvalidURL,
    ),
    Case(
        "octal-single", "https://017700000001/", "017700000001 means 127.0.0.1, which is a loopback address"
    ),
    Case("hex-short", "https://0x7f.1/", "0x7f.1 means 127.0.0.1, which is a loopback address"),
    Case("hex-single", "https://0x7f000001/", "0x7f000001 means 127.0.0.1, which is a loopback address"),
    Case("short-form", "https://127.1/", "127.1 means 127.0.0.1, which is a loopback address"),
    Case("mixed-radix", "https://0x7f.0.0.01/", "0x7f.0.0.01 means 127.0.0.1, which is a loopback address"),
    Case("trailing-dot-ip", "https://127.0.0.1./", "127.0.0.1. means 127.0.0.1, which is a loopback address"),
    Case(
        "percent-encoded-host",
        "https://%31%32%37.0.0.1/",
        "percent-encoded host names are refused (%31%32%37.0.0.1 decodes to 127.0.0.1)",
    ),
    Case("zero", "https://0/", "0 means 0.0.0.0, which is the unspecified address (it reaches this host)"),
    Case("unspecified", "https://0.0.0.0/", "0.0.0.0 is the unspecified address"),
    Case("this-network", "https://0.1.2.3/", "0.1.2.3 is a 'this network' address (0.0.0.0/8)"),
    Case("five-parts", "https://1.2.3.4.5/", "1.2.3.4.5 is not a valid IPv4 address"),
    # --- addresses spelt with Unicode digits: mapped as a browser maps them (UTS #46), then judged
    # as the address they become. httpx cannot parse most of these, so its client refuses them first.
    Case(
        "fullwidth-digits",
        "https://１２７.０.０.１/",
        "１２７.０.０.１ means 127.0.0.1, which is a loopback address",
        client_raises=httpx.InvalidURL,
    ),
    Case(
        "circled-digits-metadata",
        "http://⑯⑨.②⑤④.⑯⑨.②⑤④/latest/meta-data/",
        "⑯⑨.②⑤④.⑯⑨.②⑤④ means 169.254.169.254, which is a link-local address (cloud metadata)",
        client_raises=httpx.InvalidURL,
    ),
    Case(
        "fullwidth-hex",
        "https://０ｘ７ｆ.１/",
        "０ｘ７ｆ.１ means 127.0.0.1, which is a loopback address",
        client_raises=httpx.InvalidURL,
    ),
    Case(
        "fullwidth-private",
        "https://１０.０.０.１/",
        "１０.０.０.１ means 10.0.0.1, which is a private address",
        client_raises=httpx.InvalidURL,
    ),
    Case("ideographic-full-stops", "https://127。0。0。1/", "127.0.0.1 is a loopback address"),
    # --- other special IPv4 ranges ---
    Case("private-10", "https://10.0.0.1/", "10.0.0.1 is a private address (10.0.0.0/8)"),
    Case("private-172", "https://172.16.5.4/", "172.16.5.4 is a private address (172.16.0.0/12)"),
    Case("private-192", "https://192.168.1.1/", "192.168.1.1 is a private address (192.168.0.0/16)"),
    Case("cgnat", "https://100.64.0.1/", "100.64.0.1 is a carrier-grade NAT address (100.64.0.0/10)"),
    Case("link-local", "https://169.254.1.1/", "169.254.1.1 is a link-local address"),
    Case("multicast", "https://224.0.0.1/", "224.0.0.1 is a multicast address"),
    Case("broadcast", "https://255.255.255.255/", "255.255.255.255 is the broadcast address"),
    Case("reserved", "https://240.0.0.1/", "240.0.0.1 is a reserved address (240.0.0.0/4)"),
    Case("benchmarking", "https://198.18.0.1/", "198.18.0.1 is a benchmarking address (198.18.0.0/15)"),
    Case("test-net-1", "https://192.0.2.1/", "192.0.2.1 is a documentation address (TEST-NET-1"),
    Case("test-net-2", "https://198.51.100.7/", "198.51.100.7 is a documentation address (TEST-NET-2"),
    Case("test-net-3", "https://203.0.113.9/", "203.0.113.9 is a documentation address (TEST-NET-3"),
    Case(
        "private-behind-name",
        "https://internal.attacker.example/",
        "internal.attacker.example resolves to 10.1.2.3, a private address",
    ),
    Case(
        "cgnat-behind-name",
        "https://cgnat.attacker.example/",
        "resolves to 100.64.1.1, a carrier-grade NAT address",
    ),
    Case(
        "one-bad-answer-of-two",
        "https://mixed.attacker.example/",
        "mixed.attacker.example resolves to 192.168.0.1, a private address",
    ),
    # --- IPv6 ---
    Case("ipv6-loopback", "https://[::1]/", "::1 is a loopback address"),
    Case("ipv6-unspecified", "https://[::]/", ":: is the unspecified address"),
    Case(
        "ipv4-mapped-dotted",
        "https://[::ffff:127.0.0.1]/",
        "::ffff:127.0.0.1 is an IPv4-mapped form of 127.0.0.1, a loopback address",
    ),
    Case("ipv4-mapped-hex", "https://[::ffff:7f00:1]/", "IPv4-mapped form of 127.0.0.1, a loopback address"),
    Case(
        "ipv4-compatible",
        "https://[::127.0.0.1]/",
        "deprecated IPv4-compatible form of 127.0.0.1, a loopback address",
    ),
    Case(
        "ipv4-translated", "https://[::ffff:0:a00:1]/", "IPv4-translated form of 10.0.0.1, a private address"
    ),
    Case(
        "6to4-loopback",
        "https://[2002:7f00:1::]/",
        "2002:7f00:1:: is a 6to4 form of 127.0.0.1, a loopback address",
    ),
    Case("nat64", "https://[64:ff9b::10.0.0.1]/", "NAT64 form of 10.0.0.1, a private address"),
    Case(
        "nat64-local-use",
        "https://[64:ff9b:1::a9fe:a9fe]/",
        "local-use NAT64 form of 169.254.169.254, a link-local address (cloud metadata)",
    ),
    Case(
        "nat64-local-use-public",
        "https://[64:ff9b:1::808:808]/",
        "local-use NAT64 form of 8.8.8.8; such addresses are never a public server's",
    ),
    Case(
        "teredo-client-loopback",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
        "Teredo form of 127.0.0.1, a loopback address",
    ),
    Case("ula", "https://[fc00::1]/", "fc00::1 is a unique local address (fc00::/7)"),
    Case("link-local-zone", "https://[fe80::1%25eth0]/", "fe80::1%eth0 is a link-local address"),
    Case("site-local", "https://[fec0::1]/", "fec0::1 is a deprecated site-local address (fec0::/10)"),
    Case("ipv6-multicast", "https://[ff02::1]/", "ff02::1 is a multicast address"),
    Case(
        "ipv6-documentation",
        "https://[2001:db8::1]/",
        "2001:db8::1 is a documentation address (2001:db8::/32)",
    ),
    Case("ipv6-discard", "https://[100::1]/", "100::1 is a discard-only address (100::/64)"),
    Case(
        "ipv6-loopback-behind-name",
        "https://v6loop.attacker.example/",
        "v6loop.attacker.example resolves to ::1, a loopback address",
    ),
    Case(
        "mapped-behind-name",
        "https://mapped.attacker.example/",
        "resolves to ::ffff:a00:1, an IPv4-mapped form of 10.0.0.1, a private address",
    ),
    Case(
        "ula-behind-name", "https://ula.attacker.example/", "resolves to fd12:3456::1, a unique local address"
    ),
    Case("zone-behind-name", "https://zone.attacker.example/", "resolves to fe80::1, a link-local address"),
    # --- user info and backslashes ---
    Case("userinfo-host-trick", "https://api.example.com@127.0.0.1/", "127.0.0.1 is a loopback address"),
    Case(
        "userinfo-with-port",
        "https://api.example.com:443@169.254.169.254/",
        "169.254.169.254 is a link-local address (cloud metadata)",
    ),
    Case(
        "backslash-before-at",
        "https://127.0.0.1\\@api.example.com/",
        "a backslash in the URL is refused",
        client_reason="a backslash in the URL's user info is refused",
    ),
    Case(
        "backslash-after-host",
        "https://api.example.com\\@127.0.0.1/",
        "a backslash in the URL is refused",
        client_reason="a backslash in the URL's user info is refused",
    ),
    Case(
        "backslash-path",
        "https://api.example.com\\..\\127.0.0.1/",
        "a backslash in the URL is refused",
        client_reason="a backslash in the URL's host is refused",
    ),
    # --- schemes ---
    Case(
        "file",
        "file:///etc/passwd",
        "the scheme 'file:' is not allowed; only https URLs may be fetched",
        client_reason="a URL without a scheme is not allowed",
    ),  # httpx drops a host-less URL's scheme
    Case("gopher", "gopher://127.0.0.1:70/_SET%20x", "the scheme 'gopher:' is not allowed"),
    Case("ftp", "ftp://ftp.example.com/pub/", "the scheme 'ftp:' is not allowed"),
    Case(
        "data",
        "data:text/plain,hello",
        "the scheme 'data:' is not allowed",
        client_reason="a URL without a scheme is not allowed",
    ),
    Case("dict", "dict://127.0.0.1:11211/stat", "the scheme 'dict:' is not allowed"),
    Case("websocket", "ws://api.example.com/socket", "the scheme 'ws:' is not allowed"),
    Case("scheme-relative", "//api.example.com/openapi.json", "a URL without a scheme is not allowed"),
    # --- transport rules ---
    Case(
        "plain-http",
        "http://api.example.com/",
        "only https on port 443 is allowed; http://api.example.com:80 refused",
    ),
    Case(
        "odd-port",
        "https://api.example.com:8443/",
        "only https on port 443 is allowed; https://api.example.com:8443 refused",
    ),
    Case(
        "http-odd-port",
        "http://api.example.com:8080/",
        "only https on port 443 is allowed; http://api.example.com:8080 refused",
    ),
    Case("ssh-port", "https://api.example.com:22/", "https://api.example.com:22 refused"),
    Case("port-zero", "https://api.example.com:0/", "port 0 is not a valid TCP port"),
    Case(
        "whitespace",
        "https://api.example.com /",
        "whitespace or control characters",
        client_reason="percent-encoded host names are refused",
    ),
    # --- workspace policy ---
    Case("policy-none", "https://api.example.com/", NO_DOMAINS_ALLOWED, policy=DomainPolicy.none()),
    Case(
        "policy-empty-list",
        "https://api.example.com/",
        NO_DOMAINS_ALLOWED,
        policy=DomainPolicy.allow_list([]),
    ),
    Case(
        "policy-not-listed",
        "https://api.evil.com/",
        "api.evil.com is not in your workspace's allowed domains",
        policy=ONLY_EXAMPLE,
    ),
    Case(
        "policy-suffix-trick",
        "https://example.com.evil.com/",
        "example.com.evil.com is not in your workspace's allowed domains",
        policy=ONLY_EXAMPLE,
    ),
    Case(
        "policy-no-label-boundary",
        "https://notexample.com/",
        "notexample.com is not in your workspace's allowed domains",
        policy=ONLY_EXAMPLE,
    ),
    Case(
        "policy-parent-of-listed",
        "https://example.com/",
        "example.com is not in your workspace's allowed domains",
        policy=ONLY_API,
    ),
    Case(
        "policy-ip-literal",
        "https://93.184.216.34/",
        "93.184.216.34 is not in your workspace's allowed domains",
        policy=ONLY_EXAMPLE,
    ),
]


def test_the_table_is_large_and_ids_are_unique() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fetch_text_refuses(case: Case) -> None:
    resolver = StubResolver(ATTACKER_DNS)
    with pytest.raises(RequestBlocked) as refused:
        fetch_text(case.url, policy=case.policy, settings=Settings(), resolver=resolver)
    assert case.reason in refused.value.reason
    assert case.reason in str(refused.value)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_guarded_client_refuses(case: Case) -> None:
    resolver = StubResolver(ATTACKER_DNS)
    async with guarded_async_client(case.policy, Settings(), resolver=resolver) as client:
        if case.client_raises is not None:
            with pytest.raises(case.client_raises):
                await client.get(case.url)
            return
        with pytest.raises(RequestBlocked) as refused:
            await client.get(case.url)
    assert (case.client_reason or case.reason) in refused.value.reason
