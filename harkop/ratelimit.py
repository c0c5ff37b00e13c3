"""Rate-limit counters in the database, shared by every worker and machine (`harkopdb://`).

Flask-Limiter counts in a storage from the `limits` library. Its in-memory storage counts per
process, so with four gunicorn workers "10 per minute" became 40; `limits` offers Redis,
Memcached, MongoDB and others, but nothing SQL. This module registers one more storage with
`limits`, `harkopdb://`, that keeps fixed-window counters in the `rate_limit_counter` table of
Harkop's own database. It is the default (`HARKOP_RATELIMIT_STORAGE_URI` unset); Redis
(`redis://…`) remains the choice for a busy deployment.

Each hit is one upsert in a short transaction on a connection of its own, committed at once, so
a refused login (whose own transaction is rolled back) still counts. Only the routes that carry
a limit touch it: the login and invitation forms. A limit is never checked after the request
opened a writing transaction (Flask-Limiter checks before the view runs), so the two never wait
on each other's SQLite lock.
"""

from __future__ import annotations

import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .db.sqlite import sqlite_begin_mode
from .extensions import db


class RateLimitCounter(db.Model):
    """One fixed-window counter: its key, the hits so far, when the window ends (epoch seconds)."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class DatabaseStorage(Storage):
    """`limits` storage on Harkop's database (fixed windows only, which is what Harkop uses)."""

    STORAGE_SCHEME = ["harkopdb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:  # noqa: D102
        return SQLAlchemyError

    def _run(self, work):
        # A connection and transaction of its own, committed before the request goes on.
        mode = sqlite_begin_mode.set("IMMEDIATE")
        try:
            with db.engine.begin() as connection:
                return work(connection)
        finally:
            sqlite_begin_mode.reset(mode)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` hits to `key`'s window (a new window when the old one ended); the new count."""
        table = RateLimitCounter.__table__
        now = time.time()

        def work(connection):
            insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
            expired = table.c.expires_at <= now
            stmt = (
                insert(table)
                .values(key=key, count=amount, expires_at=now + expiry)
                .on_conflict_do_update(
                    index_elements=[table.c.key],
                    set_={
                        "count": case((expired, amount), else_=table.c.count + amount),
                        "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
                    },
                )
                .returning(table.c.count)
            )
            return int(connection.execute(stmt).scalar_one())

        return self._run(work)

    def get(self, key: str) -> int:
        """The hits in `key`'s current window (0 when it ended)."""
        table = RateLimitCounter.__table__
        now = time.time()
        value = self._run(
            lambda c: c.execute(
                select(table.c.count).where(table.c.key == key, table.c.expires_at > now)
            ).scalar()
        )
        return int(value or 0)

    def get_expiry(self, key: str) -> float:
        """When `key`'s window ends (epoch seconds; now when there is none)."""
        table = RateLimitCounter.__table__
        value = self._run(lambda c: c.execute(select(table.c.expires_at).where(table.c.key == key)).scalar())
        return float(value) if value is not None else time.time()

    def check(self) -> bool:
        """True while the database answers."""
        try:
            self._run(lambda c: c.execute(select(1)).scalar())
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        table = RateLimitCounter.__table__
        return self._run(lambda c: c.execute(delete(table)).rowcount)

    def clear(self, key: str) -> None:
        """Forget one counter."""
        table = RateLimitCounter.__table__
        self._run(lambda c: c.execute(delete(table).where(table.c.key == key)))


def purge_expired(*, now: float | None = None) -> int:
    """Delete counters whose window ended (the daily job keeps the table small). Flushes."""
    table = RateLimitCounter.__table__
    cutoff = now if now is not None else time.time()
    return db.session.execute(delete(table).where(table.c.expires_at < cutoff)).rowcount or 0
