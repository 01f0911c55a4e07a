"""Bundle a document split over several files into one whose every `$ref` is local ("#/...").

An external target is copied once into the root document's components (the section chosen by
where the `$ref` appears: a schema under ``components/schemas``, a parameter under
``components/parameters``, ...; in Swagger 2.0 under ``definitions``/``parameters``/
``responses``) under a readable unique name, and each `$ref` to it is rewritten. Targets with no
section to live in (a 3.0 path item, a value inside an enum) are inlined instead. The copied
content is walked in turn, relative to its own file, so references are followed across files; a
target is placed before its content is walked, so cycles end as local refs to it.

Local refs are left as refs (consumers resolve them lazily, which circular schemas need), but
every one is checked: one that leads nowhere is a warning at its pointer, not a refusal (real
documents have them, mostly in response schemas; an operation whose request needs one is
skipped later), while a loop of nothing but refs is an error. The same single walk enforces
``max_nesting_depth`` (see ``parse``). Hand-written because no maintained Python library
bundles OpenAPI 2.0/3.x with these limits and without following refs into the network on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from actionforge.openapi.jsondata import copy_json
from actionforge.openapi.naming import unique_name
from actionforge.openapi.parse import decode, parse_text
from actionforge.openapi.pointers import RefError, pointer_tokens, resolve_local_ref, unescape_token
from actionforge.openapi.report import Issue, pointer
from actionforge.openapi.source import (
    DocumentError,
    Fetcher,
    display_name,
    is_file_uri,
    is_remote,
    join_uri,
    read_bytes,
)
from actionforge.settings import Settings

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REF_HOPS = 32

# --------------------------------------------------------------------------- where is a ref?
# A small grammar of the OpenAPI object tree: state -> {token: next state}, "*" for any token.
# The state reached by a ref's location says what kind of object the ref stands for.

_SCHEMA: dict[str, str] = {
    **dict.fromkeys(
        ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"), "schemaMap"
    ),
    **dict.fromkeys(("allOf", "anyOf", "oneOf", "prefixItems"), "schemaList"),
    **dict.fromkeys(
        (
            "items",
            "additionalProperties",
            "additionalItems",
            "not",
            "contains",
            "if",
            "then",
            "else",
            "propertyNames",
            "unevaluatedItems",
            "unevaluatedProperties",
            "contentSchema",
        ),
        "schema",
    ),
}
_COMMON: dict[str, dict[str, str]] = {
    "paths": {"*": "pathItem"},
    "parameterList": {"*": "parameter"},
    "parameterMap": {"*": "parameter"},
    "responseMap": {"*": "response"},
    "schemaMap": {"*": "schema"},
    "schemaList": {"*": "schema"},
    "schema": _SCHEMA,
}
_GRAMMAR_3: dict[str, dict[str, str]] = {
    **_COMMON,
    "document": {"paths": "paths", "webhooks": "paths", "components": "components"},
    "pathItem": {"parameters": "parameterList", **dict.fromkeys(METHODS, "operation")},
    "operation": {
        "parameters": "parameterList",
        "requestBody": "requestBody",
        "responses": "responseMap",
        "callbacks": "callbackMap",
    },
    "parameter": {"schema": "schema", "content": "contentMap", "examples": "exampleMap"},
    "header": {"schema": "schema", "content": "contentMap", "examples": "exampleMap"},
    "headerMap": {"*": "header"},
    "requestBody": {"content": "contentMap"},
    "requestBodyMap": {"*": "requestBody"},
    "response": {"headers": "headerMap", "content": "contentMap", "links": "linkMap"},
    "contentMap": {"*": "mediaType"},
    "mediaType": {"schema": "schema", "examples": "exampleMap", "encoding": "encodingMap"},
    "encodingMap": {"*": "encoding"},
    "encoding": {"headers": "headerMap"},
    "exampleMap": {"*": "example"},
    "linkMap": {"*": "link"},
    "callbackMap": {"*": "callback"},
    "callback": {"*": "pathItem"},
    "securitySchemeMap": {"*": "securityScheme"},
    "components": {
        "schemas": "schemaMap",
        "responses": "responseMap",
        "parameters": "parameterMap",
        "examples": "exampleMap",
        "requestBodies": "requestBodyMap",
        "headers": "headerMap",
        "securitySchemes": "securitySchemeMap",
        "links": "linkMap",
        "callbacks": "callbackMap",
        "pathItems": "paths",
    },
}
_GRAMMAR_2: dict[str, dict[str, str]] = {
    **_COMMON,
    "document": {
        "paths": "paths",
        "definitions": "schemaMap",
        "parameters": "parameterMap",
        "responses": "responseMap",
    },
    "pathItem": {"parameters": "parameterList", **dict.fromkeys(METHODS, "operation")},
    "operation": {"parameters": "parameterList", "responses": "responseMap"},
    "parameter": {"schema": "schema"},
    "response": {"schema": "schema"},
}
_SECTIONS_3: dict[str, tuple[str, ...]] = {
    kind: ("components", section)
    for kind, section in (
        ("schema", "schemas"),
        ("parameter", "parameters"),
        ("response", "responses"),
        ("requestBody", "requestBodies"),
        ("header", "headers"),
        ("example", "examples"),
        ("link", "links"),
        ("callback", "callbacks"),
        ("securityScheme", "securitySchemes"),
    )
}
_SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "2.0": {"schema": ("definitions",), "parameter": ("parameters",), "response": ("responses",)},
    "3.0": _SECTIONS_3,  # a 3.0 path item has no components section: it is inlined
    "3.1": {**_SECTIONS_3, "pathItem": ("components", "pathItems")},
}
_SECTION_KEYS = frozenset(section[-1] for sections in _SECTIONS.values() for section in sections.values())

# Keys whose children are names (not keywords), and keywords whose values are data, not objects:
# a "$ref" inside an example or an enum is data and is left alone.
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "dependentSchemas", "paths", "webhooks", "content"}
    | {"encoding", "variables", "scopes", "mapping", "components", "callbacks"}
    | _SECTION_KEYS
)
_DATA_KEYWORDS = frozenset({"example", "default", "enum", "const", "value"})


def object_kind(tokens: list[str], version: str) -> str | None:
    """What an object at this location is ("schema", "parameter", ...), or None if unknown."""
    grammar = _GRAMMAR_2 if version == "2.0" else _GRAMMAR_3
    state = "document"
    for token in tokens:
        transitions = grammar.get(state, {})
        next_state = transitions.get(token) or transitions.get("*")
        if next_state is None:
            if state == "schema" and token.isdigit():  # items: [ ... ] (a list of schemas)
                continue
            return None
        state = next_state
    return state


# --------------------------------------------------------------------------- the walk


@dataclass(frozen=True, slots=True)
class _Context:
    """Where the nodes being walked came from: their refs resolve against ``uri``."""

    uri: str | None
    is_root: bool
    inlining: frozenset[tuple[str, str]] = frozenset()


_Path = tuple[Any, str | int] | None  # a linked list (parent path, token): cheap to extend


def _tokens(path: _Path) -> list[str]:
    tokens: list[str] = []
    while path is not None:
        path, token = path
        tokens.append(str(token))
    tokens.reverse()
    return tokens


def _pointer(path: _Path) -> str:
    return pointer(*_tokens(path))


class _RefFailure(Exception):
    """A reference that cannot be followed; the message says why."""


class _Entry(NamedTuple):
    """A node waiting to be walked (the hot loop builds these as plain tuples)."""

    node: Any
    parent: Any
    key: str | int | None
    path: _Path
    depth: int
    context: _Context
    is_data: bool


class Bundler:
    """One bundling run over a root document (mutated in place) and the files it references."""

    def __init__(
        self,
        root: dict[str, Any],
        *,
        root_uri: str | None,
        version: str,
        settings: Settings,
        fetch: Fetcher | None = None,
    ) -> None:
        self.root = root
        self.root_uri = root_uri
        self.version = version
        self.settings = settings
        self.fetch = fetch
        self.sections = _SECTIONS.get(version, _SECTIONS_3)
        self.documents: dict[str, Any] = {}
        self.failed_documents: dict[str, str] = {}
        self.placed: dict[tuple[str, str], str] = {}
        self.placed_ids: set[int] = set()
        self.adoptable: dict[tuple[str, str], tuple[tuple[str, ...], str]] | None = None
        self.local_refs: list[tuple[str, _Path]] = []
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []  # local refs that lead nowhere
        self.stack: list[tuple[Any, ...]] = []  # _Entry fields; plain tuples in the hot loop

    # ----------------------------------------------------------------- driver

    def run(self) -> None:
        """Bundle and check; raises DocumentError listing every reference problem that is fatal."""
        root_context = _Context(self.root_uri, is_root=True)
        # Component sections go on the stack last, so they are walked first. Levels count as in
        # YAML: the document is level 1.
        items = sorted(self.root.items(), key=lambda item: item[0] in ("components", *_SECTION_KEYS))
        for key, value in items:
            self._push(value, self.root, key, (None, key), 2, root_context, key.startswith("x-"))
        self._walk()
        for issue, fatal in self._unresolved_local_refs():
            (self.errors if fatal else self.warnings).append(issue)
        if self.errors:
            raise DocumentError(self.errors)

    def _push(
        self,
        node: Any,
        parent: Any,
        key: str | int | None,
        path: _Path,
        depth: int,
        context: _Context,
        is_data: bool,
    ) -> None:
        if isinstance(node, dict | list):
            self.stack.append(_Entry(node, parent, key, path, depth, context, is_data))

    def _walk(self) -> None:
        """Visit every container once, depth first, without recursion.

        The hot loop of loading a 20 MB document: plain tuples, exact type checks (the data
        comes from json/yaml, which build plain dicts and lists), names bound locally.
        """
        max_depth = self.settings.max_nesting_depth
        stack = self.stack
        pop, push = stack.pop, stack.append
        placed_ids = self.placed_ids
        while stack:
            item = pop()
            node, _, key, path, depth, context, is_data = item
            if depth > max_depth:
                message = f"The document is nested too deeply: more than {max_depth} levels"
                raise DocumentError([Issue(message, _pointer(path))])
            child_depth = depth + 1
            if type(node) is list:
                for index, child in enumerate(node):
                    if type(child) is dict or type(child) is list:
                        push((child, node, index, (path, index), child_depth, context, is_data))
                continue
            if not is_data and type(node.get("$ref")) is str:
                replacement = self._follow(node, _Entry._make(item))
                if replacement is not None:  # inlined: walk the copy in the target's context
                    push(replacement)
                    continue
            children_are_names = key in _NAME_MAPS
            skip_placed = bool(placed_ids) and key in _SECTION_KEYS
            for name, child in node.items():
                kind = type(child)
                if kind is not dict and kind is not list:
                    continue
                if skip_placed and id(child) in placed_ids:
                    continue  # pushed when it was placed
                child_is_data = is_data or (
                    not children_are_names
                    and (
                        name in _DATA_KEYWORDS
                        or name.startswith("x-")
                        or (name == "examples" and kind is list)
                    )
                )
                push((child, node, name, (path, name), child_depth, context, child_is_data))

    # ----------------------------------------------------------------- one reference

    def _follow(self, node: dict[str, Any], entry: _Entry) -> _Entry | None:
        """Handle the ref in ``node``; returns an entry to walk instead when it was inlined."""
        ref: str = node["$ref"]
        context = entry.context
        if ref.startswith("#") and context.is_root:
            self.local_refs.append((ref, entry.path))
            return None
        try:
            uri, fragment = self._target(ref, context)
            if uri == self.root_uri:  # a reference back into the root document
                node["$ref"] = "#" + _encode_fragment(fragment)
                self.local_refs.append((node["$ref"], entry.path))
                return None
            placed = self.placed.get((uri, fragment))
            if placed is not None:
                node["$ref"] = placed
                return None
            target, target_uri = self._resolve(uri, fragment)
            keys = [(uri, fragment)]
            # A target that is only a ref is skipped: the component is what it finally names.
            while isinstance(target, dict) and len(target) == 1 and isinstance(target.get("$ref"), str):
                if len(keys) > MAX_REF_HOPS:
                    raise _RefFailure(f"Cannot resolve $ref {ref!r}: too many references in a row")
                uri, fragment = self._target(target["$ref"], _Context(target_uri, is_root=False))
                if uri == self.root_uri:
                    node["$ref"] = "#" + _encode_fragment(fragment)
                    self.local_refs.append((node["$ref"], entry.path))
                    return None
                placed = self.placed.get((uri, fragment))
                if placed is not None:
                    node["$ref"] = placed
                    self.placed.update(dict.fromkeys(keys, placed))
                    return None
                keys.append((uri, fragment))
                target, target_uri = self._resolve(uri, fragment)
            replacement = self._place(node, entry, ref, (uri, fragment), target, target_uri)
            if (uri, fragment) in self.placed:
                self.placed.update(dict.fromkeys(keys, self.placed[(uri, fragment)]))
            return replacement
        except _RefFailure as failure:
            # At the `$ref` member itself: what cannot be followed is the reference, and the
            # place it names has nothing there to point at (a file not loaded, text pasted alone).
            self.errors.append(Issue(str(failure), _pointer((entry.path, "$ref"))))
            return None

    def _target(self, ref: str, context: _Context) -> tuple[str, str]:
        """The (document URI, decoded JSON pointer) a ref names, if it may be followed."""
        address, _, raw_fragment = ref.partition("#")
        fragment = unquote(raw_fragment)
        if fragment and not fragment.startswith("/"):
            raise _RefFailure(f"Cannot resolve $ref {ref!r}: its fragment is not a JSON pointer")
        if not address:
            if context.uri is None:  # pragma: no cover - local refs of the root return earlier
                raise _RefFailure(f"Cannot resolve $ref {ref!r}")
            return context.uri, fragment
        absolute = bool(urlsplit(address).scheme)
        if context.uri is None and not absolute:
            raise _RefFailure(
                f"Cannot resolve $ref {ref!r}: the document was given as text, so it has no "
                "location that relative references could start from"
            )
        uri = join_uri(context.uri or "", address)
        if is_remote(uri):
            if not self.settings.allow_remote_refs:
                raise _RefFailure(
                    f"Remote $ref {ref!r} is not allowed: loading references from the network "
                    "is turned off (setting allow_remote_refs)"
                )
        elif is_file_uri(uri):
            if self.root_uri is None or not is_file_uri(self.root_uri):
                raise _RefFailure(
                    f"$ref {ref!r} points to a local file, which only a document loaded from a "
                    "file may reference"
                )
        else:
            raise _RefFailure(f"Cannot resolve $ref {ref!r}: only files and http(s) URLs can be loaded")
        return uri, fragment

    def _resolve(self, uri: str, fragment: str, hops: int = 0) -> tuple[Any, str]:
        """The node at ``uri#fragment`` and the URI of the document it lives in.

        A ref met on the way is followed, as other bundlers do (``b.yaml#/properties/x/type``
        where ``x`` is itself a ref).
        """
        node = self._document(uri)
        if not fragment:
            return node, uri
        for raw in fragment[1:].split("/"):
            token = unescape_token(raw)
            while isinstance(node, dict) and token not in node and isinstance(node.get("$ref"), str):
                hops += 1
                if hops > MAX_REF_HOPS:
                    raise _RefFailure(f"Cannot resolve {display_name(uri)}#{fragment}: too many hops")
                next_uri, next_fragment = self._target(node["$ref"], _Context(uri, is_root=False))
                node, uri = self._resolve(next_uri, next_fragment, hops)
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise _RefFailure(
                    f"Could not resolve $ref to {display_name(uri)}#{fragment}: no {token!r} there"
                )
        return node, uri

    def _document(self, uri: str) -> Any:
        if uri == self.root_uri:
            return self.root
        if uri in self.documents:
            return self.documents[uri]
        if uri in self.failed_documents:
            raise _RefFailure(self.failed_documents[uri])
        name = display_name(uri)
        if len(self.documents) + 1 >= self.settings.max_ref_documents:
            message = (
                f"Could not load {name}: the document references too many files "
                f"(the limit is {self.settings.max_ref_documents} documents)"
            )
        else:
            try:  # these errors name the file already
                text = decode(read_bytes(uri, settings=self.settings, fetch=self.fetch), where=name)
            except DocumentError as error:
                message = "; ".join(issue.message for issue in error.issues)
            else:
                try:
                    self.documents[uri] = parse_text(text, settings=self.settings)
                    return self.documents[uri]
                except DocumentError as error:
                    message = f"Could not load {name}: " + "; ".join(i.message for i in error.issues)
        self.failed_documents[uri] = message
        raise _RefFailure(message)

    def _place(
        self,
        node: dict[str, Any],
        entry: _Entry,
        ref: str,
        target_key: tuple[str, str],
        target: Any,
        target_uri: str,
    ) -> _Entry | None:
        """Copy an external target into the root, as a component or inline."""
        tokens = _tokens(entry.path)
        kind = object_kind(tokens, self.version)
        section = self.sections.get(kind or "")
        content_context = (
            _Context(self.root_uri, is_root=True)
            if target_uri == self.root_uri
            else _Context(target_uri, is_root=False, inlining=entry.context.inlining)
        )
        if section is not None and isinstance(target, dict):
            container = self._section(section)
            if container is None:
                raise _RefFailure(
                    f"Cannot bundle $ref {ref!r}: {pointer(*section)} in the root document is not an object"
                )
            adoptable = self._adoptable().get(target_key)
            if adoptable is not None and adoptable[0] == section:
                name = adoptable[1]  # that entry is only a ref to this target: it takes its place
            else:
                name = _unique_name(container, *target_key)
            local = "#" + pointer(*section, name)
            self.placed[target_key] = local
            copy = copy_json(target)
            container[name] = copy
            self.placed_ids.add(id(copy))
            if not (entry.parent is container and entry.key == name):
                node["$ref"] = local
            path: _Path = None
            for token in (*section, name):
                path = (path, token)
            self._push(copy, container, name, path, len(section) + 2, content_context, False)
            return None
        # Nowhere to put it by name: inline a copy where the ref was.
        if target_key in entry.context.inlining:
            raise _RefFailure(
                f"Cannot bundle $ref {ref!r}: it refers to itself, and the {kind or 'value'} at this "
                "place cannot be kept as a reference"
            )
        copy = copy_json(target)
        if isinstance(copy, dict):
            copy.update((k, v) for k, v in node.items() if k != "$ref")  # siblings of the ref
        entry.parent[entry.key] = copy
        if not isinstance(copy, dict | list):
            return None
        inlining = _Context(
            content_context.uri,
            is_root=content_context.is_root,
            inlining=entry.context.inlining | {target_key},
        )
        return _Entry(copy, entry.parent, entry.key, entry.path, entry.depth, inlining, False)

    def _adoptable(self) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
        """Component entries of the root that are nothing but a ref to another file, by target.

        Such an entry (``Pet: {$ref: pet.yaml}``) names its target: the content is placed there,
        under the author's name, whichever ref reaches the target first.
        """
        if self.adoptable is None:
            self.adoptable = {}
            root_context = _Context(self.root_uri, is_root=True)
            for section in self.sections.values():
                container = resolve_existing(self.root, section)
                if not isinstance(container, dict):
                    continue
                for name, entry in container.items():
                    ref = entry.get("$ref") if isinstance(entry, dict) and len(entry) == 1 else None
                    if isinstance(ref, str) and not ref.startswith("#"):
                        try:
                            self.adoptable[self._target(ref, root_context)] = (section, name)
                        except _RefFailure:
                            continue  # reported when the walk reaches it
        return self.adoptable

    def _section(self, section: tuple[str, ...]) -> dict[str, Any] | None:
        node: Any = self.root
        for token in section:
            if not isinstance(node, dict):
                return None
            node = node.setdefault(token, {})
        return node if isinstance(node, dict) else None

    # ----------------------------------------------------------------- local refs

    def _unresolved_local_refs(self) -> Iterator[tuple[Issue, bool]]:
        """(issue, fatal) for each local ref that does not lead to content."""
        verdicts: dict[str, tuple[str, bool] | None] = {}
        for ref, path in self.local_refs:
            if ref not in verdicts:
                verdicts[ref] = self._local_ref_problem(ref)
            problem = verdicts[ref]
            if problem is not None:
                yield Issue(problem[0], _pointer(path)), problem[1]

    def _local_ref_problem(self, ref: str) -> tuple[str, bool] | None:
        """Why a local ref does not lead to content and whether that is fatal, or None."""
        try:
            target = resolve_local_ref(self.root, ref)
        except RefError as error:
            return f"Could not resolve $ref {ref!r}: {error.reason}", False
        seen = {ref}
        # A ref to a ref to ... itself has no content at all: consumers would loop forever.
        while isinstance(target, dict) and isinstance(target.get("$ref"), str):
            next_ref: str = target["$ref"]
            if next_ref in seen:
                return (
                    f"$ref {ref!r} leads back to itself through references only (a loop with no content)",
                    True,
                )
            seen.add(next_ref)
            try:
                target = resolve_local_ref(self.root, next_ref)
            except RefError:
                return None  # reported where that ref is written
        return None


def resolve_existing(document: Any, tokens: tuple[str, ...]) -> Any:
    """The node at raw tokens, or None where the path does not exist."""
    node = document
    for token in tokens:
        node = node.get(token) if isinstance(node, dict) else None
    return node


def _encode_fragment(fragment: str) -> str:
    return fragment.replace("%", "%25").replace(" ", "%20")


_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CONTAINERS = frozenset({*_SECTION_KEYS, "definitions", "$defs", "components"})


def _unique_name(container: dict[str, Any], uri: str, fragment: str) -> str:
    """A component name from the file and the fragment: ``Pet.yaml`` -> Pet, ``common.yaml#/
    definitions/Error`` -> Error, ``name.yaml#/properties/last`` -> name_properties_last."""
    stem = PurePosixPath(unquote(urlsplit(uri).path)).stem or "ref"
    tokens = pointer_tokens(fragment)
    if not tokens:
        base = stem
    elif len(tokens) == 1 or tokens[-2] in _CONTAINERS:
        base = tokens[-1]
    else:
        base = "_".join([stem, *tokens])
    base = _NAME_UNSAFE.sub("_", base).strip("_") or "ref"
    prefixed = f"{_NAME_UNSAFE.sub('_', stem)}_{base}"
    for candidate in (base, prefixed) if not base.startswith(stem) else (base,):
        if candidate not in container:
            return candidate
    return unique_name(base, container)


# --------------------------------------------------------------------------- entry points


def bundle(
    root: dict[str, Any],
    *,
    root_uri: str | None,
    version: str,
    settings: Settings,
    fetch: Fetcher | None = None,
) -> list[Issue]:
    """Make every `$ref` in ``root`` local, in place, and check that each resolves.

    ``version`` ("2.0", "3.0", "3.1") picks where external targets go. Raises DocumentError
    listing every reference that could not be followed, each at the pointer of its `$ref`; returns
    the warnings: local refs that lead nowhere.
    """
    bundler = Bundler(root, root_uri=root_uri, version=version, settings=settings, fetch=fetch)
    bundler.run()
    return bundler.warnings


def check_local_refs(document: dict[str, Any], *, version: str, settings: Settings) -> list[Issue]:
    """Check that every `$ref` in an already bundled document is local and resolves; returns the
    warnings (local refs that lead nowhere)."""
    bundler = Bundler(document, root_uri=None, version=version, settings=settings)
    bundler.run()
    return bundler.warnings
