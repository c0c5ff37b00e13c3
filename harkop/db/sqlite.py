"""SQLite's connection set-up: pragmas (WAL, foreign keys, busy timeout), the writers' queue, BEGIN modes.

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

Every listener here leaves other databases alone: on PostgreSQL nothing of this runs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

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
        issue_begin(conn, f"BEGIN {mode}", queued=mode == "IMMEDIATE")


def issue_begin(connection, statement: str, *, queued: bool) -> None:
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
