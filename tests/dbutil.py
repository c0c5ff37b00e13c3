"""Fresh test databases: a SQLite file or a PostgreSQL schema, built by the migrations."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from harkop.config import normalise_database_url

PG_URL = os.environ.get("HARKOP_TEST_DATABASE_URL")


def using_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return bool(PG_URL)


def fresh_database_url(tmp_dir: Path, name: str = "") -> str:
    """A new empty database: a file under tmp_dir, or a new schema in the test PostgreSQL."""
    if not PG_URL:
        return f"sqlite:///{tmp_dir / f'{name or uuid.uuid4().hex[:8]}.db'}"
    base = normalise_database_url(PG_URL)
    schema = f"t_{name or ''}_{uuid.uuid4().hex[:10]}".replace("__", "_")
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


def drop_test_schemas() -> None:
    """Remove the schemas earlier test runs left in the test PostgreSQL."""
    if not PG_URL:
        return
    engine = create_engine(normalise_database_url(PG_URL))
    with engine.begin() as conn:
        rows = conn.execute(
            text("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'")
        ).scalars()
        for schema in list(rows):
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
