"""Tool names that every model provider accepts: ``^[a-zA-Z0-9_-]{1,64}$``, unique per assistant.

An operationId that already fits is used unchanged, because builders name operations in their
instructions ("call getPet when ..."). Anything else is made to fit deterministically, so the same
document always yields the same names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from actionforge.openapi.naming import unique_name

MAX_TOOL_NAME = 64
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
PROPERTY_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
FALLBACK_NAME = "operation"
_HASH_CHARS = 8


def _shorten(name: str, original: str) -> str:
    if len(name) <= MAX_TOOL_NAME:
        return name
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    head = name[: MAX_TOOL_NAME - _HASH_CHARS - 1].rstrip("_")
    return f"{head}_{digest}"


def _replace_invalid(text: str, invalid: str) -> str:
    ascii_text = (
        text
        if text.isascii()
        else "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    )
    return re.sub(r"_{2,}", "_", re.sub(invalid, "_", ascii_text)).strip("_")


def sanitize_property_name(name: str) -> str:
    """A top-level argument name providers accept (``^[a-zA-Z0-9_.-]{1,64}$``, Anthropic's rule).

    Same treatment as tool names, with dots allowed (``$top`` → ``top``, ``@odata.type`` →
    ``odata.type``); the wire name is kept in the tool's bindings. Empty → ``"value"``.
    """
    if PROPERTY_NAME.fullmatch(name):
        return name
    return _shorten(_replace_invalid(name, r"[^a-zA-Z0-9_.-]+") or "value", name)


def sanitize_tool_name(operation_id: str) -> str:
    """A valid tool name for ``operation_id``.

    Accents are stripped (``créer`` → ``creer``), every run of other characters becomes one ``_``,
    runs of ``_`` collapse and leading/trailing ``_`` go; an empty result is ``"operation"``.
    Longer than 64: cut, then ``_`` and 8 hex digits of the SHA-256 of the original id, so two
    long ids sharing a prefix still differ.
    """
    if TOOL_NAME.fullmatch(operation_id):
        return operation_id
    return _shorten(_replace_invalid(operation_id, r"[^a-zA-Z0-9_-]+") or FALLBACK_NAME, operation_id)


class UniqueNamer:
    """Hands out names unique among each other and ``taken`` (e.g. other actions' tools).

    A name already given gets ``_2``, ``_3`` ... (cutting the base so the result stays within
    64 characters). Comparison is exact (case-sensitive), as providers compare names.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._used: set[str] = set(taken)

    def claim(self, name: str) -> str:
        """``name`` itself if free, else the first free suffixed form; it is then taken."""
        candidate = unique_name(name, self._used, max_length=MAX_TOOL_NAME)
        self._used.add(candidate)
        return candidate

    def name_for(self, operation_id: str) -> str:
        """The sanitized, unique tool name for an operationId."""
        return self.claim(sanitize_tool_name(operation_id))

    def __contains__(self, name: object) -> bool:
        return name in self._used
