"""What a refreshed schema changes: operations added, removed, or changed in their parameters.

Operations are matched by method and path (an operationId renamed on the same endpoint is a change
of name, not a new API), and parameters by the argument names a model sends (the engine's tools:
path, query, header and body properties alike). A parameter has changed when its schema, or
whether it is required, differs; a schema's ``$ref``s are followed into the tool's ``$defs``, so a
change inside a referenced schema counts too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import actionforge

Endpoint = tuple[str, str]  # (METHOD, path)


@dataclass(frozen=True)
class OperationRef:
    operation: str  # the operationId (or the engine's generated name)
    method: str
    path: str


@dataclass(frozen=True)
class ParameterChanges:
    operation: OperationRef
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SchemaDiff:
    added: list[OperationRef]
    removed: list[OperationRef]
    changed: list[ParameterChanges]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class _Signature:
    ref: OperationRef
    parameters: dict[str, str]  # argument name -> its schema and required-ness, as canonical JSON


def signatures(
    text: str, *, base_url: str | None, settings: actionforge.Settings
) -> dict[Endpoint, _Signature]:
    """Each operation of the document by endpoint; none when the document does not load."""
    try:
        action = actionforge.load_action(text, settings=settings, server_url=base_url)
    except actionforge.ActionforgeError:
        return {}
    found = {}
    for tool in action.tool_list:
        op = tool.operation
        ref = OperationRef(op.operation_id, op.method.upper(), op.path)
        found[(ref.method, ref.path)] = _Signature(ref, _parameters(tool.parameters))
    return found


def diff(old: Mapping[Endpoint, _Signature], new: Mapping[Endpoint, _Signature]) -> SchemaDiff:
    added = [new[k].ref for k in new if k not in old]
    removed = [old[k].ref for k in old if k not in new]
    changed = [c for k in new if k in old if (c := _changes(old[k], new[k])) is not None]
    return SchemaDiff(added, removed, changed)


def _changes(old: _Signature, new: _Signature) -> ParameterChanges | None:
    before, after = old.parameters, new.parameters
    found = ParameterChanges(
        new.ref,
        added=[name for name in after if name not in before],
        removed=[name for name in before if name not in after],
        changed=[name for name in after if name in before and before[name] != after[name]],
    )
    return found if found.added or found.removed or found.changed else None


def _parameters(schema: Mapping[str, Any]) -> dict[str, str]:
    required = set(schema.get("required", ()))
    defs = schema.get("$defs", {})
    return {
        name: _canonical({"schema": prop, "required": name in required, "defs": _referenced(prop, defs)})
        for name, prop in schema.get("properties", {}).items()
    }


def _referenced(schema: Any, defs: Mapping[str, Any]) -> dict[str, Any]:
    """The ``$defs`` entries ``schema`` reaches through ``$ref``s, transitively."""
    found: dict[str, Any] = {}
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) and ref.startswith("#/$defs/") else None
            if name is not None and name in defs and name not in found:
                found[name] = defs[name]
                pending.append(defs[name])
            pending.extend(node.values())
        elif isinstance(node, list | tuple):
            pending.extend(node)
    return found


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    """The engine hands out read-only mappings and sequences; JSON needs plain ones."""
    if isinstance(value, Mapping):
        return dict(value)
    return list(value)
