"""The egress guard: where an outbound request may go.

Every outbound request (API calls, "Import from URL", OAuth token and refresh calls, remote
``$ref``s) goes through one httpx transport that applies the workspace's domain policy, refuses
internal addresses after DNS resolution (SSRF) and connects to the address it vetted (DNS pinning).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actionforge._lazy import lazy_exports

if TYPE_CHECKING:
    from actionforge.egress.addresses import refusal as address_refusal
    from actionforge.egress.client import fetch_text, guarded_async_client, guarded_client
    from actionforge.egress.development import warn_if_development
    from actionforge.egress.policy import NO_DOMAINS_ALLOWED, DomainPolicy, PolicyMode
    from actionforge.egress.preflight import check_url, display_url
    from actionforge.egress.resolver import Resolver, SystemResolver
    from actionforge.egress.transport import GuardedAsyncTransport, GuardedTransport

_EXPORTS = {
    "address_refusal": "actionforge.egress.addresses:refusal",
    "fetch_text": "actionforge.egress.client",
    "guarded_async_client": "actionforge.egress.client",
    "guarded_client": "actionforge.egress.client",
    "warn_if_development": "actionforge.egress.development",
    "NO_DOMAINS_ALLOWED": "actionforge.egress.policy",
    "DomainPolicy": "actionforge.egress.policy",
    "PolicyMode": "actionforge.egress.policy",
    "check_url": "actionforge.egress.preflight",
    "display_url": "actionforge.egress.preflight",
    "Resolver": "actionforge.egress.resolver",
    "SystemResolver": "actionforge.egress.resolver",
    "GuardedAsyncTransport": "actionforge.egress.transport",
    "GuardedTransport": "actionforge.egress.transport",
}

__all__ = [
    "NO_DOMAINS_ALLOWED",
    "DomainPolicy",
    "GuardedAsyncTransport",
    "GuardedTransport",
    "PolicyMode",
    "Resolver",
    "SystemResolver",
    "address_refusal",
    "check_url",
    "display_url",
    "fetch_text",
    "guarded_async_client",
    "guarded_client",
    "warn_if_development",
]

if not TYPE_CHECKING:  # so type checkers see only the names imported above
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
