"""A schema seen with the document its local references resolve against (request encoding)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actionforge.openapi.pointers import find_local_ref


@dataclass(frozen=True, slots=True)
class SchemaView:
    """A schema and the document its local ``#/...`` references resolve against."""

    schema: Any
    root: Any

    def resolved(self) -> Mapping[str, Any]:
        node, hops = self.schema, 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and hops < 32:
            node, hops = find_local_ref(self.root, node["$ref"], {}), hops + 1
        return node if isinstance(node, Mapping) else {}

    def with_siblings(self) -> Mapping[str, Any]:
        """The resolved schema with the keywords written beside its ``$ref`` on top: 3.1 and
        JSON Schema 2020-12 apply both (``{"$ref": ..., "contentEncoding": "base64"}``)."""
        resolved = self.resolved()
        schema = self.schema
        if not isinstance(schema, Mapping) or len(schema) < 2 or "$ref" not in schema:
            return resolved
        return {**resolved, **{key: value for key, value in schema.items() if key != "$ref"}}

    def property(self, name: str) -> SchemaView:
        """The schema of one property, looking through ``allOf`` as well."""
        schema = self.resolved()
        props = schema.get("properties")
        if isinstance(props, Mapping) and name in props:
            return SchemaView(props[name], self.root)
        for member in schema.get("allOf") or ():
            found = SchemaView(member, self.root).property(name)
            if found.schema:
                return found
        return SchemaView({}, self.root)

    def items(self) -> SchemaView:
        return SchemaView(self.resolved().get("items") or {}, self.root)
