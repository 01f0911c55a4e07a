"""OpenAPI 3.0 / 3.1 Schema Objects → self-contained JSON Schema 2020-12 for tool arguments.

Tool argument schemas go to model providers and to ``jsonschema`` validators, so they must be plain
2020-12 with no dangling reference and no keyword a strict consumer chokes on. Libraries that
convert OpenAPI schemas either keep OpenAPI keywords or inline every ``$ref`` (which never ends on
circular schemas), so the conversion is written here. The rules:

- Every local ``$ref`` becomes ``#/$defs/<Name>``: the component name for ``#/components/schemas/X``,
  a name derived from the pointer otherwise, sanitized to ``[A-Za-z0-9_.-]`` and made unique.
  Each referenced schema is converted once (memoized for the converter's lifetime, so one
  converter serves every tool of a document) and circular schemas simply stay references.
  In 3.1 a ``$ref``'s sibling keywords are kept; in 3.0, where the spec says they are ignored,
  only ``title`` and ``description`` are kept (they cannot change what validates).
- 3.0 ``nullable: true`` adds ``"null"`` to ``type`` (and ``None`` to ``enum``). Without a ``type``
  the 3.0.4 text says it has no effect, yet real documents (Microsoft Graph: 200 cases) write it
  beside ``oneOf``/``allOf`` to mean "or null"; that intent is honoured with ``anyOf: [.., null]``
  because refusing a null the API accepts is worse than letting the API judge it.
- Boolean ``exclusiveMinimum``/``exclusiveMaximum`` (3.0) become the numeric 2020-12 form.
- ``example`` becomes ``examples: [example]``.
- Request side only: ``readOnly`` properties are removed (with their ``required`` entries): they
  are never sent. ``readOnly``/``writeOnly`` keywords themselves are dropped.
- Only 2020-12 keywords survive; OpenAPI-only keywords (``discriminator``, ``xml``,
  ``externalDocs``, ``nullable``), ``x-`` extensions, identifiers that would move the base URI
  (``$id``, ``$anchor``, ``$schema``, ``$dynamic*``) and nested ``$defs`` (every reference now
  points at the top-level ``$defs``) are dropped. Keyword values of the wrong JSON type are
  dropped too, so the output always passes the 2020-12 metaschema.
- Arrays always carry ``items`` (``{}`` when missing): some providers reject arrays without it.
- ``allOf`` whose members are all plain object schemas (after following ``$ref``s) is merged into
  one object (union of ``properties`` and ``required``); anything else keeps its ``allOf``.
  ``allOf`` with one substantive member (the others, and the keys beside it, only annotations)
  becomes that member plus the annotations, so ``allOf: [{$ref: X}, {description}]`` keeps
  ``X`` a shared reference. While a merged object's inlined properties are converted, the
  definitions just inlined are not inlined again (a property ``allOf: [X, ..]`` inside ``X``).
- Files: ``type: file`` and ``format: binary`` become
  ``{type: string, format: binary, contentEncoding: base64}``. A model can only write text, so
  the CONVENTION is that a binary value in tool arguments is base64; the ``calls`` layer decodes
  it before sending the raw bytes (multipart part or octet-stream body).
- A ``pattern`` Python's ``re`` cannot compile is dropped (it would break validators) and its text
  moves into ``description``; such ``patternProperties`` entries are dropped.
- A reference cycle that never descends into the instance (``A: allOf: [A, ...]``, ``A = B = A``)
  makes validators recurse forever; the refs closing it become ``{}`` (they add no constraint).
- A ``properties`` entry written as ``required: true`` (a common mistake) counts as required.

Sharing: ``convert`` returns a fresh, mutable tree that shares nothing with the document. The
memoized definitions (``defs``, ``resolve``) are converted once and then FROZEN (``FrozenDict``,
``FrozenList``: dict/list subclasses that refuse changes) and shared by every tool of a document:
Microsoft Graph's tools reach 90 MB of definitions in total, which copying per tool would cost
seconds and a gigabyte. ``thaw`` gives a plain mutable copy.

Layout: this module follows references and walks the schema tree; each keyword's own rule is a
handler in ``keywords.py`` (a dispatch table), and whether an ``allOf`` can merge is ``allof.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal
from urllib.parse import unquote

from actionforge.errors import ActionforgeError
from actionforge.openapi.graphs import is_cycle, strongly_connected
from actionforge.openapi.jsondata import freeze, ref_values
from actionforge.openapi.naming import unique_name
from actionforge.openapi.pointers import RefError, pointer_tokens, resolve_pointer
from actionforge.openapi.report import Issue, escape_pointer_token
from actionforge.tools.allof import MERGEABLE_OUTER, WRAPPER_OUTER, ObjectMerge, only_annotations
from actionforge.tools.keywords import ANNOTATIONS, HANDLERS, finish, make_nullable
from actionforge.tools.keywords import Converted as Converted  # re-exported: the result type

SchemaDialect = Literal["3.0", "3.1"]

DEFS_PREFIX = "#/$defs/"


class SchemaConversionError(ActionforgeError, ValueError):
    """A schema that cannot be turned into a tool schema; ``pointer`` says where in the document."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(f"{message} (at {pointer or '/'})")
        self.message = message
        self.pointer = pointer

    @property
    def issue(self) -> Issue:
        return Issue(self.message, self.pointer)


def schema_dialect(openapi_version: str) -> SchemaDialect:
    """The schema dialect of a document version: "3.1" for 3.1.x, "3.0" for 3.0.x and 2.0."""
    return "3.1" if openapi_version.startswith("3.1") else "3.0"


def sanitize_def_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return cleaned or "schema"


def def_name_for_pointer(pointer: str) -> str:
    """``/components/schemas/Pet`` → ``Pet``; other pointers join their tokens with dots."""
    tokens = pointer_tokens(pointer)
    if tokens[:2] == ["components", "schemas"] and len(tokens) > 2:
        tokens = tokens[2:]
    return sanitize_def_name(".".join(tokens))


def iter_refs(node: Any) -> Iterable[str]:
    """Every ``$ref`` string in a JSON tree (stops at nothing: converted trees are finite)."""
    return (ref for ref in ref_values(node) if isinstance(ref, str))


class SchemaConverter:
    """Converts the schemas of one document; keep one per document to share the memo."""

    def __init__(self, document: Mapping[str, Any], *, openapi_version: SchemaDialect) -> None:
        if openapi_version not in ("3.0", "3.1"):
            raise ValueError(f"openapi_version must be '3.0' or '3.1', not {openapi_version!r}")
        self._document = document
        self._dialect: SchemaDialect = openapi_version
        self._names: dict[str, str] = {}  # document pointer -> def name
        self._assigned: list[str] = []  # pointers in the order their names were assigned
        self._used_names: set[str] = set()
        self._pending: list[tuple[str, str, Any]] = []  # (name, pointer, raw target)
        self._defs: dict[str, Converted] = {}
        self._edges: dict[str, frozenset[str]] = {}  # def name -> def names it refers to
        self._sink: set[str] = set()
        self._read_only_refs: dict[str, bool] = {}
        self._inlining: list[str] = []

    # --- public API ---------------------------------------------------------------------------

    def convert(self, schema: Any, *, pointer: str = "") -> Converted:
        """The 2020-12 form of ``schema`` (found at ``pointer``); its refs point into ``defs()``."""
        self._sink = set()
        mark = len(self._assigned)
        try:
            result = self._convert(schema, pointer)
            self._drain()
        except RecursionError:
            self._forget(mark)
            raise SchemaConversionError("Schema is nested too deeply to convert", pointer) from None
        except BaseException:
            self._forget(mark)  # all or nothing: no name may point at a missing def
            raise
        finally:
            self._inlining.clear()
        return result

    def defs(self, *roots: Any) -> dict[str, Converted]:
        """The definitions ``roots`` need (transitively), by name; all of them if no roots.

        The definitions are frozen (read-only) and shared by every caller; ``thaw`` copies.
        """
        if not roots:
            names: Iterable[str] = sorted(self._defs)
        else:
            names = self._closure(roots)
        return {name: self._defs[name] for name in names}

    def resolve(self, schema: Converted) -> Converted:
        """Follows a converted ``{"$ref": "#/$defs/X"}`` chain to its (frozen) target.

        Siblings of the ref (annotations) are lost; callers use this to look inside a body schema.
        """
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            name = schema["$ref"].removeprefix(DEFS_PREFIX)
            if name in seen or name not in self._defs:
                break
            seen.add(name)
            schema = self._defs[name]
        return schema

    # --- references ---------------------------------------------------------------------------

    def _closure(self, roots: Iterable[Any]) -> list[str]:
        found: list[str] = []
        seen: set[str] = set()
        stack = [
            ref.removeprefix(DEFS_PREFIX)
            for root in roots
            for ref in iter_refs(root)
            if ref.startswith(DEFS_PREFIX)
        ]
        while stack:
            name = stack.pop()
            if name in seen or name not in self._defs:
                continue
            seen.add(name)
            found.append(name)
            stack.extend(self._edges.get(name, ()))
        return sorted(found)

    def _ref_name(self, ref: str, at: str) -> str:
        if not ref.startswith("#"):
            raise SchemaConversionError(f"$ref {ref!r} is not a local reference ('#/...')", at)
        target_pointer = unquote(ref[1:])
        name = self._names.get(target_pointer)
        if name is not None:
            return name
        try:
            target = resolve_pointer(self._document, target_pointer)
        except RefError as exc:
            raise SchemaConversionError(f"Could not resolve $ref {ref!r}: {exc.reason}", at) from None
        name = unique_name(def_name_for_pointer(target_pointer), self._used_names)
        self._used_names.add(name)
        self._names[target_pointer] = name
        self._assigned.append(target_pointer)
        self._pending.append((name, target_pointer, target))
        return name

    def _drain(self) -> None:
        if not self._pending:  # most conversions (a parameter's string, a known body) name no new def
            return
        fresh: dict[str, Converted] = {}
        while self._pending:
            name, target_pointer, target = self._pending.pop()
            self._sink = set()
            fresh[name] = self._convert(target, target_pointer)
            self._edges[name] = frozenset(self._sink)
        # A new definition only refers to definitions converted now or before, so any cycle
        # closed by this call lies within `fresh`.
        for name in _break_in_place_cycles(fresh):
            self._edges[name] = frozenset(r.removeprefix(DEFS_PREFIX) for r in iter_refs(fresh[name]))
        for name, converted in fresh.items():
            self._defs[name] = freeze(converted)

    def _forget(self, mark: int) -> None:
        """Undoes every name assigned since ``mark`` (a failed conversion leaves no trace)."""
        self._pending.clear()
        while len(self._assigned) > mark:
            name = self._names.pop(self._assigned.pop())
            self._used_names.discard(name)
            self._defs.pop(name, None)
            self._edges.pop(name, None)

    # --- conversion -------------------------------------------------------------------------

    def _convert(self, raw: Any, at: str) -> Converted:
        if isinstance(raw, bool):
            return raw
        if not isinstance(raw, Mapping):
            raise SchemaConversionError(
                f"A schema must be an object or a boolean, not {type(raw).__name__}", at
            )
        if isinstance(raw.get("$ref"), str):
            return self._convert_ref(raw, at)
        if "allOf" in raw:
            simplified = self._simplify_all_of(raw, at)
            if simplified is not None:
                return simplified
        out = self._convert_keywords(raw, at)
        if self._dialect == "3.0" and raw.get("nullable") is True:
            return make_nullable(out)
        return out

    def _convert_keywords(self, raw: Mapping[str, Any], at: str) -> dict[str, Any]:
        """Each keyword through its handler (``keywords.HANDLERS``; no handler: dropped).

        Walking the document's keys (not the handler table) keeps the output in document order,
        so the same document always renders byte-identical schemas.
        """
        out: dict[str, Any] = {}
        convert = self._convert
        for key, value in raw.items():
            handler = HANDLERS.get(key)
            if handler is not None:
                handler(convert, key, value, at, out)
        if "properties" in raw or "required" in raw:
            self._convert_object(raw, at, out)
        finish(convert, raw, at, out)
        return out

    def _convert_ref(self, raw: Mapping[str, Any], at: str) -> Converted:
        name = self._ref_name(raw["$ref"], at)
        self._sink.add(name)
        out: dict[str, Any] = {"$ref": DEFS_PREFIX + name}
        siblings = {k: v for k, v in raw.items() if k != "$ref"}
        if self._dialect == "3.0":
            siblings = {k: v for k, v in siblings.items() if k in ("title", "description")}
        if siblings:
            converted = self._convert(siblings, at)
            if isinstance(converted, dict):
                out.update(converted)
        return out

    def _convert_object(self, raw: Mapping[str, Any], at: str, out: dict[str, Any]) -> None:
        """``properties`` without readOnly ones; ``required`` without them, plus ``required: true``."""
        listed = raw.get("required")
        required = [r for r in listed if isinstance(r, str)] if isinstance(listed, list) else []
        properties = raw.get("properties")
        if isinstance(properties, Mapping):
            out["properties"], also_required, read_only = self._convert_properties(properties, at)
            required = [r for r in (*required, *also_required) if r not in read_only]
        if required:
            out["required"] = list(dict.fromkeys(required))
        else:
            out.pop("required", None)

    def _convert_properties(
        self, properties: Mapping[str, Any], at: str
    ) -> tuple[dict[str, Converted], list[str], set[str]]:
        """The converted properties, the names marked ``required: true``, the readOnly names."""
        converted: dict[str, Converted] = {}
        required: list[str] = []
        read_only: set[str] = set()
        for key, value in properties.items():
            name = str(key)
            if self._is_read_only(value):
                read_only.add(name)
                continue
            if isinstance(value, Mapping) and value.get("required") is True:
                required.append(name)
            converted[name] = self._convert(value, f"{at}/properties/{escape_pointer_token(name)}")
        return converted, required, read_only

    def _is_read_only(self, raw: Any) -> bool:
        if not isinstance(raw, Mapping):
            return False
        if raw.get("readOnly") is True and (self._dialect == "3.1" or "$ref" not in raw):
            return True
        ref = raw.get("$ref")
        if not (isinstance(ref, str) and ref.startswith("#")):
            return False
        known = self._read_only_refs.get(ref)
        if known is None:
            known = self._read_only_refs[ref] = self._target_is_read_only(ref)
        return known

    def _target_is_read_only(self, ref: str) -> bool:
        try:
            target = resolve_pointer(self._document, unquote(ref[1:]))
        except RefError:
            return False  # reported when the property itself is converted
        return isinstance(target, Mapping) and target.get("readOnly") is True

    # --- allOf ------------------------------------------------------------------------------

    def _simplify_all_of(self, raw: Mapping[str, Any], at: str) -> Converted | None:
        """One object for a mergeable allOf, the lone member for a wrapper; None to keep allOf."""
        members = raw.get("allOf")
        if not isinstance(members, list) or not members:
            return None
        outer = {k: v for k, v in raw.items() if k != "allOf" and not k.startswith("x-")}
        # Members holding only annotations (`allOf: [{$ref: X}, {description: ..}]`) are annotations.
        substantive = [(i, m) for i, m in enumerate(members) if not only_annotations(m)]
        if len(substantive) == 1 and set(outer) <= WRAPPER_OUTER:
            index, lone = substantive[0]
            return self._unwrap_all_of(lone, f"{at}/allOf/{index}", members, outer, at)
        return self._merge_all_of(members, outer, at)

    def _unwrap_all_of(
        self, lone: Any, lone_at: str, members: list[Any], outer: Mapping[str, Any], at: str
    ) -> Converted:
        """The one substantive member, with the other members' and the outer annotations."""
        member = self._convert(lone, lone_at)
        if not isinstance(member, dict):
            return member
        annotations = self._convert(_wrapper_annotations(lone, members, outer), at)
        if isinstance(annotations, dict):
            member.update(annotations)
        if self._dialect == "3.0" and outer.get("nullable") is True:
            return make_nullable(member)
        return member

    def _merge_all_of(self, members: list[Any], outer: Mapping[str, Any], at: str) -> Converted | None:
        """One object schema for an allOf of objects; None when a member is not a plain object."""
        if not set(outer) <= MERGEABLE_OUTER:
            return None
        merged = ObjectMerge(self._document, inlining=self._inlining)
        own = {k: v for k, v in outer.items() if k != "nullable"}
        if not merged.absorb({**own, "allOf": members}):
            return None
        with self._inlined(merged.inlined):
            return self._convert(merged.flat(outer), at)

    @contextmanager
    def _inlined(self, pointers: list[str]) -> Iterator[None]:
        """While a merged object's properties are converted, the definitions inlined into it must
        not be inlined again (a property ``allOf: [X, ...]`` inside X would otherwise never end)."""
        self._inlining.extend(pointers)
        try:
            yield
        finally:
            del self._inlining[len(self._inlining) - len(pointers) :]


def _wrapper_annotations(lone: Any, members: list[Any], outer: Mapping[str, Any]) -> dict[str, Any]:
    """The annotations of the other (annotation-only) members, then those beside the allOf."""
    notes: dict[str, Any] = {}
    for other in members:
        if other is not lone:
            notes.update({k: v for k, v in other.items() if k in ANNOTATIONS})
    notes.update({k: v for k, v in outer.items() if k != "nullable"})
    return notes


_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_SCHEMAS = ("not", "if", "then", "else")


def _in_place_ref_holders(schema: Any) -> Iterable[dict[str, Any]]:
    """The dicts holding a ``$ref`` that applies to the same instance (not to a property or item)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("$ref"), str):
            yield node
        for key in _IN_PLACE_LISTS:
            if isinstance(node.get(key), list):
                stack.extend(node[key])
        stack.extend(node.get(key) for key in _IN_PLACE_SCHEMAS)
        if isinstance(node.get("dependentSchemas"), dict):
            stack.extend(node["dependentSchemas"].values())


def _break_in_place_cycles(defs: dict[str, Any]) -> list[str]:
    """Drops the refs of a cycle that never descends into the instance (``A = allOf[A, ..]``,
    ``A = B, B = A``): validators recurse on it forever. Such a cycle adds no constraint a
    finite instance could meet, so the refs closing it become ``{}``. Returns the changed names."""
    edges = {
        name: {h["$ref"].removeprefix(DEFS_PREFIX) for h in _in_place_ref_holders(schema)} & defs.keys()
        for name, schema in defs.items()
    }
    changed: list[str] = []
    for component in strongly_connected(edges):
        if not is_cycle(component, edges):
            continue
        members = set(component)
        for name in sorted(members):
            holders = [
                h for h in _in_place_ref_holders(defs[name]) if h["$ref"].removeprefix(DEFS_PREFIX) in members
            ]
            for holder in holders:
                del holder["$ref"]
            if holders:
                changed.append(name)
    return changed
