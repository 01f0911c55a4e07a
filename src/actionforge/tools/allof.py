"""Whether an ``allOf`` is only objects, and if so their merged properties and required names.

Merging ``allOf: [Base, {properties: ..}]`` into one object gives the model one flat list of
fields. It is done only when nothing is lost: every member (after following local ``$ref``s) is a
plain object schema whose other keys carry no validation, and no member allows null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from actionforge.openapi.pointers import RefError, resolve_pointer
from actionforge.tools.keywords import ANNOTATIONS

# Keys that may sit beside an allOf member's properties without making the merge unsafe: they
# either carry no validation (annotations) or are OpenAPI-only and dropped anyway.
MERGEABLE = ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "allOf",
    "discriminator",
    "xml",
    "externalDocs",
}
# `nullable` may sit beside them too: a member with `nullable: true` is refused on its own, and
# one beside the allOf itself is applied to the result by the converter.
MERGEABLE_OUTER = MERGEABLE | {"nullable"}
# What may sit beside an allOf that only wraps one member (`allOf: [{$ref: X}], description: ..`).
WRAPPER_OUTER = ANNOTATIONS | {"nullable"}


def only_annotations(member: Any) -> bool:
    return isinstance(member, Mapping) and all(k in ANNOTATIONS or k.startswith("x-") for k in member)


def _is_plain_object(member: Mapping[str, Any]) -> bool:
    """No keyword that validates beyond properties; not nullable (then null passes only if every
    member allows it); of type object if typed at all."""
    if any(k not in MERGEABLE_OUTER and not k.startswith("x-") for k in member):
        return False
    kind = member.get("type")
    return (
        member.get("nullable") is not True
        and (kind is None or kind == "object")
        and isinstance(member.get("properties", {}), Mapping)
        and isinstance(member.get("required", []), list)
    )


class ObjectMerge:
    """Collects the properties and required names of an allOf made only of object schemas."""

    def __init__(self, document: Mapping[str, Any], *, inlining: list[str]) -> None:
        self._document = document
        self.properties: dict[str, Any] = {}
        self.required: list[str] = []
        self.is_object = False
        self.inlined: list[str] = []  # pointers of the definitions whose content was taken in
        self._visiting = list(inlining)

    def absorb(self, member: Any) -> bool:
        """Takes ``member`` in; False if it (or a member of its own allOf) is not mergeable."""
        if member is True:
            return True
        if not isinstance(member, Mapping):
            return False
        ref = member.get("$ref")
        if isinstance(ref, str):
            return self._absorb_ref(ref, member)
        if not _is_plain_object(member):
            return False
        self._take(member)
        sub = member.get("allOf")
        return sub is None or (isinstance(sub, list) and all(self.absorb(s) for s in sub))

    def _absorb_ref(self, ref: str, member: Mapping[str, Any]) -> bool:
        if not ref.startswith("#") or set(member) - {"$ref"} - ANNOTATIONS:
            return False
        pointer = unquote(ref[1:])
        if pointer in self._visiting:
            return False  # a cycle through allOf: keep it as written
        try:
            target = resolve_pointer(self._document, pointer)
        except RefError:
            return False  # keeps the allOf; converting it reports the bad ref
        self._visiting.append(pointer)
        self.inlined.append(pointer)
        try:
            return self.absorb(target)
        finally:
            self._visiting.pop()

    def _take(self, member: Mapping[str, Any]) -> None:
        properties: Mapping[str, Any] = member.get("properties", {})
        self.is_object = self.is_object or member.get("type") == "object" or bool(properties)
        for name, schema in properties.items():
            earlier = self.properties.get(name)
            self.properties[name] = (
                schema if earlier is None or earlier == schema else {"allOf": [earlier, schema]}
            )
        required: list[Any] = member.get("required", [])
        self.required.extend(r for r in required if isinstance(r, str) and r not in self.required)

    def flat(self, outer: Mapping[str, Any]) -> dict[str, Any]:
        """The merged object with the annotations (and ``nullable``) written beside the allOf."""
        flat: dict[str, Any] = {k: v for k, v in outer.items() if k in ANNOTATIONS or k == "nullable"}
        if self.is_object:
            flat["type"] = "object"
        if self.properties:
            flat["properties"] = self.properties
        if self.required:
            flat["required"] = self.required
        return flat
