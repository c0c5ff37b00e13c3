"""Several instances (issue 19): two app servers on different ports share one PostgreSQL and one
Redis, and a client whose requests alternate between them (a small balancer) sees one application:
login, CSRF, rate limits, check-in once per day, scorecard revisions and the scheduler's lease.

Runs with the PostgreSQL suite (`make test-pg`, which CI runs) against the Redis at
HARKOP_TEST_REDIS_URL (default redis://127.0.0.1:6379/0): a Redis that does not answer is a
failure, never a skip. On SQLite (`make test`) the module is skipped: several machines mean
PostgreSQL. Bounded: a few hundred requests to 127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from tests.dbutil import using_postgres
from tests.liveserver import ROOT, LiveServer, server_environment
from tests.ops.httpclient import Balancer

REDIS_URL = os.environ.get("HARKOP_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
LIMIT = 5  # login attempts per minute per client address, counted across both instances

pytestmark = [
    pytest.mark.committed,
    pytest.mark.slow,
    pytest.mark.skipif(not using_postgres(), reason="several instances share PostgreSQL: run `make test-pg`"),
]


def _require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as err:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable: {err}", pytrace=False)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Instances A and B: one database, one secret key, one Redis; an admin, staff, a judge, tickets."""
    _require_redis()
    env = {
        "HARKOP_RATELIMIT_STORAGE_URI": REDIS_URL,
        "HARKOP_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        "HARKOP_PROXY_FIX": "1",
        "HARKOP_SECRET_KEY": secrets.token_urlsafe(32),
    }
    first = LiveServer.start(tmp_path_factory.mktemp("a"), seed=False, env=env)
    try:
        second = LiveServer.start(
            tmp_path_factory.mktemp("b"), database_url=first.database_url, seed=False, env=env
        )
    except BaseException:
        first.stop()
        raise
    try:
        yield first, second, _prepare(first)
    finally:
        second.stop()
        first.stop()


def _prepare(server: LiveServer) -> dict:
    from harkop.auth.services import create_user, issue_token
    from harkop.extensions import db
    from tests.checkin import factories as checkin_f
    from tests.judging.factories import judging_setup

    with server.app_context():
        create_user(username="kantor", role="admin", password="rahasia123", by="test")
        staff, _ = create_user(username="petugas-dua", role="checkin_staff", password="rahasia123", by="test")
        comp = checkin_f.make_competition(name="Lomba Dua Server")
        tickets = [checkin_f.make_ticket(comp) for _ in range(12)]
        setup = judging_setup(entries=2, judges=1, k=1)
        data = {
            "staff_token": issue_token(staff, by="test"),
            "judge_token": issue_token(setup.judges[0], by="test"),
            "tickets": [(t.id, checkin_f.code(t)) for t in tickets],
            "entries": [e.id for e in setup.entries],
            "criteria": [str(c.id) for c in setup.comp.criteria],
        }
        db.session.commit()
    return data


def _client(pair, **headers) -> Balancer:
    first, second, _data = pair
    # Behind the proxy (HARKOP_PROXY_FIX) the limiter keys on X-Forwarded-For: each test gets an
    # address of its own, so no earlier run's counters in the shared Redis reach it.
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    return Balancer(first.url, second.url, headers={"X-Forwarded-For": address, **headers})


def test_a_login_on_one_instance_holds_on_the_other_and_csrf_tokens_cross(pair):
    """The form comes from A, the login goes to B, the office's page answers on A and B; a form
    token made by one instance is accepted by the other, a forged one by neither."""
    client = _client(pair)
    form = client.get("/masuk")
    login = client.post(
        "/masuk", form={"username": "kantor", "password": "rahasia123", "csrf_token": form.csrf_token()}
    )
    assert form.server != login.server
    assert login.status == 302 and login.headers["Location"].endswith("/admin")
    home_a, home_b = client.get("/admin"), client.get("/admin")
    assert {home_a.server, home_b.server} == set(client.base_urls)
    assert home_a.status == home_b.status == 200
    token = home_b.csrf_token()
    assert client.post("/bahasa", form={"lang": "en", "next": "/admin", "csrf_token": token}).status == 302
    assert client.post("/bahasa", form={"lang": "id", "next": "/admin", "csrf_token": "palsu"}).status == 400
    logout = client.post("/keluar", form={"csrf_token": client.get("/admin").csrf_token()})
    assert logout.status == 302
    assert client.get("/admin").status == 302 and client.get("/admin").status == 302  # logged out on both


def test_the_login_limit_is_counted_once_across_both_instances(pair):
    """Wrong passwords alternate between A and B: the limit refuses attempt LIMIT+1, not 2×LIMIT+1."""
    client = _client(pair)
    token = client.get("/masuk").csrf_token()
    statuses = [
        client.post("/masuk", form={"username": "kantor", "password": "salah", "csrf_token": token}).status
        for _ in range(LIMIT + 1)
    ]
    assert 429 not in statuses[:LIMIT], statuses
    assert statuses[LIMIT] == 429
    assert len(set(client.served)) == 2


def test_a_ticket_is_checked_in_once_a_day_whichever_instance_scans_it(pair):
    """Two devices scan each ticket at the same moment, one through A and one through B: one admission,
    one `already_checked_in`; a repeated nonce to the other instance gives the first answer."""
    from harkop.checkin.models import CheckIn, Scan
    from harkop.extensions import db

    first, second, data = pair
    results: dict[tuple[int, str], tuple[int, str]] = {}

    def scan(base: str, ticket_id: int, code: str, device: str) -> None:
        client = Balancer(base, headers={"Authorization": f"Bearer {data['staff_token']}"})
        body = {"code": code, "nonce": f"dua-{device}-{ticket_id}", "device_id": device}
        answer = client.post("/api/v1/checkins", json_body=body)
        payload = answer.json()
        results[(ticket_id, device)] = (answer.status, payload.get("verdict") or payload["error"]["code"])

    threads = []
    for ticket_id, code in data["tickets"]:
        threads += [
            threading.Thread(target=scan, args=(first.url, ticket_id, code, "hp-a")),
            threading.Thread(target=scan, args=(second.url, ticket_id, code, "hp-b")),
        ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for ticket_id, _code in data["tickets"]:
        answers = sorted([results[(ticket_id, "hp-a")], results[(ticket_id, "hp-b")]])
        assert answers == [(200, "checked_in"), (409, "already_checked_in")], (ticket_id, answers)

    ticket_id, code = data["tickets"][0]
    replay = Balancer(second.url, headers={"Authorization": f"Bearer {data['staff_token']}"}).post(
        "/api/v1/checkins", json_body={"code": code, "nonce": f"dua-hp-a-{ticket_id}", "device_id": "hp-a"}
    )
    assert (replay.status, replay.json().get("verdict") or replay.json()["error"]["code"]) == results[
        (ticket_id, "hp-a")
    ]
    with first.app_context():
        ids = [t for t, _c in data["tickets"]]
        assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.ticket_id.in_(ids))) == len(ids)
        assert db.session.scalar(select(func.count(Scan.id)).where(Scan.ticket_id.in_(ids))) == 2 * len(ids)


def test_an_older_revision_never_overwrites_a_newer_one_across_instances(pair):
    """Revision 2 through A, then the stale revision 1 through B is refused; revision 3 through A wins
    and its replay through B is answered as a replay, writing nothing."""
    from harkop.extensions import db
    from harkop.judging.models import Scorecard

    first, second, data = pair
    entry_id = data["entries"][0]
    client = _client(pair, Authorization=f"Bearer {data['judge_token']}")

    def save(revision: int, value: int):
        body = {"scores": {c: value for c in data["criteria"]}, "revision": revision, "device_id": "tab-dua"}
        return client.put(f"/api/v1/scorecards/{entry_id}", json_body=body)

    newer = save(2, 7)
    stale = save(1, 3)
    latest = save(3, 8)
    replay = save(3, 8)
    assert [a.server for a in (newer, stale, latest, replay)] == [
        first.url,
        second.url,
        first.url,
        second.url,
    ]
    assert newer.status == 200 and latest.status == 200
    assert stale.status == 409 and stale.json()["error"]["code"] == "stale_revision"
    assert replay.status == 200 and replay.json().get("replayed") is True
    with first.app_context():
        card = db.session.scalar(select(Scorecard).where(Scorecard.entry_id == entry_id))
        assert card.revision == 3 and set(card.scores.values()) == {8}


def _scheduler(database_url: str, log) -> subprocess.Popen:
    env = server_environment(database_url, None)
    cmd = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "harkop",
        "scheduler",
        "--lease-seconds",
        "6",
        "--renew-seconds",
        "1",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _holder(server: LiveServer) -> str | None:
    from harkop import jobs
    from harkop.extensions import db

    with server.app_context():
        lease = db.session.get(jobs.SchedulerLease, "scheduler")
        return lease.holder if lease is not None and lease.expires_at > jobs.real_now() else None


def _wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return None


def test_one_scheduler_holds_the_lease_and_the_other_takes_over(pair, tmp_path):
    """Two schedulers on the shared database (one per machine): one holds the lease, the other
    stands by; when the holder stops, the standby takes the lease within seconds."""
    first, _second, _data = pair
    with (tmp_path / "schedulers.log").open("w") as log:
        procs = [_scheduler(first.database_url, log), _scheduler(first.database_url, log)]
        try:
            holder = _wait_for(lambda: _holder(first))
            assert holder, (tmp_path / "schedulers.log").read_text()
            holding = next(p for p in procs if f":{p.pid}:" in holder)
            standby = next(p for p in procs if p is not holding)
            time.sleep(2.5)  # a few renewals: the lease stays where it is
            assert _holder(first) == holder
            holding.send_signal(signal.SIGTERM)
            # The lease is released as soon as the scheduler stops firing; the process itself then
            # lets a job already running finish (slow on a loaded machine), so it may exit later.
            taken = _wait_for(lambda: (h := _holder(first)) and f":{standby.pid}:" in h and h)
            assert taken, (tmp_path / "schedulers.log").read_text()
            assert holding.wait(timeout=90) == 0
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=20)
