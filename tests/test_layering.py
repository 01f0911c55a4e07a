"""docs/architecture.md's rule, enforced: a layer imports only from the layers below it, and the product
(store, platform, web) uses the engine only through its public API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "actionforge"

# Bottom to top. Foundation modules may be imported by every layer.
FOUNDATION = {"_version", "_lazy", "settings", "errors", "secrets", "examples"}
FACADE = {"action", "signin"}  # signin: the facade's browser sign-in for the CLI
LAYERS = [
    "openapi",
    "tools",
    "calls",
    "auth",
    "egress",
    "consent",
    "action",
    "store",
    "platform",
    "models",
    "chat",  # conversations: the tool loop, above the model providers, below the HTTP API
    "web",
    "testing",  # the scripted model server: below cli, which serves it (`actionforge testing model`)
    "cli",
]
# The product, built on the engine as any library user would: through `import actionforge`.
PRODUCT = {"store", "platform", "models", "chat", "web", "testing"}
# What the product may import from the engine: the package itself (`import actionforge`).
# `actionforge.consent` is public too (docs/architecture.md): the chat layer's approval decisions.
ENGINE_PUBLIC = {"actionforge", "actionforge.consent"}


def layer_of(module: str) -> int:
    """-1 for foundation, else the index in LAYERS; `actionforge/__init__` counts as the facade."""
    parts = module.split(".")
    if parts[0] != "actionforge":
        raise ValueError(module)
    head = parts[1] if len(parts) > 1 else "action"
    if head in FOUNDATION:
        return -1
    if head in FACADE:
        head = "action"
    return LAYERS.index(head)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "actionforge" or name.startswith("actionforge.")}


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return ".".join(parts)


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    own = module_name(path)
    own_layer = layer_of(own)
    upward = [name for name in imports_of(path) if name != "actionforge" and layer_of(name) > own_layer]
    assert not upward, f"{own} (layer {own_layer}) imports from higher layers: {upward}"


def test_foundation_imports_only_foundation() -> None:
    for path in MODULES:
        own = module_name(path)
        if own != "actionforge" and layer_of(own) == -1:
            assert all(layer_of(n) == -1 for n in imports_of(path) if n != "actionforge"), own


PRODUCT_MODULES = [
    p for p in MODULES if module_name(p).split(".")[1:2] and module_name(p).split(".")[1] in PRODUCT
]


@pytest.mark.parametrize("path", PRODUCT_MODULES, ids=[module_name(p) for p in PRODUCT_MODULES])
def test_product_layers_use_only_the_engines_public_api(path: Path) -> None:
    engine = {n for n in imports_of(path) if n.split(".")[1:2] == [] or n.split(".")[1] not in PRODUCT}
    private = sorted(engine - ENGINE_PUBLIC)
    assert not private, f"{module_name(path)} reaches into engine internals: {private}"
