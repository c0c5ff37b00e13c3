"""The migrations build exactly the schema the models describe."""

from alembic import command
from flask import current_app

from harkop.db.sqlite import sqlite_begin_mode


def test_models_and_migrations_agree(app):
    """After `flask db upgrade`, Alembic's own check finds nothing to add: every change has a migration.

    It runs `migrations/env.py` as `flask db migrate` would (type comparison on, the hand-written
    search structures filtered out), so it fails on a model change without its migration and on a
    filter that stops leaving the FTS tables or the trigram index out.
    """
    # A read-only look on a second connection: on SQLite it must not wait for the test's writer.
    token = sqlite_begin_mode.set("DEFERRED")
    try:
        with app.app_context():
            command.check(current_app.extensions["migrate"].migrate.get_config())
    finally:
        sqlite_begin_mode.reset(token)
