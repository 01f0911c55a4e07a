"""The workspace's domain policy: which API domains actions may reach at all.

Mirrors the original's three modes (openai-actions.md §4.1): allow all domains, an allow-list, or
none. A listed domain covers its subdomains ("allowlisting openai.com will also allowlist
api.openai.com"), a subdomain does not cover its parent, and there is no wildcard syntax.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from actionforge.errors import RequestBlocked

NO_DOMAINS_ALLOWED = "No domains are allowed by your workspace's settings."


class PolicyMode(Enum):
    ALL = "all"
    LIST = "list"
    NONE = "none"


@dataclass(frozen=True)
class DomainPolicy:
    """Build with ``allow_all()``, ``allow_list([...])`` or ``none()``; entries are normalised."""

    mode: PolicyMode
    domains: frozenset[str] = frozenset()

    @classmethod
    def allow_all(cls) -> DomainPolicy:
        return cls(PolicyMode.ALL)

    @classmethod
    def none(cls) -> DomainPolicy:
        return cls(PolicyMode.NONE)

    @classmethod
    def allow_list(cls, domains: Iterable[str]) -> DomainPolicy:
        """An allow-list; raises ValueError naming the first entry that is not a plain domain.

        An empty list allows nothing, as in the original ("If no domains are added, GPT actions
        are not allowed").
        """
        return cls(PolicyMode.LIST, frozenset(_normalise_entry(entry) for entry in domains))

    def allows(self, host: str) -> bool:
        """Whether requests to ``host`` (any spelling: case, trailing dot, Unicode) are allowed."""
        if self.mode is PolicyMode.ALL:
            return True
        if self.mode is PolicyMode.NONE or not self.domains:
            return False
        from actionforge.egress.hosts import InvalidHost

        try:
            canonical = _canonical_host(host)
        except InvalidHost:
            return False
        if canonical in self.domains:
            return True
        labels = canonical.split(".")
        return any(".".join(labels[i:]) in self.domains for i in range(1, len(labels)))

    def check(self, host: str) -> None:
        """Raise RequestBlocked unless ``host`` is allowed; the reason is the one shown to builders."""
        if self.allows(host):
            return
        if self.mode is PolicyMode.NONE or not self.domains:
            raise RequestBlocked(host, NO_DOMAINS_ALLOWED)
        raise RequestBlocked(host, f"{host} is not in your workspace's allowed domains")


def _canonical_host(host: str) -> str:
    # hosts.py (idna, ipaddress) is imported by the policies that judge a host: loading a
    # document under allow_all() never needs it.
    from actionforge.egress.hosts import normalise_domain, parse_ip_literal

    address = parse_ip_literal(host)
    return str(address) if address is not None else normalise_domain(host)


def _normalise_entry(entry: str) -> str:
    text = entry.strip()
    if "*" in text:
        raise ValueError(
            f"{entry!r}: wildcards are not supported. List the parent domain ('example.com') to allow "
            "it and all its subdomains, or use DomainPolicy.allow_all() to allow every domain."
        )
    from actionforge.egress.hosts import InvalidHost

    try:
        return _canonical_host(text)
    except InvalidHost as exc:
        if "/" in text or ":" in text:
            raise ValueError(
                f"{entry!r}: give a domain name such as 'api.example.com', not a URL or host:port"
            ) from None
        raise ValueError(f"{entry!r} is not a valid domain: {exc}") from None
