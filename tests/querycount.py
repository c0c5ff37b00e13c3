"""Count the SQL statements a block runs (N+1 checks: the same count for more rows)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from harkop.extensions import db

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The statements run inside the block, in order (the list fills as they run)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def writes(statements: list[str]) -> list[str]:
    """The statements among these that write (INSERT, UPDATE, DELETE)."""
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]
