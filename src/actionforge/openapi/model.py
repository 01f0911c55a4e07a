"""The engine's view of an OpenAPI document: operations, parameters and bodies.

These types are the contract between the layers: ``spec`` produces them, ``calls`` consumes them.
Schemas inside them are still OpenAPI schemas from the (bundled, local-ref-only) document; only
``Tool.parameters`` is converted to self-contained JSON Schema 2020-12.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JSONSchema = dict[str, Any]
Location = Literal["path", "query", "header", "cookie"]
Method = Literal["get", "put", "post", "delete", "options", "head", "patch", "trace"]


@dataclass(frozen=True, slots=True)
class Parameter:
    """One OpenAPI Parameter Object, `$ref`s resolved and serialization defaults filled in."""

    name: str
    location: Location
    required: bool
    schema: JSONSchema
    pointer: str
    description: str | None = None
    style: str = "form"
    explode: bool = True
    allow_reserved: bool = False
    allow_empty_value: bool = False
    content_type: str | None = None  # set when the parameter uses `content` instead of `schema`
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class Encoding:
    """An Encoding Object of a form or multipart body property."""

    content_type: str | None = None
    style: str | None = None
    explode: bool | None = None
    allow_reserved: bool = False
    headers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestBody:
    """The one media type of a Request Body Object the engine will send."""

    media_type: str
    schema: JSONSchema
    required: bool
    pointer: str
    description: str | None = None
    encoding: Mapping[str, Encoding] = field(default_factory=dict)
    # The bundled document the schema's `$ref`s resolve against: what the XML writer reads the
    # XML Objects of referenced schemas from (tool schemas keep no `xml`). Shared, not copied.
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Operation:
    """One callable operation of the document."""

    operation_id: str  # as written in the document, or generated (extended profile)
    method: Method
    path: str  # the path template, e.g. "/pets/{petId}"
    server_url: str  # absolute, variables substituted by their defaults, no trailing slash
    pointer: str  # JSON pointer of the Operation Object, e.g. "/paths/~1pets/get"
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    summary: str | None = None
    description: str | None = None
    is_consequential: bool = True
    # None: the document's top-level `security` applies; () means explicitly unauthenticated.
    security: tuple[Mapping[str, Any], ...] | None = None
    deprecated: bool = False
    generated_id: bool = False
    parameter_keys: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Parameters are identified by (name, in); every call routes its arguments through this set.
        keys = frozenset((p.name, p.location) for p in self.parameters)
        object.__setattr__(self, "parameter_keys", keys)

    @property
    def requires_auth(self) -> bool:
        """False only for `security: []` (or a list with an empty requirement) on the operation."""
        if self.security is None:
            return True
        return bool(self.security) and all(bool(req) for req in self.security)
