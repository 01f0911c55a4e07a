"""A tool as a model sees it, and where each of its arguments goes on the wire.

``tools`` produces these from ``openapi``'s operations; ``calls`` consumes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from actionforge.openapi.model import JSONSchema, Operation

BindingLocation = Literal["path", "query", "header", "cookie", "body", "body_whole"]


@dataclass(frozen=True, slots=True)
class ArgumentBinding:
    """Where one property of a tool's flat argument object goes on the wire.

    ``body`` puts the value under ``name`` in an object body; ``body_whole`` sends the value as
    the entire body (array and primitive bodies are wrapped in one named property).
    """

    property: str
    location: BindingLocation
    name: str


@dataclass(frozen=True, slots=True)
class Tool:
    """One operation as a model sees it."""

    name: str  # ^[a-zA-Z0-9_-]{1,64}$, unique within the action set
    original_name: str  # the operationId, kept for display
    description: str
    parameters: JSONSchema  # flat JSON Schema 2020-12 object, self-contained ($defs)
    operation: Operation
    bindings: tuple[ArgumentBinding, ...]

    _by_property: dict[str, ArgumentBinding] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A lookup on every argument of every call: a dict, not a scan of large tools' bindings.
        object.__setattr__(self, "_by_property", {b.property: b for b in reversed(self.bindings)})

    def binding(self, prop: str) -> ArgumentBinding | None:
        return self._by_property.get(prop)
