"""SQLite's writers' queue: a write transaction holds its file's `-writers` lock until it ends.

These run on a SQLite file of their own whatever database the suite uses: the queue is SQLite's.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from harkop.db import sqlite
from harkop.db.sqlite import WriterQueue, install_sqlite_behaviour, sqlite_begin_mode
from harkop.db.transactions import begin_write, single_write


@pytest.fixture
def engine(tmp_path):
    """An engine on a fresh SQLite file with Harkop's connection behaviour, and one table."""
    install_sqlite_behaviour()
    eng = create_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield eng
    eng.dispose()


def queue_is_taken(engine) -> bool:
    """True when another process could not take the writers' lock now (tried from a fresh descriptor)."""
    fd = os.open(engine.url.database + "-writers", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_write_transaction_holds_the_queue_until_it_ends(engine, end):
    """BEGIN IMMEDIATE takes the file's writers' lock; commit, rollback or close gives it back."""
    conn = engine.connect()
    conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    assert queue_is_taken(engine)
    getattr(conn, end)()
    assert not queue_is_taken(engine)
    conn.close()


def test_read_transactions_do_not_queue(engine):
    """A deferred (read-only) transaction leaves the queue free for writers."""
    token = sqlite_begin_mode.set("DEFERRED")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
            assert not queue_is_taken(engine)
    finally:
        sqlite_begin_mode.reset(token)


def test_a_second_writer_waits_for_the_first_to_commit(engine):
    """While one connection writes, another's write waits in the queue and goes on after the commit."""
    first = engine.connect()
    first.execute(text("INSERT INTO t (v) VALUES ('first')"))
    done = threading.Event()

    def second_writer():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES ('second')"))
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not done.wait(0.3)
    first.commit()
    assert done.wait(5)
    thread.join()
    first.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t ORDER BY id")).scalars().all() == ["first", "second"]


def test_a_writer_that_cannot_queue_in_time_still_writes(engine, monkeypatch):
    """If the queue is not free within the busy timeout, the write goes on to SQLite's own wait."""
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 200)
    fd = os.open(engine.url.database + "-writers", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # someone else's turn that never ends (SQLite itself is free)
    try:
        started = time.monotonic()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES ('late')"))
        assert 0.15 <= time.monotonic() - started < 5
    finally:
        os.close(fd)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t")).scalars().all() == ["late"]


def test_begin_write_turns_autocommit_reads_into_a_write_transaction(engine):
    """Reads in AUTOCOMMIT mode hold nothing; begin_write then queues and begins IMMEDIATE."""
    token = sqlite_begin_mode.set("AUTOCOMMIT")
    try:
        conn = engine.connect()
        conn.execute(text("SELECT count(*) FROM t"))
        dbapi_connection = conn.connection.dbapi_connection
        assert not dbapi_connection.in_transaction and not queue_is_taken(engine)
        begin_write(conn)
        assert dbapi_connection.in_transaction and queue_is_taken(engine)
        conn.execute(text("INSERT INTO t (v) VALUES ('w')"))
        conn.commit()
        assert not queue_is_taken(engine)
        conn.close()
    finally:
        sqlite_begin_mode.reset(token)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t")).scalars().all() == ["w"]


def test_single_write_holds_the_queue_around_one_statement_only(engine):
    """A lone INSERT after AUTOCOMMIT reads: queued while it runs, committed by itself, queue free after."""
    token = sqlite_begin_mode.set("AUTOCOMMIT")
    try:
        conn = engine.connect()
        with single_write(conn):
            assert queue_is_taken(engine)
            conn.execute(text("INSERT INTO t (v) VALUES ('alone')"))
        assert not queue_is_taken(engine)
        assert not conn.connection.dbapi_connection.in_transaction
        conn.close()  # no commit: the statement was its own transaction
    finally:
        sqlite_begin_mode.reset(token)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t")).scalars().all() == ["alone"]


def test_one_writer_at_a_time_even_when_a_new_process_starts_with_many(tmp_path):
    """The first writers of a fresh process arrive together: still one holder at a time, and all get in."""
    queue = WriterQueue(str(tmp_path / "fresh.db"))
    barrier = threading.Barrier(16)
    lock = threading.Lock()
    holders, most, entered = [0], [0], []

    def writer(i):
        barrier.wait()
        assert queue.enter(5)
        with lock:
            holders[0] += 1
            most[0] = max(most[0], holders[0])
        time.sleep(0.002)
        with lock:
            holders[0] -= 1
        queue.leave()
        entered.append(i)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(entered) == list(range(16))
    assert most[0] == 1
