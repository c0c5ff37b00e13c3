"""`DriverStatement`: a hot-path statement run on the driver's own cursor, with SQLAlchemy's types.

Why it exists, and what it gained when measured: docs/decisions/0001-checkin-hot-path.md.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy import exc


class _DriverForm:
    """A `DriverStatement` compiled for one dialect: its SQL, bind order and type conversions."""

    def __init__(self, statement: Any, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if any(b.expanding for b in compiled.bind_names):
            raise ValueError("DriverStatement: expanding (IN) parameters are not supported")
        self.sql: str = compiled.string
        self.positional: tuple[str, ...] | None = tuple(compiled.positiontup) if compiled.positional else None
        # (name in the SQL, required from the caller, the statement's own value, type conversion):
        # the caller names `bindparam("x")` values; literals in the statement keep their value.
        self.binds: list[tuple[str, bool, Any, Callable | None]] = [
            (
                name,
                b.required,
                None if b.required else b.effective_value,
                b.type.dialect_impl(dialect).bind_processor(dialect),
            )
            for b, name in compiled.bind_names.items()
        ]
        columns = list(getattr(statement, "selected_columns", ()))
        self.row_type = namedtuple("Row", [c.key for c in columns]) if columns else None  # noqa: PYI024
        self.types = [c.type for c in columns]
        # The result processors, found at the first run from the driver's column type codes (a
        # statement's result types do not change; psycopg builds its description anew each time).
        self._processors: list[Callable | None] | None | bool = False

    def arguments(self, params: dict[str, Any]) -> Any:
        """The driver's parameters: converted by their types, in the dialect's parameter style."""
        values = {}
        for name, required, own, process in self.binds:
            value = params[name] if required else own
            values[name] = process(value) if process is not None else value
        if self.positional is not None:
            return tuple(values[name] for name in self.positional)
        return values

    def make_rows(self, raw_rows: list, cursor: Any, dialect) -> list[Any]:
        """Named rows with every column converted by its type's result processor."""
        processors = self._processors
        if processors is False:
            found = [
                t.dialect_impl(dialect).result_processor(dialect, d[1])
                for t, d in zip(self.types, cursor.description, strict=True)
            ]
            processors = self._processors = found if any(found) else None
        make = self.row_type._make  # type: ignore[union-attr]
        if processors is None:
            return [make(r) for r in raw_rows]
        return [
            make([p(v) if p is not None else v for p, v in zip(processors, r, strict=True)]) for r in raw_rows
        ]


class DriverStatement:
    """A hot-path statement run on the driver's own cursor, converted both ways by SQLAlchemy's types.

    SQLAlchemy's execution machinery (compiled cache, execution context, events, result object)
    costs more per statement than SQLite's own work on a small row, and the gate's scan runs
    three statements. For those few statements this keeps what makes SQLAlchemy faithful and
    leaves out the rest: the statement is a Core construct compiled once per dialect by
    SQLAlchemy itself (the dialect's own SQL and parameter style), every bound value goes through
    its type's `bind_processor` and every result column through its `result_processor` (UTC
    timestamps, dates, enums, booleans come back exactly as an ORM query gives them), and a
    driver error is raised as SQLAlchemy's `DBAPIError`, as `Connection.execute` would. What is
    left out: the engine's `before/after_cursor_execute` events and the result object.

    `connection` is the session's connection (`Session.connection()`), already in its
    transaction (or in the autocommit mode a request chose): the statement runs in it. Rows are
    named tuples with the statement's column keys. Only statements with named, scalar bind
    parameters (no `IN` lists to expand) are accepted.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._forms: dict[str, _DriverForm] = {}

    def _form(self, dialect) -> _DriverForm:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _DriverForm(self.statement, dialect)
        return form

    def rows(self, connection, params: dict[str, Any]) -> list[Any]:
        """Run the statement with `params` (by bind name); its rows (none for a statement without columns)."""
        dialect = connection.dialect
        form = self._form(dialect)
        args = form.arguments(params)
        dbapi = dialect.loaded_dbapi
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(form.sql, args)
            if form.row_type is None:
                return []
            raw_rows = cursor.fetchall()
            return form.make_rows(raw_rows, cursor, dialect) if raw_rows else []
        except dbapi.Error as err:
            raise exc.DBAPIError.instance(form.sql, args, err, dbapi.Error, dialect=dialect) from err
        finally:
            cursor.close()

    def first(self, connection, params: dict[str, Any]) -> Any:
        """The first row, or None."""
        rows = self.rows(connection, params)
        return rows[0] if rows else None

    def scalar(self, connection, params: dict[str, Any]) -> Any:
        """The first column of the first row, or None."""
        row = self.first(connection, params)
        return row[0] if row is not None else None
