"""Reference cycles among schemas: Tarjan's strongly connected components, iteratively.

Iterative because definition chains in real documents (Microsoft Graph) run deeper than Python's
recursion limit. Shared by the validator's circular-schema warning and the schema converter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set


def strongly_connected(edges: Mapping[str, Set[str]], roots: Iterable[str] | None = None) -> list[list[str]]:
    """The strongly connected components reachable from ``roots`` (default: every node, sorted),
    each after the components it refers to. Nodes without an entry in ``edges`` have no edges.
    """
    search = _Tarjan(edges)
    for root in sorted(edges) if roots is None else roots:
        if root not in search.index:
            search.visit(root)
    return search.components


class _Tarjan:
    """One search: node numbers, low links, and the stack of nodes not yet in a component."""

    def __init__(self, edges: Mapping[str, Set[str]]) -> None:
        self._edges = edges
        self.index: dict[str, int] = {}
        self._low: dict[str, int] = {}
        self._stack: list[str] = []
        self._on_stack: set[str] = set()
        self.components: list[list[str]] = []

    def visit(self, root: str) -> None:
        """Depth first from ``root`` with an explicit stack of (node, children left)."""
        work = [self._open(root)]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                self._close(node, work[-1][0] if work else None)
            elif child not in self.index:
                work.append(self._open(child))
            elif child in self._on_stack:
                self._low[node] = min(self._low[node], self.index[child])

    def _open(self, node: str) -> tuple[str, Iterator[str]]:
        self.index[node] = self._low[node] = len(self.index)
        self._stack.append(node)
        self._on_stack.add(node)
        return node, iter(sorted(self._edges.get(node, ())))

    def _close(self, node: str, parent: str | None) -> None:
        if parent is not None:
            self._low[parent] = min(self._low[parent], self._low[node])
        if self._low[node] == self.index[node]:
            self.components.append(self._pop_component(node))

    def _pop_component(self, node: str) -> list[str]:
        component: list[str] = []
        while not component or component[-1] != node:
            member = self._stack.pop()
            self._on_stack.discard(member)
            component.append(member)
        return component


def is_cycle(component: list[str], edges: Mapping[str, Set[str]]) -> bool:
    """Whether a component is a real cycle: several nodes, or one that references itself."""
    return len(component) > 1 or component[0] in edges.get(component[0], ())
