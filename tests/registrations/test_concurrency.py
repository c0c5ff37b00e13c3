"""Cooperatives racing for the last place over real HTTP requests, with committed data.

Runs on SQLite (BEGIN IMMEDIATE serialises writers) and on PostgreSQL (`SELECT … FOR UPDATE`
on the competition row) with `HARKOP_TEST_DATABASE_URL` set. Each racer waits at a barrier and
then posts at once from its own thread to a threaded server.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from harkop.extensions import db
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate

FAKE_NOW = "2024-07-10T10:00:00+08:00"


@pytest.fixture
def race_app(tmp_path):
    """An app on its own migrated database, with the clock inside the registration window."""
    app = make_app(fresh_database_url(tmp_path, "race"), HARKOP_FAKE_NOW=FAKE_NOW)
    migrate(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_url(race_app):
    """The app served by a threaded WSGI server on a free port."""
    server = make_server("127.0.0.1", 0, race_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _setup(app, *, capacity: int, already: int, racers: int, same_cooperative: bool = False):
    """A competition with `already` places taken and one token per racer; returns (id, tokens)."""
    from harkop.auth.services import create_user, issue_token
    from harkop.cooperatives.models import Cooperative
    from tests.competitions.factories import make_competition, make_entry

    with app.app_context():
        # No registry rules: this test is about capacity, whatever the registry says.
        comp = make_competition(capacity=capacity, require_active=False, require_rat_previous_year=False)
        for i in range(already):
            coop = Cooperative(nik=f"64719{i:011d}", name=f"Koperasi Awal {i}")
            db.session.add(coop)
            db.session.flush()
            make_entry(comp, coop.id)
        comp.confirmed_count = already
        tokens = []
        shared = None
        for i in range(racers):
            if shared is None or not same_cooperative:
                shared = Cooperative(nik=f"64718{i:011d}", name=f"Koperasi Balap {i}")
                db.session.add(shared)
                db.session.flush()
            user, _ = create_user(
                username=f"balap{i}",
                role="coop_rep",
                password="rahasia123",
                cooperative_id=shared.id,
                by="test",
            )
            tokens.append(issue_token(user, by="test"))
        db.session.commit()
        return comp.id, tokens


def _race(url: str, tokens: list[str]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(tokens))
    body = json.dumps(
        {
            "team_name": "Tim Balap",
            "participants": [{"name": "Pelari", "phone": "081234567890", "consent": True}],
        }
    ).encode()

    def post(token: str) -> tuple[int, dict]:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(post, tokens))


@pytest.mark.committed
@pytest.mark.parametrize("racers", [2, 8])
def test_racers_for_the_last_place_get_one_confirmed_and_the_rest_waitlisted(race_app, live_url, racers):
    """With one place left, exactly one racer is confirmed; the others are waitlisted 1..n-1."""
    from harkop.competitions.models import Competition
    from harkop.registrations.models import Entry, EntryState, Ticket

    comp_id, tokens = _setup(race_app, capacity=3, already=2, racers=racers)
    results = _race(f"{live_url}/api/v1/competitions/{comp_id}/entries", tokens)
    assert [status for status, _ in results] == [201] * racers, results
    states = sorted(body["state"] for _, body in results)
    assert states == ["confirmed"] + ["waitlisted"] * (racers - 1)
    positions = sorted(body["waitlist_position"] for _, body in results if body["state"] == "waitlisted")
    assert positions == list(range(1, racers))
    with race_app.app_context():
        confirmed = db.session.scalar(
            select(func.count(Entry.id)).where(
                Entry.competition_id == comp_id, Entry.state == EntryState.confirmed
            )
        )
        assert confirmed == 3
        assert db.session.get(Competition, comp_id).confirmed_count == 3
        winner = next(body["id"] for _, body in results if body["state"] == "confirmed")
        tickets = db.session.scalar(
            select(func.count(Ticket.id))
            .join(Ticket.participant)
            .where(Ticket.participant.has(entry_id=winner))
        )
        assert tickets == 1


@pytest.mark.committed
def test_one_cooperative_racing_itself_gets_one_entry(race_app, live_url):
    """Four pengurus of one cooperative post at once under a limit of one: one entry, three refusals."""
    from harkop.registrations.models import Entry

    comp_id, tokens = _setup(race_app, capacity=10, already=0, racers=4, same_cooperative=True)
    results = _race(f"{live_url}/api/v1/competitions/{comp_id}/entries", tokens)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 422, 422, 422], results
    refusals = [body["error"] for status, body in results if status == 422]
    assert all(e["code"] == "not_eligible" for e in refusals)
    assert all(e["details"]["reasons"][0]["code"] == "limit_reached" for e in refusals)
    with race_app.app_context():
        assert db.session.scalar(select(func.count(Entry.id)).where(Entry.competition_id == comp_id)) == 1
