"""A request's transaction mode, on SQLite and PostgreSQL alike: read first without one, then write.

For a request whose reads need no common snapshot and whose writes come last (the gate's scan,
where the once-per-day decision is a guarded INSERT's, not the reads'): `reads_without_transaction`
starts nothing at the first read; `begin_write` opens the write transaction just before the
writes, or `single_write` covers one statement that is its own transaction. On SQLite the writes
wait in the file's writers' queue (`harkop.db.sqlite`), so the write lock covers them alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from .sqlite import QueuedConnection, issue_begin, sqlite_begin_mode


def reads_without_transaction(session) -> None:
    """Let a request read without a transaction, each statement seeing the latest commit.

    It starts no transaction at its first read; `begin_write` or `single_write` cover the
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


def outside_transaction(connection) -> bool:
    """True when the connection's driver is not in a transaction (it reads in autocommit)."""
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
    a transaction (the tests' enclosing one, or a request that never left its transaction) goes
    on as it is.
    """
    if not outside_transaction(connection):
        return
    sqlite = connection.dialect.name == "sqlite"
    issue_begin(connection, "BEGIN IMMEDIATE" if sqlite else "BEGIN", queued=sqlite)


@contextmanager
def single_write(connection) -> Iterator[None]:
    """Around one statement that is its own transaction (a request that read without one).

    The database makes a lone INSERT atomic by itself: no BEGIN and no COMMIT to send. On SQLite
    the writers' queue is held around it.
    """
    dbapi_connection = connection.connection.dbapi_connection
    queued = isinstance(dbapi_connection, QueuedConnection) and outside_transaction(connection)
    if queued:
        dbapi_connection.enter_writer_queue()
    try:
        yield
    finally:
        if queued:
            dbapi_connection.leave_writer_queue()
