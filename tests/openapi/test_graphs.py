"""Reference cycles: strongly connected components, found without recursion."""

from __future__ import annotations

import sys

from actionforge.openapi.graphs import is_cycle, strongly_connected


def _sets(components: list[list[str]]) -> list[frozenset[str]]:
    return [frozenset(c) for c in components]


def test_components_come_out_children_first_with_each_node_once() -> None:
    edges = {"A": {"B"}, "B": {"C", "A"}, "C": {"D"}, "D": {"C"}, "E": set()}
    assert _sets(strongly_connected(edges)) == [
        frozenset("CD"),
        frozenset("AB"),
        frozenset("E"),
    ]


def test_roots_limit_the_search_and_unlisted_nodes_have_no_edges() -> None:
    edges = {"A": {"B"}, "X": {"X"}}
    assert strongly_connected(edges, roots=["A"]) == [["B"], ["A"]]


def test_a_cycle_is_several_nodes_or_one_that_refers_to_itself() -> None:
    edges = {"A": {"B"}, "B": {"A"}, "S": {"S"}, "T": set()}
    assert is_cycle(["A", "B"], edges)
    assert is_cycle(["S"], edges)
    assert not is_cycle(["T"], edges)


def test_a_chain_deeper_than_the_recursion_limit_is_walked() -> None:
    depth = sys.getrecursionlimit() * 2
    edges = {f"n{i}": {f"n{i + 1}"} for i in range(depth)}
    edges[f"n{depth}"] = {"n0"}
    (component,) = strongly_connected(edges, roots=["n0"])
    assert len(component) == depth + 1
