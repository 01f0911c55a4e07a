"""JSON pointers and local `$ref` lookups inside one (bundled) document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from actionforge.errors import ActionforgeError


class RefError(ActionforgeError, LookupError):
    """A `$ref` that does not lead anywhere; ``ref`` is the reference as written."""

    def __init__(self, ref: str, reason: str) -> None:
        super().__init__(f"Could not resolve $ref {ref!r}: {reason}")
        self.ref = ref
        self.reason = reason


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer_tokens(pointer: str) -> list[str]:
    """The unescaped tokens of a pointer: ``/paths/~1pets/get`` → ``["paths", "/pets", "get"]``."""
    return [unescape_token(raw) for raw in pointer.split("/")[1:]]


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer ("" is the whole document)."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise RefError(pointer, "a JSON pointer must start with '/'")
    node = document
    for token in pointer_tokens(pointer):
        if type(node) is dict or isinstance(node, Mapping):  # parsed documents: plain dicts
            if token not in node:
                raise RefError(pointer, f"no key {token!r}")
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise RefError(pointer, f"no index {token!r}")
            node = node[int(token)]
        else:
            raise RefError(pointer, f"cannot descend into a value of type {type(node).__name__} at {token!r}")
    return node


def resolve_local_ref(document: Any, ref: str) -> Any:
    """The target of a local reference such as ``#/components/schemas/Pet``."""
    if not ref.startswith("#"):
        raise RefError(ref, "only local references ('#/...') are resolved here")
    return resolve_pointer(document, unquote(ref[1:]))


def find_pointer(document: Any, pointer: str, default: Any = None) -> Any:
    """The value at ``pointer``, or ``default`` where there is none."""
    try:
        return resolve_pointer(document, pointer)
    except RefError:
        return default


def find_local_ref(document: Any, ref: str, default: Any = None) -> Any:
    """The target of a local reference, or ``default`` where it leads nowhere: for callers that
    treat a dangling ref as no constraint (it was reported when the document was validated)."""
    try:
        return resolve_local_ref(document, ref)
    except RefError:
        return default


def deref(
    document: Any, node: Any, *, max_hops: int = 32, memo: dict[str, tuple[Any, str]] | None = None
) -> tuple[Any, str | None]:
    """Follow a chain of `$ref`s (a ref to a ref ...) to a concrete object.

    Returns the object and the pointer of the last ref followed (None if ``node`` was not a ref),
    so callers can report problems at the right place. A loop of pure refs is an error.
    ``memo`` keeps each ref's target and pointer for a caller that resolves the same refs many
    times in a document it does not change (GitHub's 845 operations share a few hundred
    parameters: 3,153 resolutions of about 300 refs).
    """
    target_pointer: str | None = None
    for _ in range(max_hops):
        if not ((type(node) is dict or isinstance(node, Mapping)) and isinstance(node.get("$ref"), str)):
            return node, target_pointer
        ref = node["$ref"]
        known = memo.get(ref) if memo is not None else None
        if known is None:
            known = (resolve_local_ref(document, ref), unquote(ref[1:]))
            if memo is not None:
                memo[ref] = known
        node, target_pointer = known
    raise RefError(str(node.get("$ref")), f"more than {max_hops} chained references (a loop?)")
