"""The action editor's built-in schema examples, verbatim from the original (openai-actions.md App. A)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Example:
    key: str
    label: str  # as the editor's "Examples" select shows it
    filename: str

    def text(self) -> str:
        raw = resources.files(__package__).joinpath(self.filename).read_text(encoding="utf-8")
        # The original inserts JSON.stringify(obj, null, 2), which has no trailing newline.
        return raw.rstrip("\n") if self.filename.endswith(".json") else raw


EXAMPLES: tuple[Example, ...] = (
    Example("weather", "Weather (JSON)", "weather.json"),
    Example("petstore", "Pet Store (YAML)", "petstore.yaml"),
    Example("blank", "Blank Template", "blank.json"),
)


def example_text(key: str) -> str:
    """The text of a built-in example by key ("weather", "petstore", "blank")."""
    for example in EXAMPLES:
        if example.key == key:
            return example.text()
    raise KeyError(f"no example {key!r}; choose one of {', '.join(e.key for e in EXAMPLES)}")
