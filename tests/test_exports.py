"""``actionforge.__all__``, the package and docs/api.md say the same thing (as httpx's test does)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import actionforge
from actionforge import _EXPORTS  # the lazy table behind __all__

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
DOCUMENTED = set(re.findall(r"^\| `(\w+)` \|", API_DOC.read_text(encoding="utf-8"), flags=re.MULTILINE))


def test_every_export_is_documented_and_every_documented_name_exported() -> None:
    assert sorted(set(actionforge.__all__) - DOCUMENTED) == []
    assert sorted(DOCUMENTED - set(actionforge.__all__)) == []


def test_all_is_the_lazy_table() -> None:
    assert set(actionforge.__all__) == set(_EXPORTS) | {"__version__"}
    assert len(actionforge.__all__) == len(set(actionforge.__all__))


@pytest.mark.parametrize("name", sorted(actionforge.__all__))
def test_every_export_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from actionforge import {name}", namespace)
    assert namespace[name] is getattr(actionforge, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = actionforge.nope  # type: ignore[attr-defined]


def test_dir_lists_the_exports() -> None:
    assert set(actionforge.__all__) <= set(dir(actionforge))


def test_every_exception_the_engine_defines_is_exported_and_an_actionforge_error() -> None:
    defined = _engine_exception_classes()
    assert sorted(name for name in defined if name not in actionforge.__all__) == []
    assert [name for name, cls in defined.items() if not issubclass(cls, actionforge.ActionforgeError)] == []
    assert {name: getattr(actionforge, name) for name in defined} == defined


# Internal exceptions that never leave their module (they are caught and turned into an Issue).
INTERNAL = {"YAMLLimitError"}
# The engine's layers (docs/architecture.md); the CLI and the product's layers (server, models, ...)
# have errors of their own, which they turn into exit codes and HTTP problems.
ENGINE = {
    "action", "signin", "settings", "errors", "examples", "secrets",
    "openapi", "tools", "calls", "auth", "egress", "consent",
}  # fmt: skip


def _engine_modules() -> list[str]:
    modules = []
    for info in pkgutil.iter_modules(actionforge.__path__):
        if info.name not in ENGINE:
            continue
        modules.append(f"actionforge.{info.name}")
        if info.ispkg:
            package = importlib.import_module(f"actionforge.{info.name}")
            modules += [sub.name for sub in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return modules


def _engine_exception_classes() -> dict[str, type[BaseException]]:
    """Public exception classes defined in the engine's modules."""
    found: dict[str, type[BaseException]] = {}
    for module_name in _engine_modules():
        for name, value in vars(importlib.import_module(module_name)).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module_name
                and not name.startswith("_")
                and name not in INTERNAL
            ):
                found[name] = value
    return found
