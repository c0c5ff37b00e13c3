"""Crash safety (issue 19): `kill -9` of the server in the middle of a burst of check-ins and
scorecard saves; after a restart every acknowledged write is there, and none is doubled.

Runs on the suite's database: a SQLite file (WAL) under `make test`, a PostgreSQL schema under
`make test-pg`. Bounded: at most a few hundred requests to 127.0.0.1, in well under a minute.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
import urllib.error
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from tests.liveserver import LiveServer
from tests.ops.httpclient import Balancer

pytestmark = [pytest.mark.committed, pytest.mark.slow]

TICKETS = 60
SECOND_SCANS = 20  # tickets scanned twice (another device): the second must be refused
SCORE_ENTRIES = 4
ACKS_BEFORE_KILL = 45
KILL_DEADLINE = 20.0


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged before it died."""

    scans: dict[str, dict] = field(default_factory=dict)  # nonce -> request body
    ticket_of: dict[str, int] = field(default_factory=dict)  # nonce -> ticket id
    acked_scans: dict[str, str] = field(default_factory=dict)  # nonce -> verdict
    saves: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))  # entry -> bodies
    acked_revision: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acks(self) -> int:
        with self.lock:
            return len(self.acked_scans) + sum(self.acked_revision.values())


def _prepare(server: LiveServer) -> dict:
    """Staff and a judge with tokens, 60 tickets for today and 4 entries for the judge."""
    from harkop.auth.services import create_user, issue_token
    from harkop.extensions import db
    from tests.checkin import factories as checkin_f
    from tests.judging.factories import judging_setup

    with server.app_context():
        staff, _ = create_user(
            username="petugas-crash", role="checkin_staff", password="rahasia123", by="test"
        )
        comp = checkin_f.make_competition(name="Lomba Uji Crash")
        codes = [(t.id, checkin_f.code(t)) for t in (checkin_f.make_ticket(comp) for _ in range(TICKETS))]
        setup = judging_setup(entries=SCORE_ENTRIES, judges=1, k=1)
        judge = setup.judges[0]
        criteria = [str(c.id) for c in setup.comp.criteria]
        maxima = {str(c.id): c.max_score for c in setup.comp.criteria}
        data = {
            "staff_token": issue_token(staff, by="test"),
            "judge_token": issue_token(judge, by="test"),
            "codes": codes,
            "entries": [e.id for e in setup.entries],
            "criteria": criteria,
            "maxima": maxima,
        }
        db.session.commit()
    return data


def _scanner(base: str, token: str, work: queue.Queue, ledger: Ledger, stop: threading.Event) -> None:
    client = Balancer(base, headers={"Authorization": f"Bearer {token}"})
    while not stop.is_set():
        try:
            body = work.get_nowait()
        except queue.Empty:
            return
        with ledger.lock:
            ledger.scans[body["nonce"]] = body
        try:
            answer = client.post("/api/v1/checkins", json_body=body)
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            return  # the server died: this scan is unacknowledged
        if answer.status in (200, 409):
            payload = answer.json()
            verdict = payload.get("verdict") or payload["error"]["code"]
            with ledger.lock:
                ledger.acked_scans[body["nonce"]] = verdict


def _judge(base: str, token: str, entry_id: int, data: dict, ledger: Ledger, stop: threading.Event) -> None:
    client = Balancer(base, headers={"Authorization": f"Bearer {token}"})
    revision = 0
    while not stop.is_set() and revision < 60:
        revision += 1
        scores = {c: revision % (data["maxima"][c] + 1) for c in data["criteria"]}
        body = {
            "scores": scores,
            "revision": revision,
            "device_id": f"tab-{entry_id}",
            "comment": f"r{revision}",
        }
        with ledger.lock:
            ledger.saves[entry_id].append(body)
        try:
            answer = client.put(f"/api/v1/scorecards/{entry_id}", json_body=body)
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            return
        assert answer.status == 200, answer.text
        with ledger.lock:
            ledger.acked_revision[entry_id] = revision


def _check_database(server: LiveServer, ledger: Ledger, *, replayed: bool) -> None:
    """Every acknowledged write is there once; no check-in or scorecard event is doubled."""
    from harkop.checkin.models import CheckIn, Scan
    from harkop.extensions import db
    from harkop.judging.models import Scorecard, ScorecardEvent

    with server.app_context():
        scans = dict(
            db.session.execute(
                select(Scan.nonce, Scan.verdict).where(Scan.nonce.in_(list(ledger.scans)))
            ).all()
        )
        for nonce, verdict in ledger.acked_scans.items():
            assert nonce in scans, f"acknowledged scan {nonce} lost in the crash"
            assert scans[nonce].value == verdict
        doubled = db.session.execute(
            select(CheckIn.ticket_id, CheckIn.day, func.count())
            .group_by(CheckIn.ticket_id, CheckIn.day)
            .having(func.count() > 1)
        ).all()
        assert doubled == [], f"tickets admitted twice on one day: {doubled}"
        admitted = {t for (t,) in db.session.execute(select(CheckIn.ticket_id)).all()}
        for nonce, verdict in ledger.acked_scans.items():
            if verdict == "checked_in":
                assert ledger.ticket_of[nonce] in admitted
        if replayed:
            assert len(scans) == len(ledger.scans), "a replayed scan was not recorded"
            sent = {ledger.ticket_of[nonce] for nonce in ledger.scans}
            assert sent <= admitted, "a ticket scanned before the crash is not admitted after the replay"
        for entry_id, revision in ledger.acked_revision.items():
            card = db.session.scalar(select(Scorecard).where(Scorecard.entry_id == entry_id))
            assert card is not None and card.revision >= revision, (
                f"entry {entry_id}: revision {revision} lost"
            )
        events_doubled = db.session.execute(
            select(ScorecardEvent.scorecard_id, ScorecardEvent.revision, ScorecardEvent.kind, func.count())
            .group_by(ScorecardEvent.scorecard_id, ScorecardEvent.revision, ScorecardEvent.kind)
            .having(func.count() > 1)
        ).all()
        assert events_doubled == [], f"scorecard revisions recorded twice: {events_doubled}"


def test_acknowledged_writes_survive_kill_9_and_none_is_doubled(tmp_path):
    """SIGKILL gunicorn (master and workers) mid-burst; restart; every acknowledged scan and save is
    in the database, no ticket is admitted twice a day, no revision is recorded twice, and replaying
    the whole burst (as offline devices do) changes none of that."""
    server = LiveServer.start(tmp_path / "before", seed=False, threads=4, own_group=True)
    restarted = None
    try:
        data = _prepare(server)
        ledger = Ledger()
        work: queue.Queue = queue.Queue()
        for i, (ticket_id, code) in enumerate(data["codes"]):
            for device in ("hp-1", "hp-2") if i < SECOND_SCANS else ("hp-1",):
                nonce = f"crash-{device}-{ticket_id}"
                ledger.ticket_of[nonce] = ticket_id
                work.put({"code": code, "nonce": nonce, "device_id": device})
        stop = threading.Event()
        threads = [
            threading.Thread(target=_scanner, args=(server.url, data["staff_token"], work, ledger, stop))
            for _ in range(4)
        ] + [
            threading.Thread(target=_judge, args=(server.url, data["judge_token"], e, data, ledger, stop))
            for e in data["entries"]
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + KILL_DEADLINE
        while ledger.acks() < ACKS_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill()  # mid-burst: requests are in flight
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert ledger.acks() >= ACKS_BEFORE_KILL, "the burst was too slow to reach the kill point"
        assert len(ledger.scans) > len(ledger.acked_scans) or work.qsize() > 0, (
            "the kill came after the burst"
        )

        restarted = LiveServer.start(
            tmp_path / "after", database_url=server.database_url, seed=False, fake_now=server.fake_now
        )
        _check_database(restarted, ledger, replayed=False)

        # Devices replay everything they sent (the scans with their nonces, the last save of each card).
        client = Balancer(restarted.url, headers={"Authorization": f"Bearer {data['staff_token']}"})
        for nonce, body in list(ledger.scans.items()):
            answer = client.post("/api/v1/checkins", json_body=body)
            assert answer.status in (200, 409), answer.text
            payload = answer.json()
            verdict = payload.get("verdict") or payload["error"]["code"]
            if nonce in ledger.acked_scans:
                assert verdict == ledger.acked_scans[nonce], f"{nonce}: a replay changed the answer"

        judge = Balancer(restarted.url, headers={"Authorization": f"Bearer {data['judge_token']}"})
        for entry_id, bodies in ledger.saves.items():
            answer = judge.put(f"/api/v1/scorecards/{entry_id}", json_body=bodies[-1])
            assert answer.status == 200, answer.text
            assert answer.json()["revision"] == bodies[-1]["revision"]
        _check_database(restarted, ledger, replayed=True)
    finally:
        if restarted is not None:
            restarted.stop()
        server.stop()
