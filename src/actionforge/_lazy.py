"""Package attributes imported on first use (PEP 562), so importing a package costs nothing.

A package lists what it exports as ``name -> "module"`` or ``name -> "module:attribute"`` and
assigns the returned ``__getattr__`` and ``__dir__``. By hand rather than ``lazy_loader.attach``
because some names are exported under another name (``format`` is ``openapi.parse.format_text``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` that import each export when first asked."""

    def get(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        value = getattr(import_module(module), attribute or name)
        setattr(sys.modules[package], name, value)  # the next lookup is a plain attribute
        return value

    def listing() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return get, listing
