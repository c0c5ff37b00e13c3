"""Database engine behaviour: SQLite pragmas (WAL, foreign keys, busy timeout) and write locks.

SQLite in WAL mode refuses to upgrade a read transaction to a write one when another writer got
there first ("database is locked", without waiting). So a transaction that may write starts with
BEGIN IMMEDIATE, which waits for the lock (busy timeout) instead of failing later; read-only
requests start a plain deferred BEGIN and never block writers.

Writers queue. SQLite's own wait for the write lock is a sleep-and-retry loop (1, 2, 5, 10 … 100
ms): under a crowd of scanners a waiting writer sleeps long after the lock came free, and a
newcomer may take it first, which made the tail of the check-in latency hundreds of
milliseconds. So before BEGIN IMMEDIATE a connection enters a queue of its own, one per
database file: a thread lock within the process, then an advisory `flock` on `<file>-writers`
across processes (gunicorn workers, the scheduler, the CLI). It leaves the queue as soon as its
transaction ends (commit, rollback, close). Waiting there is bounded by the same busy timeout;
after it the connection goes on to SQLite's own wait, so the queue can slow nothing down that
SQLite would not. In-memory databases have no file and no queue.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

# Writes are the safe default (CLI, jobs, tests); GET requests switch to deferred.
sqlite_begin_mode: ContextVar[str] = ContextVar("sqlite_begin_mode", default="IMMEDIATE")

_installed = False
BUSY_TIMEOUT_MS = 15000
log = logging.getLogger(__name__)


class WriterQueue:
    """One writing transaction at a time per database file, queued without SQLite's sleeps."""

    def __init__(self, path: str) -> None:
        self.path = path + "-writers"
        self._pid: int | None = None

    def _fresh(self) -> None:
        # Per process: after a fork the parent's lock and open file must not be shared. The
        # process id is set last: other threads read it, unlocked, to know the rest is ready.
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._pid = os.getpid()

    def enter(self, timeout: float) -> bool:
        """Wait for this file's writer turn (at most `timeout` seconds); False when it did not come."""
        if self._pid != os.getpid():
            with _queues_lock:  # the first writers of a new process may arrive together
                if self._pid != os.getpid():
                    self._fresh()
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            log.warning(
                "writers' queue of %s: another thread of this process kept it %.0f s", self.path, timeout
            )
            return False
        try:
            if self._depth == 0 and not self._take_file_lock(deadline):
                self._thread_lock.release()
                log.warning("writers' queue of %s: another process kept it %.0f s", self.path, timeout)
                return False
        except BaseException:
            self._thread_lock.release()  # never keep the thread lock on the way out
            raise
        self._depth += 1
        return True

    def _take_file_lock(self, deadline: float) -> bool:
        pause = 0.00005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def leave(self) -> None:
        """Give the turn to the next writer."""
        self._depth -= 1
        if self._depth == 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def writer_queue(path: str) -> WriterQueue:
    """The queue of a database file (one object per file and process)."""
    with _queues_lock:
        queue = _queues.get(path)
        if queue is None:
            queue = _queues[path] = WriterQueue(path)
        return queue


class QueuedConnection(sqlite3.Connection):
    """A SQLite connection that leaves its file's writer queue when its transaction ends."""

    writer_queue: WriterQueue | None = None
    _in_queue = False

    def enter_writer_queue(self) -> None:
        """Take a place in the queue before BEGIN IMMEDIATE (no-op without a file)."""
        if self.writer_queue is not None and not self._in_queue:
            self._in_queue = self.writer_queue.enter(BUSY_TIMEOUT_MS / 1000)

    def leave_writer_queue(self) -> None:
        """Leave the queue if this connection holds a place in it."""
        if self._in_queue:
            self._in_queue = False
            self.writer_queue.leave()  # type: ignore[union-attr]

    def commit(self) -> None:
        """Commit, then leave the queue."""
        try:
            super().commit()
        finally:
            self.leave_writer_queue()

    def rollback(self) -> None:
        """Roll back, then leave the queue."""
        try:
            super().rollback()
        finally:
            self.leave_writer_queue()

    def close(self) -> None:
        """Close, then leave the queue."""
        try:
            super().close()
        finally:
            self.leave_writer_queue()


def install_sqlite_behaviour() -> None:
    """Register the engine listeners once per process."""
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Engine, "do_connect")
    def _queued_connections(dialect, _record, _cargs, cparams) -> None:
        if dialect.name == "sqlite":
            cparams.setdefault("factory", QueuedConnection)

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is broken).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if isinstance(dbapi_connection, QueuedConnection):
            path = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
            if path:
                dbapi_connection.writer_queue = writer_queue(path)
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(conn) -> None:
        if conn.dialect.name != "sqlite":
            return
        mode = sqlite_begin_mode.get()
        if mode == "AUTOCOMMIT":
            # No transaction: each statement reads the latest commit on its own (see the module's
            # users: only reads that need no common snapshot run this way).
            return
        _begin(conn, f"BEGIN {mode}", queued=mode == "IMMEDIATE")


def _begin(connection, statement: str, *, queued: bool) -> None:
    """Issue BEGIN…, a writer first taking its place in the file's queue (left again if BEGIN fails)."""
    dbapi_connection = connection.connection.dbapi_connection
    queued = queued and isinstance(dbapi_connection, QueuedConnection)
    if queued:
        dbapi_connection.enter_writer_queue()
    try:
        connection.exec_driver_sql(statement)
    except BaseException:
        if queued:
            dbapi_connection.leave_writer_queue()
        raise


def reads_without_transaction(session) -> None:
    """Let a request read without a transaction, each statement seeing the latest commit.

    For a request whose reads need no common snapshot and whose writes come last (a scan at the
    gate): it starts no transaction at its first read; `begin_write` or `single_write` cover the
    writes. SQLite: the AUTOCOMMIT begin mode (no BEGIN). Other databases: the session's
    connection in AUTOCOMMIT isolation (no BEGIN round trip; the pool resets it on return). A
    session bound to a connection of its own (the tests' enclosing transaction) is left as it is.
    """
    bind = session.get_bind()
    if isinstance(bind, Connection):
        return
    if bind.dialect.name == "sqlite":
        sqlite_begin_mode.set("AUTOCOMMIT")
    else:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _outside_transaction(connection) -> bool:
    dbapi_connection = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite":
        return not dbapi_connection.in_transaction
    return (
        bool(getattr(dbapi_connection, "autocommit", False)) and not dbapi_connection.info.transaction_status
    )


def begin_write(connection) -> None:
    """Start, now, the write transaction of a request that read without one; the session's commit ends it.

    SQLite: the writers' queue, then BEGIN IMMEDIATE on the same connection. PostgreSQL: BEGIN
    on the AUTOCOMMIT connection (the driver's commit then sends COMMIT). A connection already in
    a transaction (the tests' enclosing one) goes on as it is.
    """
    if not _outside_transaction(connection):
        return
    sqlite = connection.dialect.name == "sqlite"
    _begin(connection, "BEGIN IMMEDIATE" if sqlite else "BEGIN", queued=sqlite)


@contextmanager
def single_write(connection) -> Iterator[None]:
    """Around one statement that is its own transaction (a request that read without one).

    The database makes a lone INSERT atomic by itself: no BEGIN and no COMMIT to send. On SQLite
    the writers' queue is held around it.
    """
    dbapi_connection = connection.connection.dbapi_connection
    queued = isinstance(dbapi_connection, QueuedConnection) and _outside_transaction(connection)
    if queued:
        dbapi_connection.enter_writer_queue()
    try:
        yield
    finally:
        if queued:
            dbapi_connection.leave_writer_queue()


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


# Search structures written by hand in migration 0002 (the SQLite FTS5 table with its shadow
# tables, the PostgreSQL trigram index): not in the models, so autogenerate must neither drop
# them nor report them as differences.
UNMANAGED_TABLE_PREFIXES = ("cooperative_fts",)
UNMANAGED_INDEXES = frozenset({"ix_cooperative_name_trgm"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the hand-written search structures out of comparisons."""
    if type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES):
        return False
    if type_ == "index" and name in UNMANAGED_INDEXES:
        return False
    return True
