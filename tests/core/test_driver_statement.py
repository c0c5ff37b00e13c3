"""`DriverStatement`: the gate's hot-path statements on the driver's cursor, with SQLAlchemy's types.

Each test runs on the suite's database (SQLite, or PostgreSQL with HARKOP_TEST_DATABASE_URL), in
the test's transaction, on a table of its own created there and rolled back with it.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    Time,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from harkop.db.driver import DriverStatement
from harkop.extensions import db
from harkop.models_base import UTCDateTime

WITA = timezone(timedelta(hours=8))


class Colour(enum.Enum):
    """An enum stored by name, as the models' states are."""

    merah = "merah"
    putih = "putih"


probe = Table(
    "driver_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=True),
    Column("day", Date, nullable=True),
    Column("starts", Time, nullable=True),
    Column("colour", Enum(Colour, native_enum=False, length=10), nullable=True),
    Column("flag", Boolean, nullable=True),
)

ROWS = [
    {
        "name": "Koperasi Maju",
        "at": datetime(2024, 7, 26, 9, 30, 15, 123456, tzinfo=WITA),
        "day": date(2024, 7, 26),
        "starts": time(9, 0),
        "colour": Colour.merah,
        "flag": True,
    },
    {
        "name": "",
        "at": datetime(2024, 7, 27, 0, 0, tzinfo=UTC),
        "day": date(2024, 7, 27),
        "starts": time(13, 30),
        "colour": Colour.putih,
        "flag": False,
    },
    {"name": "Tanpa isi", "at": None, "day": None, "starts": None, "colour": None, "flag": None},
]


@pytest.fixture
def conn():
    """The session's connection with the probe table and three rows (all rolled back after the test)."""
    connection = db.session.connection()
    probe.create(connection)
    connection.execute(insert(probe), ROWS)
    return connection


def test_rows_are_the_rows_sqlalchemy_returns(conn):
    """Every column comes back as a Core query gives it: aware UTC timestamps, dates, times, enums, booleans."""
    stmt = select(probe).order_by(probe.c.id)
    expected = [tuple(r) for r in conn.execute(stmt)]
    got = DriverStatement(stmt).rows(conn, {})
    assert [tuple(r) for r in got] == expected
    first = got[0]
    assert first.at == ROWS[0]["at"] and first.at.tzinfo is not None and first.at.utcoffset() == timedelta(0)
    assert (first.day, first.starts, first.colour, first.flag) == (
        date(2024, 7, 26),
        time(9, 0),
        Colour.merah,
        True,
    )
    assert got[1].flag is False and got[1].colour is Colour.putih
    assert got[2].at is None and got[2].colour is None


def test_bound_values_go_through_their_column_types(conn):
    """A WITA timestamp, a date and an enum member are stored as SQLAlchemy would store them."""
    stmt = DriverStatement(
        text(
            "INSERT INTO driver_probe (name, at, day, colour, flag) VALUES (:name, :at, :day, :colour, :flag) "
            "RETURNING id"
        )
        .bindparams(
            bindparam("name", type_=String()),
            bindparam("at", type_=UTCDateTime()),
            bindparam("day", type_=Date()),
            bindparam("colour", type_=probe.c.colour.type),
            bindparam("flag", type_=Boolean()),
        )
        .columns(id=Integer)
    )
    at = datetime(2024, 7, 28, 17, 45, tzinfo=WITA)
    new_id = stmt.scalar(
        conn, {"name": "Baru", "at": at, "day": date(2024, 7, 28), "colour": Colour.putih, "flag": True}
    )
    row = conn.execute(select(probe).where(probe.c.id == new_id)).one()
    assert (row.at, row.day, row.colour, row.flag) == (at, date(2024, 7, 28), Colour.putih, True)
    # The UTC column's own rule holds on this path too.
    with pytest.raises(ValueError, match="naive"):
        stmt.scalar(
            conn,
            {"name": "x", "at": datetime(2024, 7, 28, 17, 45), "day": None, "colour": None, "flag": None},
        )


def test_a_named_parameter_filters_and_literals_keep_their_value(conn):
    """`bindparam("day")` takes the caller's value; a literal in the statement ("") needs none."""
    stmt = DriverStatement(
        select(probe.c.id, func.coalesce(func.nullif(probe.c.name, ""), "tanpa nama").label("label")).where(
            probe.c.day == bindparam("day")
        )
    )
    assert [r.label for r in stmt.rows(conn, {"day": date(2024, 7, 27)})] == ["tanpa nama"]
    assert [r.label for r in stmt.rows(conn, {"day": date(2024, 7, 26)})] == ["Koperasi Maju"]
    assert stmt.first(conn, {"day": date(2030, 1, 1)}) is None
    assert stmt.scalar(conn, {"day": date(2030, 1, 1)}) is None


def test_a_missing_value_is_an_error(conn):
    """A required parameter the caller forgot raises instead of binding NULL."""
    stmt = DriverStatement(select(probe.c.id).where(probe.c.day == bindparam("day")))
    with pytest.raises(KeyError):
        stmt.rows(conn, {})


def test_in_lists_are_refused(conn):
    """An expanding IN parameter is refused when the statement is first run."""
    stmt = DriverStatement(select(probe.c.id).where(probe.c.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="expanding"):
        stmt.rows(conn, {"ids": [1, 2]})


def test_a_driver_error_is_sqlalchemys_and_writes_nothing(conn):
    """A NOT NULL violation is raised as sqlalchemy.exc.IntegrityError and leaves no row."""
    stmt = DriverStatement(
        text("INSERT INTO driver_probe (name) VALUES (:name) RETURNING id")
        .bindparams(bindparam("name", type_=String()))
        .columns(id=Integer)
    )
    before = conn.execute(select(func.count()).select_from(probe)).scalar()
    savepoint = conn.begin_nested()
    with pytest.raises(IntegrityError):
        stmt.scalar(conn, {"name": None})
    savepoint.rollback()
    assert conn.execute(select(func.count()).select_from(probe)).scalar() == before


def test_it_runs_in_the_sessions_transaction(conn):
    """A row written by a driver statement goes when the session's (savepoint) transaction rolls back."""
    db.session.commit()  # the table and its rows stay (the test's outer transaction holds them)
    conn = db.session.connection()
    stmt = DriverStatement(
        text("INSERT INTO driver_probe (name) VALUES (:name) RETURNING id")
        .bindparams(bindparam("name", type_=String()))
        .columns(id=Integer)
    )
    new_id = stmt.scalar(conn, {"name": "Sementara"})
    assert conn.execute(select(probe.c.name).where(probe.c.id == new_id)).scalar() == "Sementara"
    db.session.rollback()
    assert db.session.connection().execute(select(probe.c.id).where(probe.c.id == new_id)).first() is None
