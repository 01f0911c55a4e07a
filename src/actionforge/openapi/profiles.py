"""Validation profiles: which rules an OpenAPI document is held to.

``gpt`` reproduces the original product's importer (openai-actions.md §2): five methods, an
operationId on every operation, header and cookie parameters ignored, one hostname, a cap on the
number of operations. ``extended`` keeps the same description limits but accepts what a
self-hosted engine can serve anyway (HEAD/OPTIONS, generated ids, header and cookie parameters,
several hostnames, any number of operations).
"""

from __future__ import annotations

from dataclasses import dataclass

from actionforge.settings import Settings

PROFILE_NAMES = ("gpt", "extended")

_GPT_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
_EXTENDED_METHODS = _GPT_METHODS | {"head", "options"}


@dataclass(frozen=True, slots=True)
class Profile:
    """The rules one validation run applies; built by :func:`get_profile`."""

    name: str
    max_operations: int | None  # None: no limit
    max_operation_description_chars: int
    max_parameter_description_chars: int
    require_operation_id: bool  # False: a missing operationId is generated from method and path
    methods: frozenset[str]
    header_parameters: bool  # False: header parameters are dropped with a warning
    cookie_parameters: bool  # False: cookie parameters are dropped with a warning
    single_hostname: bool  # True: operations on another host than the root server are dropped
    warn_multiple_security_schemes: bool
    resolve_relative_servers: bool  # True: a relative server URL is resolved against the source URL


def get_profile(name: str, settings: Settings) -> Profile:
    """The profile called ``name`` with limits from ``settings``; ValueError for unknown names."""
    if name == "gpt":
        return Profile(
            name="gpt",
            max_operations=settings.max_operations,
            max_operation_description_chars=settings.max_operation_description_chars,
            max_parameter_description_chars=settings.max_parameter_description_chars,
            require_operation_id=True,
            methods=_GPT_METHODS,
            header_parameters=False,
            cookie_parameters=False,
            single_hostname=True,
            warn_multiple_security_schemes=True,
            resolve_relative_servers=False,
        )
    if name == "extended":
        return Profile(
            name="extended",
            max_operations=None,
            max_operation_description_chars=settings.max_operation_description_chars,
            max_parameter_description_chars=settings.max_parameter_description_chars,
            require_operation_id=False,
            methods=_EXTENDED_METHODS,
            header_parameters=True,
            cookie_parameters=True,
            single_hostname=False,
            warn_multiple_security_schemes=False,
            resolve_relative_servers=True,
        )
    raise ValueError(f"Unknown profile {name!r}; choose one of: {', '.join(PROFILE_NAMES)}")
