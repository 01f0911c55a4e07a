"""Reference cycles among schemas: Tarjan's strongly connected components, iteratively.

Iterative because definition chains in real documents (Microsoft Graph) run deeper than Python's
recursion limit. Shared by the validator's circular-schema warning and the schema converter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set


def strongly_connected(edges: Mapping[str, Set[str]], roots: Iterable[str] | None = None) -> list[list[str]]:
    """The strongly connected components reachable from ``roots`` (default: every node, sorted).

    Nodes without an entry in ``edges`` have no outgoing edges.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []

    def children_of(node: str) -> Iterator[str]:
        return iter(sorted(edges.get(node, ())))

    for root in sorted(edges) if roots is None else roots:
        if root in index:
            continue
        work = [(root, children_of(root))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, children_of(child)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def is_cycle(component: list[str], edges: Mapping[str, Set[str]]) -> bool:
    """Whether a component is a real cycle: several nodes, or one that references itself."""
    return len(component) > 1 or component[0] in edges.get(component[0], ())
