"""`Database.first` and `rows` run on the driver's own connection: psycopg's, or sqlite3's.

Why by hand: running a compiled, cached SELECT through SQLAlchemy's asyncio engine (the execution
context, the result's metadata, the greenlet hop, psycopg's column descriptions) cost 228 µs of
CPU per one-row read against 86 µs for the same query on psycopg alone, and a request makes one
to three of them (who is calling, then what it asks for). On SQLite, synchronous SQLAlchemy
(`thread_connections`) took about 40 µs where sqlite3 takes 10. SQLAlchemy still writes the SQL: each
statement is compiled once by the engine's own dialect, and every value passes through its
column type's bind and result processors, so a row holds what SQLAlchemy's row would hold.

Only what compiles to fixed SQL runs here: a SELECT with plain parameters. One with
parameters expanded at execution (``IN`` lists), or whose result has another number of columns
than it selects, is run by SQLAlchemy as before (`DriverReads.prepared` answers None).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Select
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any]
_PARAMSTYLES = frozenset({"pyformat", "qmark"})  # psycopg's and sqlite3's


class ResultRow(Protocol):
    """What the callers of `Database.first` and `rows` read of a row, whether SQLAlchemy's `Row`
    or a `Record`: attributes by key, and ``_mapping`` by key or column."""

    @property
    def _mapping(self) -> Mapping[Any, Any]: ...

    def __getattr__(self, key: str) -> Any: ...


class Shape:
    """A statement's result columns: their keys, positions and result processors. A processor
    may depend on the type the server answered (``type_codes``, psycopg's type OIDs), as
    SQLAlchemy's does, so the shape is made from a first result."""

    def __init__(self, statement: Select[Any], dialect: Dialect, type_codes: Sequence[int | None]) -> None:
        columns = list(statement.selected_columns)
        if len(type_codes) != len(columns):  # the positions would put values under wrong keys
            raise RuntimeError(f"{len(columns)} columns selected, {len(type_codes)} returned")
        self.keys: tuple[str, ...] = tuple(statement.selected_columns.keys())
        self.index: dict[Any, int] = {}
        for position, (key, column) in enumerate(zip(self.keys, columns, strict=True)):
            self.index.setdefault(column, position)
            self.index.setdefault(key, position)
        self.processors: tuple[tuple[int, Processor], ...] = tuple(
            (position, processor)
            for position, (column, code) in enumerate(zip(columns, type_codes, strict=True))
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, code)) is not None
        )

    def record(self, values: Sequence[Any]) -> Record:
        if not self.processors:
            return Record(self, tuple(values))
        converted = list(values)
        for position, processor in self.processors:
            converted[position] = processor(converted[position])
        return Record(self, tuple(converted))


class Record:
    """A row: its values by position, by key as attributes (``row.role``) and in ``_mapping`` by
    key or by the selected column object, as SQLAlchemy's `Row` offers them. Its repr names the
    keys only: a row may hold a password hash or sealed secrets."""

    __slots__ = ("_shape", "_values")

    def __init__(self, shape: Shape, values: tuple[Any, ...]) -> None:
        self._shape = shape
        self._values = values

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[self._shape.index[key]]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def _mapping(self) -> RecordMapping:
        return RecordMapping(self._shape, self._values)

    def __getitem__(self, position: int) -> Any:
        return self._values[position]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Record({', '.join(self._shape.keys)})"


class RecordMapping(Mapping[Any, Any]):
    __slots__ = ("_shape", "_values")

    def __init__(self, shape: Shape, values: tuple[Any, ...]) -> None:
        self._shape = shape
        self._values = values

    def __getitem__(self, key: Any) -> Any:
        return self._values[self._shape.index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._shape.keys)

    def __len__(self) -> int:
        return len(self._shape.keys)

    def __repr__(self) -> str:
        return f"RecordMapping({', '.join(self._shape.keys)})"


class DriverRead:
    """One SELECT compiled for the driver: its SQL, its parameters' processors and, once it has
    answered, its shape. ``first`` and ``all`` await psycopg's `AsyncConnection`; the
    ``_blocking`` pair runs on a `sqlite3.Connection`."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        self._statement = statement
        self._dialect = dialect
        self._compiled = statement.compile(dialect=dialect)
        self.sql = self._compiled.string
        self._bind_processors = {
            name: processor
            for name, bind in self._compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self._positions = self._compiled.positiontup if self._compiled.positional else None
        self._shape: Shape | None = None

    def parameters(self, given: Mapping[str, Any]) -> MutableMapping[str, Any] | tuple[Any, ...]:
        """Named for psycopg (``%(name)s``), in order for sqlite3 (``?``)."""
        values = self._compiled.construct_params(dict(given))
        for name, processor in self._bind_processors.items():
            values[name] = processor(values[name])
        if self._positions is not None:
            return tuple(values[name] for name in self._positions)
        return values

    async def first(self, driver: Any, params: Mapping[str, Any]) -> Record | None:
        cursor = await driver.execute(self.sql, self.parameters(params))
        row = await cursor.fetchone()
        return None if row is None else self._shape_of(cursor).record(row)

    async def all(self, driver: Any, params: Mapping[str, Any]) -> list[Record]:
        cursor = await driver.execute(self.sql, self.parameters(params))
        rows = await cursor.fetchall()
        shape = self._shape_of(cursor)
        return [shape.record(row) for row in rows]

    def first_blocking(self, driver: Any, params: Mapping[str, Any]) -> Record | None:
        cursor = driver.execute(self.sql, self.parameters(params))
        row = cursor.fetchone()
        return None if row is None else self._shape_of(cursor).record(row)

    def all_blocking(self, driver: Any, params: Mapping[str, Any]) -> list[Record]:
        cursor = driver.execute(self.sql, self.parameters(params))
        shape = self._shape_of(cursor)
        return [shape.record(row) for row in cursor.fetchall()]

    def _shape_of(self, cursor: Any) -> Shape:
        if self._shape is None:
            self._shape = Shape(self._statement, self._dialect, _type_codes(cursor))
        return self._shape


def _type_codes(cursor: Any) -> list[int | None]:
    """The type of each result column as the driver names it: psycopg's OIDs (sqlite3 has none)."""
    result = getattr(cursor, "pgresult", None)
    if result is None:
        return [None] * len(cursor.description)
    return [result.ftype(position) for position in range(result.nfields)]


class DriverReads:
    """Each statement's `DriverRead`, compiled the second time the statement object is run, and
    kept with it (weakly): that pays for the statements built once, as module constants, that
    every request runs. A statement built per call runs through SQLAlchemy, whose cache keys it by
    its structure rather than its identity."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._reads: weakref.WeakKeyDictionary[Any, DriverRead | None] = weakref.WeakKeyDictionary()
        self._seen: weakref.WeakSet[Any] = weakref.WeakSet()

    def prepared(self, statement: Any) -> DriverRead | None:
        if not isinstance(statement, Select) or self._dialect.paramstyle not in _PARAMSTYLES:
            return None
        try:
            return self._reads[statement]
        except KeyError:
            pass
        if statement not in self._seen:
            self._seen.add(statement)
            return None
        read = self._reads[statement] = self._compile(statement)
        return read

    def _compile(self, statement: Select[Any]) -> DriverRead | None:
        read = DriverRead(statement, self._dialect)
        compiled = read._compiled
        if compiled.escaped_bind_names or compiled.literal_execute_params or compiled.post_compile_params:
            return None
        if any(bind.expanding for bind in compiled.binds.values()):
            return None
        return read
