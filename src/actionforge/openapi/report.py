"""The validation report, in exactly the shape the action editor consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Issue:
    """One error or warning, with a JSON pointer (RFC 6901) to its place in the document."""

    message: str
    pointer: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"message": self.message, "pointer": self.pointer}

    def __str__(self) -> str:
        return f"{self.message} (at {self.pointer or '/'})"


@dataclass(frozen=True, slots=True)
class OperationSummary:
    operation_name: str
    method: str
    path: str

    def to_dict(self) -> dict[str, str]:
        return {"operationName": self.operation_name, "method": self.method, "path": self.path}


@dataclass(frozen=True, slots=True)
class ValidationReport:
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    root_domain: str | None = None
    operations: tuple[OperationSummary, ...] = field(default=())

    @property
    def success(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """``{success, errors, warnings, spec: {root_domain, operations}}`` as the editor reads it."""
        return {
            "success": self.success,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "spec": {
                "root_domain": self.root_domain,
                "operations": [o.to_dict() for o in self.operations],
            },
        }


def escape_pointer_token(token: str) -> str:
    """RFC 6901: '~' -> '~0', '/' -> '~1'."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Join raw tokens into a JSON pointer: pointer("paths", "/pets", "get") == "/paths/~1pets/get"."""
    return "".join("/" + escape_pointer_token(str(t)) for t in tokens)
