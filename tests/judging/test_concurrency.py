"""30 judges submitting at once lose nothing (SQLite and PostgreSQL, committed data, real threads)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from harkop.auth.services import issue_token
from harkop.extensions import db
from harkop.judging import services
from harkop.judging.models import CardEventKind, CardState, Scorecard, ScorecardEvent
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate
from tests.judging.factories import DURING, judging_setup

JUDGES = 30
ENTRIES = 30
K = 3


@pytest.fixture
def busy_app(tmp_path):
    """A committed database with 30 judges on one competition, 3 judges per entry."""
    app = make_app(fresh_database_url(tmp_path, "judges30"), HARKOP_FAKE_NOW=DURING.isoformat())
    migrate(app)
    with app.app_context():
        setup = judging_setup(entries=ENTRIES, judges=JUDGES, k=K)
        plan = []
        for judge in setup.judges:
            plan.append(
                {
                    "token": issue_token(judge, by="test"),
                    "judge_id": judge.id,
                    "entries": [e.id for e in setup.entries_of(judge)],
                }
            )
        criteria = [c.id for c in setup.comp.criteria]
        comp_id = setup.comp.id
        db.session.commit()
    yield app, plan, criteria, comp_id
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.committed
def test_thirty_judges_submitting_at_once_lose_nothing(busy_app):
    """Every judge, in their own thread, saves a draft and submits each card while a second "device"
    replays their first draft late; all 90 cards end submitted with the submitted scores, every
    save is in the event log, and no old replay overwrote a submission."""
    app, plan, criteria, comp_id = busy_app
    start = threading.Barrier(len(plan) * 2)
    failures: list[str] = []

    def value(judge_id: int, entry_id: int, crit: int) -> int:
        return (judge_id * 7 + entry_id * 3 + crit) % 11

    def judge_device(item) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {item['token']}"}
        start.wait()
        for entry_id in item["entries"]:
            url = f"/api/v1/scorecards/{entry_id}"
            draft = {str(c): 1 for c in criteria}
            final = {str(c): value(item["judge_id"], entry_id, c) for c in criteria}
            first = client.put(url, json={"scores": draft, "revision": 1}, headers=headers)
            second = client.put(url, json={"scores": final, "submit": True, "revision": 2}, headers=headers)
            for response in (first, second):
                # The late replay may have applied revision 1 first: the device's own draft is then a replay.
                if response.status_code != 200:
                    failures.append(f"{url}: {response.status_code} {response.get_data(as_text=True)[:200]}")

    def late_replay(item) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {item['token']}"}
        start.wait()
        for entry_id in item["entries"]:
            draft = {str(c): 1 for c in criteria}
            response = client.put(
                f"/api/v1/scorecards/{entry_id}", json={"scores": draft, "revision": 1}, headers=headers
            )
            # Before the submission it is applied or a replay (200); after it, refused as stale (409).
            if response.status_code not in (200, 409):
                failures.append(f"replay {entry_id}: {response.status_code}")
            elif response.status_code == 409 and response.get_json()["error"]["code"] != "stale_revision":
                failures.append(f"replay {entry_id}: {response.get_json()['error']['code']}")

    with ThreadPoolExecutor(max_workers=len(plan) * 2) as pool:
        futures = [pool.submit(judge_device, item) for item in plan]
        futures += [pool.submit(late_replay, item) for item in plan]
        for future in futures:
            future.result()
    assert not failures, failures[:5]

    with app.app_context():
        cards = db.session.scalars(select(Scorecard).where(Scorecard.competition_id == comp_id)).all()
        assert len(cards) == ENTRIES * K
        for card in cards:
            assert card.state == CardState.submitted and card.revision == 2
            assert card.scores == {str(c): value(card.judge_id, card.entry_id, c) for c in criteria}
        submitted = db.session.scalar(
            select(func.count(ScorecardEvent.id)).where(ScorecardEvent.kind == CardEventKind.submitted)
        )
        drafts = db.session.scalar(
            select(func.count(ScorecardEvent.id)).where(ScorecardEvent.kind == CardEventKind.draft_saved)
        )
        assert submitted == ENTRIES * K and drafts == ENTRIES * K  # one draft each: the other was a replay
        from harkop.competitions.models import Competition

        snapshot = services.finalise_results(db.session.get(Competition, comp_id), by="test")
        assert len(snapshot.data["entries"]) == ENTRIES
        db.session.rollback()
