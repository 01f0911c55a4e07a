"""Exceptions shared by every layer, and the map of every error the engine raises.

The shared ones live here, at the bottom of the package, so that a low layer (``calls``) can
recognise a refusal raised by a higher one (``egress``, ``auth``) without importing it. The others
live next to the code that raises them; all of them are importable from ``actionforge``, and
``except actionforge.ActionforgeError`` catches every one::

    ActionforgeError
    ├── DocumentError            openapi.source: the source is not a document (issues + pointers)
    ├── RefError (LookupError)   openapi.pointers: a $ref that leads nowhere
    ├── SchemaError              action: load_action on a document with errors (``report``)
    ├── UnknownToolError (KeyError)      action: no tool by that name
    ├── SchemaConversionError (ValueError)   tools.schemas: a schema with no JSON Schema form
    ├── ArgumentsError           calls.arguments: the model's arguments fail the tool's schema
    ├── RequestBuildError        calls.serialize: a value that cannot go on the wire
    ├── RequestBlocked           egress: the guard refused an outbound request (``reason``)
    ├── InvalidHost (ValueError) egress.hosts: neither a domain name nor an IP address
    ├── FetchError               egress: a document could not be fetched
    ├── SignInRequired           auth: the user must sign in (again) to an OAuth action
    ├── AuthError                auth: credentials could not be obtained or applied
    │   ├── OAuthConfigError (ValueError)
    │   │   └── OAuthDomainError
    │   ├── StateError, AuthorizationDenied, TokenEndpointError   auth.oauth.errors
    │   └── LoginTimeout         auth.oauth.loopback_login
    ├── SecretBoxError           secrets.keys: a ciphertext cannot be opened
    │   └── SecretKeyError       the key material is missing, malformed or unsafe
    ├── SettingsError (ValueError)   settings: an unknown setting, or a value it cannot take
    ├── ConsentError             consent: a choice that does not fit the decision
    └── CredentialsFileError     cli: the CLI's credentials file

Misuse of the API itself (a wrong argument type, an unknown profile name) raises ``TypeError`` /
``ValueError`` as Python does; invalid configuration objects (the auth configs) raise pydantic's
``ValidationError``.
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
