"""Which operations a problem at a JSON pointer touches: the inverted rule's map.

An operation's request is built from its ``parameters``, its ``requestBody`` and its path item's
``parameters``, and from everything those reach through ``$ref`` (component schemas, parameters,
request bodies, and what they reference in turn). A problem anywhere in that set can make the
request wrong, so it costs that operation; a problem anywhere else costs nothing.

References are followed at the granularity of a component (``/components/schemas/Pet``, not the
property a ref points into): a little coarser than exact, never missing a dependency.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from actionforge.openapi.jsondata import ref_values
from actionforge.openapi.pointers import find_pointer
from actionforge.openapi.report import pointer

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_REQUEST_FIELDS = ("parameters", "requestBody")
_DATA_KEYS = frozenset({"example", "examples", "enum", "const", "default"})


def affected_operations(document: Mapping[str, Any], problems: Iterable[str]) -> dict[str, str]:
    """{operation pointer: the pointer of one problem in its request} for each operation touched."""
    problems = list(problems)
    if not problems:
        return {}
    graph = _Graph(document)
    tainted = graph.reaching({_unit_of(p): p for p in problems if not p.startswith("/paths/")})
    under_paths = _by_request_root(p for p in problems if p.startswith("/paths/"))
    affected: dict[str, str] = {}
    for operation, roots in _request_roots(document):
        own = next((under_paths[root] for root in roots if root in under_paths), None)
        via = next((tainted[u] for root in roots for u in graph.refs_under(root) if u in tainted), None)
        witness = own if own is not None else via
        if witness is not None:
            affected[operation] = witness
    return affected


def _request_roots(document: Mapping[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """(operation pointer, pointers of its request parts) for each operation of ``paths``."""
    paths = document.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        if not isinstance(item, Mapping):
            continue
        shared = pointer("paths", path, "parameters")
        for method in _METHODS:
            if isinstance(item.get(method), Mapping):
                at = pointer("paths", path, method)
                yield at, [shared, *(f"{at}/{field}" for field in _REQUEST_FIELDS)]


def _by_request_root(problems: Iterable[str]) -> dict[str, str]:
    """{request part pointer: first problem in it}, for problems below ``/paths``: the part is the
    problem's first four tokens (``/paths/P/get/parameters``) or three (``/paths/P/parameters``)."""
    index: dict[str, str] = {}
    for problem in problems:
        tokens = problem.split("/")
        for size in (5, 4):
            if len(tokens) >= size:
                index.setdefault("/".join(tokens[:size]), problem)
    return index


def _unit_of(at: str) -> str:
    """The component a pointer lies in (``/components/schemas/Pet`` for anything below it), or
    the pointer itself outside ``components``."""
    tokens = at.split("/")
    return "/".join(tokens[:4]) if len(tokens) >= 4 and tokens[1] == "components" else at


class _Graph:
    """Units (components, or other ref targets) and the units each one references."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._refs: dict[str, frozenset[str]] = {}

    def refs_under(self, at: str) -> frozenset[str]:
        """The units referenced from anywhere below ``at``, memoized per pointer."""
        if at not in self._refs:
            self._refs[at] = frozenset(_unit_of(_ref_pointer(ref)) for ref in _refs_in(self._node(at)))
        return self._refs[at]

    def reaching(self, bad: dict[str, str]) -> dict[str, str]:
        """Every unit that references a bad unit, directly or not: {unit: its witness problem}."""
        if not bad:
            return {}
        referrers: dict[str, set[str]] = {}
        for unit in self._all_units():
            for target in self.refs_under(unit):
                referrers.setdefault(target, set()).add(unit)
        tainted = dict(bad)
        queue = list(bad)
        while queue:
            unit = queue.pop()
            for referrer in referrers.get(unit, ()):
                if referrer not in tainted:
                    tainted[referrer] = tainted[unit]
                    queue.append(referrer)
        return tainted

    def _all_units(self) -> Iterator[str]:
        """Every component, and every non-component ref target reached from one."""
        components = self.document.get("components")
        pending = [
            pointer("components", kind, name)
            for kind, members in (components.items() if isinstance(components, Mapping) else ())
            if isinstance(members, Mapping)
            for name in members
        ]
        seen: set[str] = set()
        while pending:
            unit = pending.pop()
            if unit not in seen:
                seen.add(unit)
                yield unit
                pending.extend(self.refs_under(unit))

    def _node(self, at: str) -> Any:
        return find_pointer(self.document, at)


def _ref_pointer(ref: str) -> str:
    return unquote(ref[1:]) if ref.startswith("#") else ref


def _refs_in(node: Any) -> Iterator[str]:
    """Every local ``$ref`` below ``node``, data (examples, defaults) and extensions left out."""
    found = ref_values(node, skip_keys=_DATA_KEYS, skip_extensions=True)
    return (ref for ref in found if type(ref) is str and ref.startswith("#"))
