"""Helpers shared by every model: UTC timestamps and partial indexes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, text
from sqlalchemy.types import TypeDecorator

from . import clock


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return clock.as_utc(value) if dialect.name != "sqlite" else clock.as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        return clock.as_utc(value)


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows where `where` holds, the same on SQLite and PostgreSQL.

    Both databases accept the same WHERE text; a unique one says "at most one such row" (one
    head judge per competition, one valid ticket per participant).
    """
    return Index(name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where))
