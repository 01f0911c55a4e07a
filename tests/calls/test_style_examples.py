"""Every cell of the OpenAPI "Style Examples" table, read from the specification texts.

The expected strings are parsed from tests/data/spec/openapi/openapi-3.1.2.md and openapi-3.0.4.md
at test time, so the test follows the spec text rather than a copy of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actionforge.calls.serialize import header_value, path_value, query_pairs
from tests.data import OPENAPI_SPECS

VALUES: dict[str, Any] = {
    "undefined": None,
    "string": "blue",
    "array": ["blue", "black", "brown"],
    "object": {"R": 100, "G": 200, "B": 150},
}
PATH_STYLES = {"matrix", "label", "simple"}
QUERY_STYLES = {"form", "spaceDelimited", "pipeDelimited", "deepObject"}
SPEC_FILES = ("openapi-3.1.2.md", "openapi-3.0.4.md")


@dataclass(frozen=True)
class Cell:
    spec: str
    style: str
    explode: bool
    column: str
    expected: str | None  # None: the table says n/a (undefined behaviour)

    @property
    def id(self) -> str:
        return f"{self.spec}-{self.style}-explode={self.explode}-{self.column}"


def _clean(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", cell).strip()


def parse_style_table(text: str, spec: str) -> list[Cell]:
    section = text.split("##### Style Examples", 1)[1]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| [`style`]"))
    header = [_clean(c).strip("`") for c in lines[start].strip("|").split("|")]
    columns = [c.strip("`") for c in header[2:]]
    cells: list[Cell] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        row = [_clean(c) for c in line.strip().strip("|").split("|")]
        style, explode = row[0], row[1] == "true"
        for column, raw in zip(columns, row[2:], strict=True):
            if raw == "_n/a_":
                expected = None
            elif raw == "_empty_":
                expected = ""
            else:
                # 3.0.4 prefixes query examples with "?" "as if it were the only query
                # parameter"; the serialization of one parameter is what follows it.
                expected = raw[1:] if style in QUERY_STYLES and raw.startswith("?") else raw
            cells.append(Cell(spec, style, explode, column, expected))
    return cells


def _all_cells(spec_dir: Path) -> list[Cell]:
    cells: list[Cell] = []
    for name in SPEC_FILES:
        cells.extend(parse_style_table((spec_dir / name).read_text(encoding="utf-8"), name))
    return cells


SPEC_DIR = OPENAPI_SPECS
CELLS = _all_cells(SPEC_DIR)


def test_the_table_was_read_completely(openapi_spec_texts: Path) -> None:
    assert openapi_spec_texts == SPEC_DIR
    for spec in SPEC_FILES:
        cells = [c for c in CELLS if c.spec == spec]
        # 14 rows (7 styles x explode) x 4 value columns.
        assert len(cells) == 56
        assert {c.column for c in cells} == set(VALUES)
        assert {c.style for c in cells} == PATH_STYLES | QUERY_STYLES
        # The defined cells: 6 path rows x 4, form 2 x 4, delimited 2 x 2, deepObject 1.
        assert sum(c.expected is not None for c in cells) == 24 + 8 + 4 + 1


def _serialize(cell: Cell) -> str:
    value = VALUES[cell.column]
    if cell.style in PATH_STYLES:
        return path_value("color", value, style=cell.style, explode=cell.explode)
    return "&".join(query_pairs("color", value, style=cell.style, explode=cell.explode))


@pytest.mark.parametrize("cell", [c for c in CELLS if c.expected is not None], ids=lambda c: c.id)
def test_style_example_cell(cell: Cell) -> None:
    assert _serialize(cell) == cell.expected


@pytest.mark.parametrize(
    "cell", [c for c in CELLS if c.style == "simple" and c.expected is not None], ids=lambda c: c.id
)
def test_headers_use_the_simple_row(cell: Cell) -> None:
    """Header parameters are style simple; the table's values need no percent-encoding."""
    assert header_value("color", VALUES[cell.column], explode=cell.explode) == cell.expected
