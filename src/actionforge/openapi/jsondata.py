"""JSON data as the spec layer handles it: deep copies, read-only containers for sharing, and
the one walk that finds the ``$ref``s in a tree.

Converted schema definitions are shared by every tool that reaches them (Microsoft Graph's
11,000 tools would otherwise copy 90 MB of definitions); the frozen containers make that safe.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any, NoReturn


def copy_json(value: Any) -> Any:
    """A plain, mutable deep copy of JSON data (frozen or not), without recursion (documents may
    be deeply nested); much faster than ``copy.deepcopy``."""
    if not isinstance(value, dict | list):
        return value
    root: dict[str, Any] | list[Any] = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, child in items:
            if isinstance(child, dict):
                copy: Any = {}
                stack.append((child, copy))
            elif isinstance(child, list):
                copy = []
                stack.append((child, copy))
            else:
                copy = child
            if isinstance(target, dict):
                target[key] = copy
            else:
                target.append(copy)
    return root


thaw = copy_json


def _refuse(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(
        f"this {type(self).__name__} is shared by several tool schemas and cannot be changed; "
        "use actionforge.openapi.jsondata.thaw() for a mutable copy"
    )


class FrozenDict(dict[str, Any]):
    """A JSON object that refuses changes, so tools can share one converted definition.

    A ``dict`` subclass (not a Mapping proxy) because ``json.dumps``, ``jsonschema`` and pydantic
    all require ``isinstance(x, dict)``. ``copy.deepcopy`` and pickling give plain dicts back.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy_json(self)  # type: ignore[no-any-return]

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class FrozenList(list[Any]):
    """A JSON array that refuses changes; see FrozenDict."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return copy_json(self)  # type: ignore[no-any-return]

    def __copy__(self) -> list[Any]:
        return list(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


def freeze(value: Any) -> Any:
    """``value`` with every dict and list made read-only; frozen parts are reused, not copied."""
    if isinstance(value, FrozenDict | FrozenList):
        return value
    if isinstance(value, dict):
        return FrozenDict({k: v if type(v) in _KEPT else freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList([v if type(v) in _KEPT else freeze(v) for v in value])
    return value


# JSON's scalars, and the values freeze() keeps as they are: told apart by one set lookup, cheaper
# than isinstance() on the many values of a tool's schema.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEPT = _SCALARS | {FrozenDict, FrozenList}


def ref_values(node: Any, *, skip_keys: Collection[str] = (), skip_extensions: bool = False) -> Iterator[Any]:
    """The value of every ``$ref`` key in a JSON tree, of any type (callers judge it), without
    recursion. Below an object, the members named in ``skip_keys`` (data such as ``example``,
    where a ``$ref`` is just text) and, with ``skip_extensions``, the ``x-`` ones are not
    entered. Frozen containers are walked like the plain ones they subclass."""
    stack = [node]
    pop, push = stack.pop, stack.append
    while stack:
        current = pop()
        if isinstance(current, dict):
            if "$ref" in current:
                yield current["$ref"]
            for key, value in current.items():
                if type(value) in _SCALARS or not isinstance(value, dict | list) or key in skip_keys:
                    continue
                if skip_extensions and str(key).startswith("x-"):
                    continue
                push(value)
        elif isinstance(current, list):
            stack.extend(v for v in current if type(v) not in _SCALARS and isinstance(v, dict | list))


def has_ref(node: Any) -> bool:
    """Whether any object in the tree has a ``$ref`` key (of whatever value)."""
    return any(True for _ in ref_values(node))
