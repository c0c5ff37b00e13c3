"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from harkop.database import include_object, sqlite_begin_mode
from harkop.extensions import db


def test_models_and_migrations_agree(app):
    """After `flask db upgrade`, autogenerate finds nothing to add: every change has a migration."""
    # A read-only look on a second connection: on SQLite it must not wait for the test's writer.
    token = sqlite_begin_mode.set("DEFERRED")
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": False, "include_object": include_object}
            )
            diff = compare_metadata(context, db.metadata)
    finally:
        sqlite_begin_mode.reset(token)
    assert diff == [], f"models differ from migrations: {diff}"
