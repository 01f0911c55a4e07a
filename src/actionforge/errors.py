"""Exceptions shared by every layer.

They live at the bottom of the package so that a low layer (``calls``) can recognise a refusal
raised by a higher one (``egress``, ``auth``) without importing it.
"""

from __future__ import annotations


class ActionforgeError(Exception):
    """Base class of every error this package raises on purpose."""


class RequestBlocked(ActionforgeError):
    """The egress guard refused an outbound request; ``reason`` says why, for people and models."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Request to {url} blocked: {reason}")
        self.url = url
        self.reason = reason


class FetchError(ActionforgeError):
    """A document could not be fetched (network, status, size, type)."""


class SignInRequired(ActionforgeError):
    """An OAuth action has no usable token for this user: the user must sign in (again)."""

    def __init__(self, domain: str, reason: str = "not signed in") -> None:
        super().__init__(f"Sign in with {domain} ({reason})")
        self.domain = domain
        self.reason = reason


class AuthError(ActionforgeError):
    """Credentials could not be obtained or applied (token endpoint failure, bad configuration)."""
