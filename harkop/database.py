"""Database engine behaviour: SQLite pragmas (WAL, foreign keys, busy timeout) and write locks.

SQLite in WAL mode refuses to upgrade a read transaction to a write one when another writer got
there first ("database is locked", without waiting). So a transaction that may write starts with
BEGIN IMMEDIATE, which waits for the lock (busy timeout) instead of failing later; read-only
requests start a plain deferred BEGIN and never block writers.
"""

from __future__ import annotations

import sqlite3
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Writes are the safe default (CLI, jobs, tests); GET requests switch to deferred.
sqlite_begin_mode: ContextVar[str] = ContextVar("sqlite_begin_mode", default="IMMEDIATE")

_installed = False


def install_sqlite_behaviour() -> None:
    """Register the engine listeners once per process."""
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is broken).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(conn) -> None:
        if conn.dialect.name != "sqlite":
            return
        conn.exec_driver_sql(f"BEGIN {sqlite_begin_mode.get()}")


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
