"""Every check that the URL alone decides, before any DNS query: scheme, port, host, policy.

The transport runs these on every request (each redirect hop included); the facade can run them
at import time to reject a document whose server is refused before anyone calls it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import httpx

from actionforge.egress.addresses import refusal
from actionforge.egress.hosts import InvalidHost, local_name_refusal, normalise_domain, parse_ip_literal
from actionforge.egress.policy import DomainPolicy
from actionforge.errors import RequestBlocked
from actionforge.settings import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def display_url(url: str | httpx.URL) -> str:
    """The URL as errors show it: no user info, query or fragment, which may carry secrets."""
    if isinstance(url, str):
        text = url
        try:
            url = httpx.URL(text)
        except httpx.InvalidURL:
            try:
                parts = urlsplit(text)
            except ValueError:
                return "(an invalid URL)"
            return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    host = url.raw_host.decode("ascii", "replace")
    if not host:
        return f"{url.scheme}:{url.path}" if url.scheme else url.path
    host = f"[{host}]" if ":" in host else host
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{host}{port}{url.path}"


def check_url(url: str | httpx.URL, *, policy: DomainPolicy, settings: Settings) -> str:
    """Raise RequestBlocked unless the URL may be requested; return its canonical host.

    Only DNS is left to decide after this: the connection-time check vets the resolved addresses.
    """
    try:
        return _check(url, policy=policy, settings=settings)
    except _Refused as refused:
        raise RequestBlocked(display_url(url), str(refused)) from None
    except RequestBlocked as blocked:  # the policy names the host; say which URL it was
        raise RequestBlocked(display_url(url), blocked.reason) from None


class _Refused(Exception):
    """Internal: carries the reason until ``check_url`` attaches the URL."""


def _check(url: str | httpx.URL, *, policy: DomainPolicy, settings: Settings) -> str:
    parsed = _parse(url, settings) if isinstance(url, str) else url
    scheme = parsed.scheme
    if scheme not in _DEFAULT_PORTS:
        shown_scheme = f"the scheme '{scheme}:'" if scheme else "a URL without a scheme"
        raise _Refused(
            f"{shown_scheme} is not allowed; only {_allowed_schemes(settings)} URLs may be fetched"
        )
    if "\\" in unquote(parsed.userinfo.decode("ascii", "replace")):
        raise _Refused(
            "a backslash in the URL's user info is refused (URL parsers disagree on where the host is)"
        )
    host = _check_host(parsed.raw_host.decode("ascii", "replace"), settings)
    policy.check(host)
    _check_transport(scheme, host, parsed.port, settings)
    return host


def _parse(url: str, settings: Settings) -> httpx.URL:
    """Parse text the way httpx will send it, refusing text other parsers would read differently."""
    before_query = re.split(r"[?#]", url, maxsplit=1)[0]
    if "\\" in before_query:
        raise _Refused("a backslash in the URL is refused (browsers read it as '/', httpx does not)")
    if _CONTROL_OR_SPACE.search(url):
        raise _Refused("the URL contains whitespace or control characters")
    try:
        return httpx.URL(url)
    except httpx.InvalidURL as exc:
        # httpx rejects some numeric hosts (0177.0.0.1) that getaddrinfo would still connect to;
        # name the address so the refusal is not mistaken for a typo.
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if host:
            _check_host(host, settings)
        raise _Refused(f"not a valid URL ({exc})") from None


def _check_host(host: str, settings: Settings) -> str:
    if not host:
        raise _Refused("the URL has no host")
    if "\\" in host:
        raise _Refused("a backslash in the URL's host is refused (browsers read it as '/', httpx does not)")
    decoded = unquote(host)
    if decoded != host and ":" not in host:
        raise _Refused(f"percent-encoded host names are refused ({host} decodes to {decoded})")
    try:
        address = parse_ip_literal(host)
        if address is not None:
            reason = refusal(
                address, allow_loopback=settings.allow_loopback, allow_private=settings.allow_private_network
            )
            if reason is not None:
                literal = unquote(host.strip("[]"))
                canonical = literal == str(address) or ":" in literal  # IPv6 spellings are all explicit
                subject = literal if canonical else f"{literal} means {address}, which"
                raise _Refused(f"{subject} is {reason}")
            return str(address)
        domain = normalise_domain(host)
    except InvalidHost as exc:
        raise _Refused(str(exc)) from None
    reason = local_name_refusal(
        domain, allow_loopback=settings.allow_loopback or settings.allow_private_network
    )
    if reason is not None:
        raise _Refused(reason)
    return domain


def _check_transport(scheme: str, host: str, port: int | None, settings: Settings) -> None:
    effective_port = port if port is not None else _DEFAULT_PORTS[scheme]
    if not 0 < effective_port < 65536:
        raise _Refused(f"port {effective_port} is not a valid TCP port")
    scheme_ok = scheme == "https" or settings.allow_http
    port_ok = settings.allow_any_port or effective_port in settings.allowed_ports
    if not (scheme_ok and port_ok):
        shown_host = f"[{host}]" if ":" in host else host
        raise _Refused(
            f"only {_allowed_schemes(settings)} on {_allowed_ports(settings)} is allowed; "
            f"{scheme}://{shown_host}:{effective_port} refused"
        )


def _allowed_schemes(settings: Settings) -> str:
    return "http or https" if settings.allow_http else "https"


def _allowed_ports(settings: Settings) -> str:
    if settings.allow_any_port:
        return "any port"
    ports = sorted(settings.allowed_ports)
    if len(ports) == 1:
        return f"port {ports[0]}"
    return "ports " + ", ".join(str(port) for port in ports)
