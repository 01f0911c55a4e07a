"""`Database.first`, `rows` and `write_returning` run on the driver's own connection: psycopg's,
or sqlite3's.

Why by hand: running a compiled, cached statement through SQLAlchemy's asyncio engine (the
execution context, the result's metadata, the greenlet hop, psycopg's column descriptions) cost
228 µs of CPU per one-row read against 86 µs for the same query on psycopg alone, and a request
makes one to three of them (who is calling, then what it asks for, then the audit record). On
SQLite, synchronous SQLAlchemy (`thread_connections`) took 26-28 µs, this path 13.
SQLAlchemy still writes the SQL: each statement is compiled once by the engine's own dialect,
and every value passes through its column type's bind and result processors, so a row holds
what SQLAlchemy's row would hold.

Only what compiles to fixed SQL runs here: a SELECT, INSERT, UPDATE or DELETE with plain
parameters and no Python-side column defaults. One with parameters expanded at execution (``IN``
lists) or defaults SQLAlchemy computes before it sends is run by SQLAlchemy as before
(`DriverStatements.prepared` answers None). A result with another number of columns than the
statement names is refused (`Shape`), never read under the wrong keys.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

Processor = Callable[[Any], Any]
_PARAMSTYLES = frozenset({"pyformat", "qmark"})  # psycopg's and sqlite3's
_WRITES = (Insert, Update, Delete)


class ResultRow(Protocol):
    """What the callers of `Database.first`, `rows` and `write_returning` read of a row, whether
    SQLAlchemy's `Row` or a `Record`: attributes by key, values by position, and ``_mapping`` by
    key or column."""

    @property
    def _mapping(self) -> Mapping[Any, Any]: ...

    def __getattr__(self, key: str) -> Any: ...

    def __getitem__(self, position: int) -> Any: ...


class Shape:
    """A statement's result columns: their keys, positions and result processors. A processor
    may depend on the type the server answered (``type_codes``, psycopg's type OIDs), as
    SQLAlchemy's does, so the shape is made from a first result."""

    def __init__(self, statement: Any, dialect: Dialect, type_codes: Sequence[int | None]) -> None:
        named = _result_columns(statement)
        columns: list[ColumnElement[Any]] = list(named)
        if len(type_codes) != len(columns):  # the positions would put values under wrong keys
            raise RuntimeError(f"{len(columns)} columns named, {len(type_codes)} returned")
        self.keys: tuple[str, ...] = tuple(named.keys())
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


def _result_columns(statement: Any) -> Any:
    """A SELECT's columns, or the RETURNING columns of a write (none without RETURNING)."""
    return statement.selected_columns if isinstance(statement, Select) else statement.exported_columns


class _Plan:
    """Where each of a statement's parameters comes from, for one set of given names: a given
    value, or the value the statement holds (``where(c.at <= SEEN)``), then its bind processor.

    Why by hand: SQLAlchemy's ``construct_params`` finds each parameter again on every call, with
    its escaping, post-compile and extracted-parameter cases. On the audit record's 20 columns it
    took 49 µs of CPU a row under bench/api.py's test-operation load; the plan takes the values
    in one pass. Made once per set of names; the same names in another order make their own.
    """

    def __init__(self, slots: tuple[tuple[str, str | None, Any, Processor | None], ...], positional: bool):
        self._slots = slots  # (name in the SQL, given name or None for the held value, held value, processor)
        self._positional = positional

    @classmethod
    def of(
        cls, compiled: Any, positions: Sequence[str] | None, processors: Mapping[str, Processor],
        names: Sequence[str],
    ) -> _Plan:  # fmt: skip
        """The plan, or `_NO_PLAN` where a parameter would be computed at execution or is missing
        (SQLAlchemy then computes it, or raises its own error)."""
        given = frozenset(names)
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        slots = []
        for name in positions if positions is not None else binds:
            bind = binds[name]
            source = bind.key if bind.key in given else name if name in given else None
            if source is None and (bind.required or bind.callable is not None):
                return _NO_PLAN
            slots.append((name, source, bind.value, processors.get(name)))
        return cls(tuple(slots), positions is not None)

    def values(self, given: Mapping[str, Any]) -> MutableMapping[str, Any] | tuple[Any, ...]:
        values = []
        for _, source, held, processor in self._slots:
            value = held if source is None else given[source]
            values.append(value if processor is None else processor(value))
        if self._positional:
            return tuple(values)
        return {slot[0]: value for slot, value in zip(self._slots, values, strict=True)}


_NO_PLAN = _Plan((), positional=False)


class DriverStatement:
    """One statement compiled for the driver: its SQL, its parameters' processors and, once it
    has answered, its shape. ``first`` and ``all`` await psycopg's `AsyncConnection`; the
    ``_blocking`` ones run on a `sqlite3.Connection`. ``all`` of a write without RETURNING is
    empty."""

    def __init__(self, statement: Any, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._dialect = dialect
        self._compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        self._names = frozenset(column_keys or ())
        self.sql = self._compiled.string
        self._bind_processors = {  # by the name each parameter has in the SQL (an anonymous one's is made up)
            self._compiled.bind_names[bind]: processor
            for bind in self._compiled.binds.values()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self._positions = self._compiled.positiontup if self._compiled.positional else None
        self._shape: Shape | None = None
        self._plans: dict[tuple[str, ...], _Plan] = {}  # by the given parameters' names, in order
        self.table: str = getattr(getattr(statement, "table", None), "name", "")  # a write's; "" for a SELECT

    @property
    def runs_as_compiled(self) -> bool:
        """Whether the SQL is all there is to send: nothing expanded or computed at execution."""
        compiled = self._compiled
        return not (
            compiled.escaped_bind_names
            or compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.insert_prefetch
            or compiled.update_prefetch
            or any(bind.expanding for bind in compiled.binds.values())
        )

    def parameters(self, given: Mapping[str, Any]) -> MutableMapping[str, Any] | tuple[Any, ...]:
        """Named for psycopg (``%(name)s``), in order for sqlite3 (``?``), by the plan made for
        the names ``given`` has (`_Plan`); SQLAlchemy's own ``construct_params`` where no plan can
        be made (a parameter left out: it raises SQLAlchemy's error)."""
        names = tuple(given)
        plan = self._plans.get(names)
        if plan is None:
            plan = self._plans[names] = _Plan.of(
                self._compiled, self._positions, self._bind_processors, names
            )
        if plan is _NO_PLAN:
            return self._constructed(given)
        return plan.values(given)

    def _constructed(self, given: Mapping[str, Any]) -> MutableMapping[str, Any] | tuple[Any, ...]:
        values: MutableMapping[str, Any] = self._compiled.construct_params(dict(given))
        for name, processor in self._bind_processors.items():
            values[name] = processor(values[name])
        if self._positions is not None:
            return tuple(values[name] for name in self._positions)
        return values

    async def first(self, driver: Any, params: Mapping[str, Any]) -> Record | None:
        with self._errors():
            cursor = await driver.execute(self.sql, self.parameters(params))
            row = await cursor.fetchone()
            shape = self._shape_of(cursor)
            await cursor.close()
        return None if row is None else shape.record(row)

    async def all(self, driver: Any, params: Mapping[str, Any]) -> list[Record]:
        with self._errors():
            cursor = await driver.execute(self.sql, self.parameters(params))
            rows = [] if cursor.description is None else await cursor.fetchall()  # None: no RETURNING
        return [self._shape_of(cursor).record(row) for row in rows]

    def first_blocking(self, driver: Any, params: Mapping[str, Any]) -> Record | None:
        with self._errors():
            cursor = driver.execute(self.sql, self.parameters(params))
            row = cursor.fetchone()
            shape = self._shape_of(cursor)
            cursor.close()  # at once: an unfinished SELECT alive holds its read snapshot (WAL)
        return None if row is None else shape.record(row)

    def all_blocking(self, driver: Any, params: Mapping[str, Any]) -> list[Record]:
        with self._errors():
            cursor = driver.execute(self.sql, self.parameters(params))
            rows = [] if cursor.description is None else cursor.fetchall()
        return [self._shape_of(cursor).record(row) for row in rows]

    async def many(self, driver: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """An INSERT without RETURNING, once for each of ``rows``, sent as one COPY: a single
        statement, all rows or none even in autocommit, in one round trip. A transaction around
        pipelined INSERTs took three, and at the six rows of a typical audit batch under load the
        round trips were most of its cost. The values pass through the same bind processors."""
        await self.many_taken(driver, lambda: rows)

    async def many_taken(self, driver: Any, take: Callable[[], Sequence[Mapping[str, Any]]]) -> None:
        """`many`, with the rows taken (``take()``) only once the COPY is open: rows that arrive
        during its first round trip go with it (`Database.insert_taking`)."""
        assert self._copy is not None  # see `copies`
        sql, keys = self._copy
        with self._errors():
            async with driver.cursor() as cursor, cursor.copy(sql) as copy:
                for row in take():
                    named = self.parameters(row)
                    assert not isinstance(named, tuple)  # psycopg's parameters are named
                    await copy.write_row([named[key] for key in keys])

    @property
    def copies(self) -> bool:
        """Whether `many` can send it: an INSERT that returns nothing."""
        return self._copy is not None

    @cached_property
    def _copy(self) -> tuple[str, tuple[str, ...]] | None:
        """The COPY an INSERT that returns nothing becomes, with the parameter names in its
        columns' order; made once, as the SQL is. None for any other statement."""
        statement = self._statement
        if not isinstance(statement, Insert) or len(_result_columns(statement)):
            return None
        preparer = self._dialect.identifier_preparer
        columns = [c for c in statement.table.columns if c.key in self._names]
        table = preparer.format_table(statement.table)
        names = ", ".join(preparer.quote(c.name) for c in columns)
        return f"COPY {table} ({names}) FROM STDIN", tuple(c.key for c in columns)

    def many_blocking(self, driver: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """A write without RETURNING, once for each of ``rows`` (each with the parameter names this
        statement was compiled for). sqlite3 opens the transaction itself; the caller commits."""
        with self._errors():
            driver.executemany(self.sql, [self.parameters(row) for row in rows])

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The driver's errors as SQLAlchemy raises them (`IntegrityError`, `OperationalError`,
        ...), so callers catch one hierarchy whichever path ran; never with the parameters in the
        message (a token's hash, a secret being stored)."""
        dbapi = self._dialect.loaded_dbapi
        try:
            yield
        except dbapi.Error as error:
            raise DBAPIError.instance(
                self.sql, None, error, dbapi.Error, hide_parameters=True, dialect=self._dialect
            ) from error

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


class DriverStatements:
    """Each statement's `DriverStatement`, compiled the second time the statement object is run,
    and kept with it (weakly): that pays for the statements built once, as module constants, that
    every request runs. A statement built per call runs through SQLAlchemy, whose cache keys it by
    its structure rather than its identity. A write is compiled per set of parameter names, as
    SQLAlchemy compiles it: an INSERT's columns are the values it is given."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: weakref.WeakKeyDictionary[Any, dict[frozenset[str], DriverStatement | None]] = (
            weakref.WeakKeyDictionary()
        )
        self._seen: weakref.WeakSet[Any] = weakref.WeakSet()

    def prepared(self, statement: Any, params: Mapping[str, Any]) -> DriverStatement | None:
        if not isinstance(statement, (Select, *_WRITES)) or self._dialect.paramstyle not in _PARAMSTYLES:
            return None
        names = frozenset(params) if isinstance(statement, _WRITES) else frozenset()
        by_names = self._compiled.get(statement)
        if by_names is None:
            if statement not in self._seen:
                self._seen.add(statement)
                return None
            by_names = self._compiled[statement] = {}
        try:
            return by_names[names]
        except KeyError:
            found = by_names[names] = self._compile(statement, names)
            return found

    def _compile(self, statement: Any, names: frozenset[str]) -> DriverStatement | None:
        compiled = DriverStatement(statement, self._dialect, sorted(names) if names else None)
        return compiled if compiled.runs_as_compiled else None
