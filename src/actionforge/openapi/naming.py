"""The one rule for making a name unique: ``name``, else ``name_2``, ``name_3`` ...

Used for generated operationIds, bundled component names, ``$defs`` names and tool names, so
every place that has to invent a free name numbers it the same way.
"""

from __future__ import annotations

from collections.abc import Container


def unique_name(name: str, taken: Container[str], *, max_length: int | None = None) -> str:
    """``name`` if it is not in ``taken``, else the first free ``name_N`` (N = 2, 3, ...).

    With ``max_length``, ``name`` is cut before the suffix so the result stays within it (tool
    names have a 64-character limit). ``taken`` is only read: the caller records the result.
    """
    if name not in taken:
        return name
    number = 2
    while True:
        suffix = f"_{number}"
        head = name if max_length is None else name[: max_length - len(suffix)]
        candidate = head + suffix
        if candidate not in taken:
            return candidate
        number += 1
