"""The egress guard: where an outbound request may go.

Every outbound request (API calls, "Import from URL", OAuth token and refresh calls, remote
``$ref``s) goes through one httpx transport that applies the workspace's domain policy, refuses
internal addresses after DNS resolution (SSRF) and connects to the address it vetted (DNS pinning).
"""

from actionforge.egress.addresses import refusal as address_refusal
from actionforge.egress.client import fetch_text, guarded_async_client, guarded_client
from actionforge.egress.development import warn_if_development
from actionforge.egress.policy import NO_DOMAINS_ALLOWED, DomainPolicy, PolicyMode
from actionforge.egress.preflight import check_url, display_url
from actionforge.egress.resolver import Resolver, SystemResolver
from actionforge.egress.transport import GuardedAsyncTransport, GuardedTransport

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
