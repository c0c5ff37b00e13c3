"""Shared fixtures: the app, a database rolled back after each test, clients and factories."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from harkop import create_app
from harkop.config import TestConfig
from harkop.extensions import db, limiter
from tests.dbutil import drop_test_schemas, fresh_database_url, migrate

IN_CI = bool(os.environ.get("CI"))


def pytest_sessionstart(session):
    """On PostgreSQL, drop stale schemas that crashed runs left behind."""
    drop_test_schemas()


def pytest_sessionfinish(session, exitstatus):
    """On PostgreSQL, drop the schemas this run created."""
    drop_test_schemas(own=True)


class HarkopTestClient(FlaskClient):
    """A test client whose requests never see the previous request's user.

    The test keeps an app context pushed (for its factories), and Flask reuses it for the
    request, so Flask-Login's per-context cache of the current user must be cleared.
    """

    def open(self, *args, **kwargs):  # noqa: D102
        if has_app_context():
            # A real request gets a fresh `g`: forget the last request's user and language.
            for key in list(vars(g)):
                g.pop(key, None)
        return super().open(*args, **kwargs)


def make_app(database_url: str, **overrides):
    """An app for tests on the given database."""
    config = TestConfig(database_url)
    config.WTF_CSRF_ENABLED = False
    config.HARKOP_LOGIN_RATE_LIMIT = "1000 per minute"
    app = create_app(config)
    app.config.update(overrides)
    app.test_client_class = HarkopTestClient
    return app


@pytest.fixture(scope="session")
def _database_url(tmp_path_factory) -> str:
    return fresh_database_url(tmp_path_factory.mktemp("db"), "main")


@pytest.fixture(scope="session")
def app(_database_url):
    """The application on a migrated test database (one per test session)."""
    application = make_app(_database_url)
    migrate(application)
    return application


@pytest.fixture(autouse=True)
def _db(request, app) -> Iterator[None]:
    """Run each test inside a transaction that is rolled back afterwards.

    Services and views may commit: their commits end savepoints inside the outer transaction.
    Factories commit too, so a view's rollback after a refusal keeps the test's setup data.
    """
    if request.node.get_closest_marker("committed"):
        yield
        return
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
    )
    limiter.reset()
    app.config["HARKOP_FAKE_NOW"] = None
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()
        ctx.pop()


@pytest.fixture
def client(app):
    """A test client (CSRF off; CSRF itself is tested with its own app)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask harkop …` commands."""
    return app.test_cli_runner()


@pytest.fixture
def fake_now(app):
    """Freeze the clock: `fake_now("2024-07-26T09:00:00+08:00")`."""

    def set_now(value: str | None) -> None:
        app.config["HARKOP_FAKE_NOW"] = value

    yield set_now
    app.config["HARKOP_FAKE_NOW"] = None


_seq = itertools.count(1)


@pytest.fixture
def make_cooperative():
    """Factory: a cooperative with a unique NIK; pass overrides for any field."""
    from harkop.cooperatives.models import Cooperative

    def factory(**overrides):
        n = next(_seq)
        values = {"nik": f"6471{n:012d}", "name": f"Koperasi Uji {n}"}
        values.update(overrides)
        coop = Cooperative(**values)
        db.session.add(coop)
        # Commit ends a savepoint only: the data stays until the test's outer rollback, and a
        # view's own rollback after a refusal cannot take the test's setup with it.
        db.session.commit()
        return coop

    return factory


@pytest.fixture
def make_user(make_cooperative):
    """Factory: a user of a role (a coop_rep gets a cooperative unless one is given)."""
    from harkop.auth.services import create_user

    def factory(role: str = "admin", *, password: str = "rahasia123", cooperative=None, **overrides):
        n = next(_seq)
        if role == "coop_rep" and cooperative is None:
            cooperative = make_cooperative()
        user, _ = create_user(
            username=overrides.pop("username", f"{role.replace('_', '')}{n}"),
            role=role,
            password=password,
            cooperative_id=cooperative.id if cooperative is not None else None,
            by="test",
            **overrides,
        )
        db.session.commit()
        return user

    return factory


def sign_in(client, user) -> None:
    """Give a test client a logged-in session of `user` (a server session, committed)."""
    from harkop.auth.sessions import cookie_values

    values = cookie_values(user, user_agent="test")
    db.session.commit()
    with client.session_transaction() as sess:
        sess.update(values)


@pytest.fixture
def login_as(client, make_user):
    """Log the test client in as a new user of `role` (or as a given user); returns the user."""

    def do_login(role_or_user="admin", **overrides):
        user = make_user(role_or_user, **overrides) if isinstance(role_or_user, str) else role_or_user
        sign_in(client, user)
        return user

    return do_login


@pytest.fixture
def api_token(make_user):
    """Factory: (user, bearer token) for a role."""
    from harkop.auth.services import issue_token

    def factory(role: str = "admin", **overrides):
        user = make_user(role, **overrides)
        token = issue_token(user, by="test")
        db.session.commit()
        return user, token

    return factory


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Each test starts with no kept public page (ids and audit ids repeat across rolled-back tests)."""
    from harkop import pagecache

    pagecache.clear()
    yield
