"""Keyset pagination over a table's sortable string ids (see `types.new_id`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


async def page(
    session: AsyncSession,
    query: Select[T],
    key: InstrumentedAttribute[Any],
    *,
    after: str | None,
    limit: int,
    newest_first: bool = False,
) -> Page[T]:
    """Up to ``limit`` rows of ``query`` whose ``key`` sorts after ``after``, in key order; with
    ``newest_first``, those before it, in reverse order (ids sort by creation time)."""
    if after is not None:
        query = query.where(key < after if newest_first else key > after)
    order = key.desc() if newest_first else key
    rows = list((await session.scalars(query.order_by(order).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(getattr(rows[-1], key.key)) if more and rows else None)
