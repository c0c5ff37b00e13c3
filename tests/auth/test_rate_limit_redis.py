"""The login rate limit is shared by several app instances through Redis.

Runs when HARKOP_RATELIMIT_STORAGE_URI names a Redis server (.ci/run sets it); skipped otherwise.
With the variable set, an unreachable Redis is a failure, never a skip.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.liveserver import LiveServer

STORAGE_URI = os.environ.get("HARKOP_RATELIMIT_STORAGE_URI", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not STORAGE_URI.startswith(("redis://", "rediss://")),
        reason="set HARKOP_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 to test shared rate limits",
    ),
]


def _require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(STORAGE_URI, socket_connect_timeout=3).ping()
    except redis.RedisError as err:
        pytest.fail(f"Redis at {STORAGE_URI} is unreachable: {err}", pytrace=False)


class Browser:
    """A minimal HTTP client: one cookie jar, every request from the same client address."""

    def __init__(self, client_address: str):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        # Behind the proxy (HARKOP_PROXY_FIX) the limiter keys on X-Forwarded-For, so this run
        # gets a client address of its own and never shares a window with an earlier run.
        self.headers = {"X-Forwarded-For": client_address}

    def get(self, url: str) -> str:
        request = urllib.request.Request(url, headers=self.headers)
        with self.opener.open(request, timeout=10) as response:
            return response.read().decode()

    def post(self, url: str, data: dict[str, str]) -> int:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, headers=self.headers, method="POST")
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory):
    """Two gunicorn instances on one database, one secret key and one Redis, limit 3 per minute."""
    _require_redis()
    env = {
        "HARKOP_RATELIMIT_STORAGE_URI": STORAGE_URI,
        "HARKOP_LOGIN_RATE_LIMIT": "3 per minute",
        "HARKOP_PROXY_FIX": "1",
        "HARKOP_SECRET_KEY": secrets.token_urlsafe(32),
    }
    first = LiveServer.start(tmp_path_factory.mktemp("instance-a"), env=env)
    try:
        second = LiveServer.start(
            tmp_path_factory.mktemp("instance-b"), database_url=first.database_url, seed=False, env=env
        )
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


def test_failed_logins_on_two_instances_count_against_one_limit(two_instances):
    """Three refused logins spread over two instances use up the limit: the fourth gets 429 on either."""
    first, second = two_instances
    browser = Browser(f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}")
    page = browser.get(f"{first.url}/masuk")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    wrong = {"username": "admin", "password": "salah", "csrf_token": token}

    statuses = [browser.post(f"{server.url}/masuk", wrong) for server in (first, second, first)]
    assert statuses == [401, 401, 401]
    assert browser.post(f"{second.url}/masuk", wrong) == 429
    assert browser.post(f"{first.url}/masuk", wrong) == 429


def test_another_client_is_not_limited(two_instances):
    """The limit is per client: a different address still gets the form's own answer."""
    first, _second = two_instances
    browser = Browser(f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}")
    page = browser.get(f"{first.url}/masuk")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"username": "admin", "password": "harkop2024", "csrf_token": token}
    assert browser.post(f"{first.url}/masuk", data) == 200  # redirect followed to the admin home
