"""Login throttling (issue 17, item 5): per-address counts shared by every worker through the
database by default, and a per-account throttle with back-off beside it."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest

from harkop.auth import throttle
from harkop.auth.models import LoginThrottle
from harkop.extensions import db
from harkop.ratelimit import DatabaseStorage, RateLimitCounter
from tests.auth.test_rate_limit_redis import Browser
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate
from tests.liveserver import LiveServer


def login(client, username: str, password: str):
    """Post the login form."""
    return client.post("/masuk", data={"username": username, "password": password})


def test_back_off_doubles_after_the_free_failures():
    """No lock for the first five failures, then 30 s, 1 min, 2 min … never more than 15 min."""
    assert [throttle.lock_for(n) for n in range(1, 5)] == [None] * 4
    assert throttle.lock_for(5) == timedelta(seconds=30)
    assert throttle.lock_for(6) == timedelta(minutes=1)
    assert throttle.lock_for(7) == timedelta(minutes=2)
    assert throttle.lock_for(30) == timedelta(minutes=15)


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(client, make_user):
    """Five wrong passwords (from any address) lock the account: the right password then gets a
    429 that says when to try again; once the lock has passed it logs in and the count is cleared."""
    user = make_user("admin", password="rahasia123")
    assert [login(client, user.username, "salah-sekali").status_code for _ in range(5)] == [401] * 5
    locked = login(client, user.username, "rahasia123")
    assert locked.status_code == 429
    assert "Coba lagi dalam" in locked.get_data(as_text=True)
    row = db.session.get(LoginThrottle, user.username)
    row.locked_until = row.locked_until - timedelta(minutes=1)
    db.session.commit()
    assert login(client, user.username, "rahasia123").status_code == 302
    assert db.session.get(LoginThrottle, user.username) is None


def test_unknown_usernames_are_throttled_alike(client):
    """An unknown username is counted and locked the same way, so a lock reveals nothing."""
    statuses = [login(client, "tidak-ada", "salah-sekali").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


@pytest.fixture
def counter_app(tmp_path):
    app = make_app(fresh_database_url(tmp_path, "ratelimit"))
    migrate(app)
    return app


@pytest.mark.committed
def test_two_workers_storages_add_up_in_the_database(counter_app):
    """Two storages (as two workers hold) count one key together, and a new window starts at 1."""
    first, second = DatabaseStorage("harkopdb://"), DatabaseStorage("harkopdb://")
    with counter_app.app_context():
        assert first.incr("login/127.0.0.1", 60) == 1
        assert second.incr("login/127.0.0.1", 60) == 2
        assert first.get("login/127.0.0.1") == 2
        assert first.get_expiry("login/127.0.0.1") > 0
        row = db.session.get(RateLimitCounter, "login/127.0.0.1")
        row.expires_at = 0.0
        db.session.commit()
        assert second.incr("login/127.0.0.1", 60) == 1
        second.clear("login/127.0.0.1")
        assert first.get("login/127.0.0.1") == 0
        assert first.check()


@pytest.fixture(scope="module")
def two_instances_on_one_database(tmp_path_factory):
    """Two gunicorn instances on one database, no Redis: the default storage, limit 3 per minute."""
    env = {"HARKOP_LOGIN_RATE_LIMIT": "3 per minute", "HARKOP_SECRET_KEY": secrets.token_urlsafe(32)}
    first = LiveServer.start(tmp_path_factory.mktemp("db-instance-a"), env=env)
    try:
        second = LiveServer.start(
            tmp_path_factory.mktemp("db-instance-b"), database_url=first.database_url, seed=False, env=env
        )
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


@pytest.mark.slow
def test_without_redis_two_instances_count_against_one_limit(two_instances_on_one_database):
    """Reproduction: limits were counted in each worker's memory (10 per minute became 10 ×
    workers). With no storage configured, do refused logins on two instances share one count?"""
    first, second = two_instances_on_one_database
    browser = Browser("203.0.113.9")  # no proxy fix: the header is ignored, all share 127.0.0.1
    page = browser.get(f"{first.url}/masuk")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    wrong = {"username": f"tamu-{secrets.token_hex(3)}", "password": "salah-sekali", "csrf_token": token}
    statuses = [browser.post(f"{server.url}/masuk", wrong) for server in (first, second, first)]
    assert statuses == [401, 401, 401]
    assert browser.post(f"{second.url}/masuk", wrong) == 429
