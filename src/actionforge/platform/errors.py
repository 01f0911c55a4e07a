"""The platform's refusals. `web` maps each kind to an HTTP status; nothing here knows HTTP.

Every refusal is raised before anything is written, inside the request's transaction, so a refused
request changes nothing that is stored.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: ``pointer`` is a JSON pointer into the request body."""

    pointer: str
    message: str


class PlatformError(Exception):
    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems


class Unauthenticated(PlatformError):
    """No valid session or token."""


class NotFound(PlatformError):
    """Missing, or not visible to this user: the two are indistinguishable on purpose."""


class Forbidden(PlatformError):
    """Visible, but this user's role or the workspace's settings do not allow it."""


class Invalid(PlatformError):
    """The input breaks a rule; ``problems`` say where."""

    @classmethod
    def at(cls, pointer: str, message: str) -> Invalid:
        return cls(message, (Problem(pointer, message),))


class Conflict(PlatformError):
    """The input is fine but clashes with what is stored (a taken email, a duplicate domain)."""

    @classmethod
    def at(cls, pointer: str, message: str) -> Conflict:
        return cls(message, (Problem(pointer, message),))


class RateLimited(PlatformError):
    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
