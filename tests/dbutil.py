"""Fresh test databases: a SQLite file or a PostgreSQL schema, built by the migrations."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from harkop.config import normalise_database_url

PG_URL = os.environ.get("HARKOP_TEST_DATABASE_URL")
CREATED_SCHEMAS: list[str] = []
STALE_AFTER_SECONDS = 6 * 3600


def using_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return bool(PG_URL)


def fresh_database_url(tmp_dir: Path, name: str = "") -> str:
    """A new empty database: a file under tmp_dir, or a new schema in the test PostgreSQL."""
    if not PG_URL:
        return f"sqlite:///{tmp_dir / f'{name or uuid.uuid4().hex[:8]}.db'}"
    base = normalise_database_url(PG_URL)
    # The creation time is in the name so a later run can drop leftovers of crashed runs
    # without touching the schemas of a run going on beside it.
    schema = f"t_{int(time.time())}_{name or 'x'}_{uuid.uuid4().hex[:8]}"
    CREATED_SCHEMAS.append(schema)
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def migrate(app) -> None:
    """Build the schema with the Alembic migrations, as production does."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        from harkop.extensions import db

        db.session.remove()
        db.engine.dispose()


def drop_test_schemas(*, own: bool = False) -> None:
    """Drop this run's schemas (own=True) or stale ones that crashed runs left behind."""
    if not PG_URL:
        return
    engine = create_engine(normalise_database_url(PG_URL))
    with engine.begin() as conn:
        # Never hang a test run on a schema some open connection still holds.
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        if own:
            doomed = list(CREATED_SCHEMAS)
        else:
            rows = conn.execute(
                text("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'")
            ).scalars()
            cutoff = time.time() - STALE_AFTER_SECONDS
            doomed = []
            for schema in rows:
                stamp = schema.split("_")[1] if schema.count("_") >= 2 else ""
                if not stamp.isdigit() or int(stamp) < cutoff:
                    doomed.append(schema)
    # One transaction per schema: dropping them all at once takes a lock per table of every
    # schema and overflows PostgreSQL's lock table (max_locks_per_transaction) on a long run.
    for schema in doomed:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '5s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
