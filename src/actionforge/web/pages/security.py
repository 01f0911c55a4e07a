"""Security headers for every response but the API docs: a Content-Security-Policy with no inline
script (the pages pass data in data-* attributes or fetch it), no framing, no sniffing.

The interactive docs at /api/docs are FastAPI's Swagger UI, which needs its inline bootstrap and
CDN assets, so it keeps its own defaults.
"""

from __future__ import annotations

from collections.abc import Iterable

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])  # fmt: skip
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
EXEMPT_PREFIX = "/api/docs"
# As ASGI sends them, once: a response's own header of the same name is kept.
_RAW_HEADERS = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]


def gets_security_headers(path: str) -> bool:
    """Whether a response to ``path`` gets the headers (`edge.Edge` adds them): all but the docs."""
    return not path.startswith(EXEMPT_PREFIX)


def with_security_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response head's headers with the policy headers it does not set itself."""
    found = list(headers)
    present = {name.lower() for name, _ in found}
    return found + [header for header in _RAW_HEADERS if header[0] not in present]
