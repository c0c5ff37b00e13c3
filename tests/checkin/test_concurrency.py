"""Reliability under concurrency, on a committed database (SQLite file or PostgreSQL schema).

Threads with their own app contexts (and so their own sessions and connections) scan at the
same moment, released together by a barrier: the unique index on (ticket, day) and on the nonce
must decide, not the order the threads happen to run in.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from harkop import config as harkop_config
from harkop import create_app
from harkop.checkin import conflicts
from harkop.checkin.models import CheckIn, Scan, Verdict
from harkop.checkin.scans import ScanInput, check_in
from harkop.extensions import db
from tests.checkin import factories as f
from tests.dbutil import fresh_database_url, migrate

pytestmark = pytest.mark.committed
SCANNERS = 50


@pytest.fixture
def race_app(tmp_path):
    """An app on a database of its own, with a connection pool wide enough for the race."""
    config = harkop_config.TestConfig(fresh_database_url(tmp_path, "race"))
    config.WTF_CSRF_ENABLED = False
    # Many connections at once on PostgreSQL, so the transactions really overlap there.
    config.SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_size": 30,
        "max_overflow": 0,
        "pool_timeout": 120,
    }
    app = create_app(config)
    migrate(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def setup(race_app):
    """A committed ticket for 26 July and a staff user; returns (code, ticket id, user id)."""
    from harkop.auth.services import create_user

    with race_app.app_context():
        ticket = f.make_ticket()
        user, _ = create_user(username="petugas-race", role="checkin_staff", password="rahasia123", by="test")
        db.session.commit()
        values = (f.code(ticket), ticket.id, user.id)
        db.session.remove()
    return values


def run_together(app, n, work):
    """Run `work(i)` in n threads, each in its own app context, all released at once; return results and errors."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                results[i] = work(i)
            except Exception as err:  # noqa: BLE001 - any failure is reported by the test
                db.session.rollback()
                errors.append(repr(err))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results, errors


def scan_as(user_id, code, **kw):
    """One scan in the current thread's session, committed as the API does; returns its verdict and conflict flag."""
    from harkop.auth.models import User

    user = db.session.get(User, user_id)
    now = kw.pop("now", f.ON_DAY1)
    result = check_in(ScanInput(code=code, **kw), by=user, now=now)
    db.session.commit()
    return result.verdict.value, result.conflict, result.id


def test_fifty_concurrent_scans_of_one_ticket_admit_it_once(race_app, setup):
    """50 simultaneous scans of one ticket from 50 devices: exactly one checked_in, 49 already_checked_in."""
    code, ticket_id, user_id = setup
    results, errors = run_together(
        race_app,
        SCANNERS,
        lambda i: scan_as(user_id, code, device_id=f"device-{i}", gate=f"Pintu {i % 3}", nonce=f"race-{i}"),
    )
    assert errors == []
    verdicts = Counter(r[0] for r in results)
    assert verdicts == {"checked_in": 1, "already_checked_in": SCANNERS - 1}
    with race_app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.ticket_id == ticket_id)) == 1
        assert db.session.scalar(select(func.count(Scan.id))) == SCANNERS
        admission = db.session.scalar(select(CheckIn))
        # every refused scan points at the one admission that won
        assert (
            db.session.scalar(select(func.count(Scan.id)).where(Scan.admission_id == admission.id))
            == SCANNERS
        )


def test_concurrent_replays_of_one_nonce_leave_one_row(race_app, setup):
    """The same scan sent 20 times at once (a retrying device): one row, every answer the same scan."""
    code, _ticket_id, user_id = setup
    results, errors = run_together(
        race_app, 20, lambda i: scan_as(user_id, code, device_id="device-x", nonce="one-nonce")
    )
    assert errors == []
    assert {r[0] for r in results} == {"checked_in"}
    assert len({r[2] for r in results}) == 1
    with race_app.app_context():
        assert db.session.scalar(select(func.count(Scan.id))) == 1
        assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_replayed_nonce_later_leaves_one_row(race_app, setup):
    """A queue replayed twice (hours apart) does not add rows."""
    code, _ticket_id, user_id = setup
    with race_app.app_context():
        first = scan_as(
            user_id,
            code,
            device_id="d",
            nonce="queued-1",
            offline=True,
            day=f.DAY1,
            scanned_at=f.ON_DAY1,
            local_verdict="checked_in",
        )
        again = scan_as(
            user_id,
            code,
            device_id="d",
            nonce="queued-1",
            offline=True,
            day=f.DAY1,
            scanned_at=f.ON_DAY1,
            local_verdict="checked_in",
            now=f.ON_DAY1 + timedelta(hours=3),
        )
        assert first == again
        assert db.session.scalar(select(func.count(Scan.id))) == 1


def test_two_devices_syncing_offline_admissions_at_once(race_app, setup):
    """Two devices that admitted one ticket offline sync at the same moment: one admission, one conflict."""
    code, ticket_id, user_id = setup
    results, errors = run_together(
        race_app,
        2,
        lambda i: scan_as(
            user_id,
            code,
            device_id=f"hp-{i}",
            nonce=f"offline-{i}",
            offline=True,
            day=f.DAY1,
            scanned_at=f.ON_DAY1 - timedelta(minutes=30 - i),
            local_verdict="checked_in",
            now=f.ON_DAY1 + timedelta(hours=1),
        ),
    )
    assert errors == []
    assert sorted((r[0], r[1]) for r in results) == [("already_checked_in", True), ("checked_in", False)]
    with race_app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.ticket_id == ticket_id)) == 1
        assert conflicts.count_open_conflicts() == 1
        conflict = db.session.scalar(conflicts.conflicts())
        assert conflict.verdict == Verdict.already_checked_in and conflict.admission_id is not None


@pytest.fixture
def api_setup(race_app, setup):
    """The race app's clock on 26 July 09.30 and a check-in staff bearer token; returns (code, ticket id, headers)."""
    from harkop.auth.models import User
    from harkop.auth.services import issue_token

    code, ticket_id, user_id = setup
    race_app.config["HARKOP_FAKE_NOW"] = "2024-07-26T09:30:00+08:00"
    with race_app.app_context():
        token = issue_token(db.session.get(User, user_id), by="test")
        db.session.commit()
    return code, ticket_id, {"Authorization": f"Bearer {token}"}


def post_scan(app, headers, body):
    """POST one scan through the API with a client of its own; returns (status, verdict, conflict)."""
    res = app.test_client().post("/api/v1/checkins", json=body, headers=headers)
    data = res.get_json()
    details = data if res.status_code == 200 else data["error"]["details"]
    return res.status_code, details["verdict"], details["conflict"]


def test_fifty_concurrent_api_scans_of_one_ticket_admit_it_once(race_app, api_setup):
    """The API's own path (reads outside the write transaction, then the writers' queue): 50 devices, one 200."""
    code, ticket_id, headers = api_setup
    results, errors = run_together(
        race_app,
        SCANNERS,
        lambda i: post_scan(race_app, headers, {"code": code, "nonce": f"api-{i}", "device_id": f"hp-{i}"}),
    )
    assert errors == []
    assert Counter(r[:2] for r in results) == {
        (200, "checked_in"): 1,
        (409, "already_checked_in"): SCANNERS - 1,
    }
    with race_app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.ticket_id == ticket_id)) == 1
        assert db.session.scalar(select(func.count(Scan.id))) == SCANNERS
        admission_id = db.session.scalar(select(CheckIn.id))
        assert (
            db.session.scalar(select(func.count(Scan.id)).where(Scan.admission_id == admission_id))
            == SCANNERS
        )


def test_concurrent_api_replays_of_one_nonce_leave_one_row(race_app, api_setup):
    """One scan sent 20 times at once through the API: every answer is the first scan's, one row."""
    code, _ticket_id, headers = api_setup
    body = {"code": code, "nonce": "api-one-nonce", "device_id": "hp-x"}
    results, errors = run_together(race_app, 20, lambda i: post_scan(race_app, headers, body))
    assert errors == []
    assert set(results) == {(200, "checked_in", False)}
    with race_app.app_context():
        assert db.session.scalar(select(func.count(Scan.id))) == 1
        assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_two_devices_syncing_offline_through_the_api_at_once(race_app, api_setup):
    """Two devices' offline admissions of one ticket arrive together through the API: one admission, one conflict."""
    code, ticket_id, headers = api_setup

    def sync(i):
        body = {
            "code": code,
            "nonce": f"api-offline-{i}",
            "device_id": f"hp-{i}",
            "offline": True,
            "day": "2024-07-26",
            "scanned_at": f"2024-07-26T09:0{i}:00+08:00",
            "local_verdict": "checked_in",
        }
        return post_scan(race_app, headers, body)

    results, errors = run_together(race_app, 2, sync)
    assert errors == []
    assert sorted(results) == [(200, "checked_in", False), (409, "already_checked_in", True)]
    with race_app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.ticket_id == ticket_id)) == 1
        assert conflicts.count_open_conflicts() == 1


def _scan_inserts_fail(app, on: bool) -> None:
    """Make the database itself refuse every new checkin_scan row (a trigger), or stop refusing."""
    from sqlalchemy import text

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        if on and sqlite:
            statements = [
                "CREATE TRIGGER fail_scan BEFORE INSERT ON checkin_scan BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            ]
        elif on:
            statements = [
                "CREATE FUNCTION fail_scan() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
                " LANGUAGE plpgsql",
                "CREATE TRIGGER fail_scan BEFORE INSERT ON checkin_scan FOR EACH ROW EXECUTE FUNCTION fail_scan()",
            ]
        else:
            statements = ["DROP TRIGGER fail_scan" + ("" if sqlite else " ON checkin_scan")]
            statements += [] if sqlite else ["DROP FUNCTION fail_scan()"]
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()


def test_an_api_admission_is_all_or_nothing(race_app, api_setup):
    """If the database refuses the scan's row, the admission does not stay either (one statement or one transaction)."""
    code, _ticket_id, headers = api_setup
    race_app.config["PROPAGATE_EXCEPTIONS"] = False
    _scan_inserts_fail(race_app, True)
    res = race_app.test_client().post(
        "/api/v1/checkins", json={"code": code, "nonce": "tx-1", "device_id": "hp"}, headers=headers
    )
    assert res.status_code == 500
    with race_app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 0
        assert db.session.scalar(select(func.count(Scan.id))) == 0
    _scan_inserts_fail(race_app, False)
    assert post_scan(race_app, headers, {"code": code, "nonce": "tx-2", "device_id": "hp"})[:2] == (
        200,
        "checked_in",
    )


def test_api_replay_of_a_refusal_admits_nobody_once_the_ticket_is_valid(race_app, api_setup):
    """A scan refused the day before, replayed through the API on the ticket's day: no admission, one row."""
    code, ticket_id, headers = api_setup
    body = {"code": code, "nonce": "early-api", "device_id": "hp"}
    race_app.config["HARKOP_FAKE_NOW"] = "2024-07-25T09:30:00+08:00"
    assert post_scan(race_app, headers, body)[:2] == (409, "not_valid_today")
    race_app.config["HARKOP_FAKE_NOW"] = "2024-07-26T09:30:00+08:00"
    res = race_app.test_client().post("/api/v1/checkins", json=body, headers=headers)
    details = res.get_json()["error"]["details"]
    assert res.status_code == 409 and details["verdict"] == "not_valid_today" and details["replayed"] is True
    with race_app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 0
        assert db.session.scalar(select(func.count(Scan.id))) == 1
    assert post_scan(race_app, headers, {**body, "nonce": "on-the-day"})[:2] == (200, "checked_in")
    with race_app.app_context():
        admission = db.session.scalar(select(CheckIn))
        scan = db.session.scalar(select(Scan).where(Scan.nonce == "on-the-day"))
        assert admission.ticket_id == ticket_id and scan.admission_id == admission.id
