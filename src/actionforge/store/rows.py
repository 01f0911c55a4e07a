"""Objects of the mapped classes from the columns of a Core row.

The requests every page and script make (who is calling, which action is being tested) read
their rows with Core statements, at half the CPU of an ORM session. The code after them works
with the mapped classes, so the row's columns become one: a plain, detached object, like those
an ORM session hands out after it closes (`Database` never expires them).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Row, inspect

from actionforge.store.tables import Base

T = TypeVar("T", bound=Base)


def entity(cls: type[T], row: Row[Any]) -> T:
    """``cls`` filled from the columns of its table that ``row`` holds (selected as Column objects,
    so two tables' ``id`` columns do not collide)."""
    values = row._mapping
    return cls(**{attr.key: values[attr.columns[0]] for attr in inspect(cls).column_attrs})
