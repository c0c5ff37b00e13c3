"""Demo judging for `seed-demo`: judges, a published competition and one in the middle of judging.

Built on the demo competitions and entries of harkop/demo/competitions.py, through the real
services (check-ins at the gate, attendance, automatic assignment, scorecards, finalise, publish),
at fixed moments of 26 July 2024 (WITA), all before the demo's "now" (09.00: nothing the demo
shows happened in its future), so the office sees:

* **Lomba Masak Sambal Ayam Geprek** (26 July, 07.00–08.30): announced at 08.45, with a no-show when the check-in demo
  left an entry nobody of which came; Juara 1–3 and Harapan 1–2 written into their cooperatives'
  profiles.
* **Lomba Display Produk Koperasi** (26–28 July, from 08.00): under judging since 08.20. Every judge has submitted except
  `juri` (the demo judge), who has two entries left (one draft, one untouched), and one entry's
  judges disagree enough to be flagged. `ketuajuri` is the head judge of both.

Idempotent: a competition that already has a panel is left as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from .. import clock
from ..auth.models import Role, User
from ..auth.services import create_user
from ..checkin.scans import ScanInput, check_in
from ..competitions import services as competitions
from ..competitions.models import Competition, CompetitionState, Event
from ..extensions import db
from ..judging import services
from ..judging.assignments import admitted_entry_ids, auto_assign, judged_entries, mark_no_shows
from ..judging.models import Assignment, CompetitionJudge
from ..registrations.models import Entry
from ..registrations.tickets import qr_payload

WITA = clock.WITA
SEED_ACTOR = "seed-demo"
DEMO_PASSWORD = "harkop2024"
PUBLISHED_SLUG = "masak-sambal-ayam-geprek"
JUDGING_SLUG = "display-produk-koperasi"
DEMO_JUDGE = "juri"
HEAD_JUDGE = "ketuajuri"

# (username, name); `juri` is created with the other demo accounts.
JUDGES = [
    (HEAD_JUDGE, "Dr. Hj. Ratna Dewi (Ketua Juri)"),
    ("juri.rina", "Rina Wulandari, S.E."),
    ("juri.andi", "Andi Pratama"),
    ("juri.maya", "Chef Maya Sari"),
]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 7, day, hour, minute, tzinfo=WITA)


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def seed_judges() -> list[User]:
    """The demo judges (password `harkop2024`), `juri` first, then the head judge and three more."""
    panel = []
    demo = _user(DEMO_JUDGE)
    if demo is not None:
        panel.append(demo)
    for username, name in JUDGES:
        user = _user(username)
        if user is None:
            user, _ = create_user(
                username=username, role=Role.judge, password=DEMO_PASSWORD, display_name=name, by=SEED_ACTOR
            )
        panel.append(user)
    db.session.flush()
    return panel


def _competition(slug: str) -> Competition | None:
    return db.session.scalar(
        select(Competition).join(Event).where(Event.slug == "harkop-2024", Competition.slug == slug)
    )


def _to_judging(comp: Competition, now: datetime) -> None:
    """Walk a demo competition from open/closed to judging through the state machine."""
    if comp.state == CompetitionState.open:
        competitions.transition_competition(comp, CompetitionState.closed, by=SEED_ACTOR, now=now)
    if comp.state == CompetitionState.closed:
        competitions.transition_competition(comp, CompetitionState.judging, by=SEED_ACTOR, now=now)


def _gate(comp: Competition, staff: Any, *, leave_out_one: bool, when: datetime) -> None:
    """Scan one participant of each confirmed entry in at the gate. With `leave_out_one`, one entry
    nobody of which came yet (the check-in demo admits about two thirds of the day's tickets) is
    left out, so it becomes the demo's no-show."""
    entries = judged_entries(comp)
    absent = None
    if leave_out_one:
        already = admitted_entry_ids(comp, now=when)
        absent = next((e for e in reversed(entries) if e.id not in already), None)
    for entry in entries:
        ticket = entry.current_participants[0].ticket
        if entry is absent or ticket is None:
            continue
        check_in(
            ScanInput(
                code=qr_payload(ticket),
                device_id="demo-gerbang-1",
                gate="Pintu Atrium",
                nonce=f"demo-judging-{ticket.id}-{when.date().isoformat()}",
            ),
            by=staff,
            now=when,
        )


def _score(entry: Entry, judge: User, comp: Competition, *, bias: int = 0) -> dict[str, int]:
    """Plausible, deterministic scores: each entry has a level, each judge a small habit."""
    base = 4 + (entry.id * 5) % 6
    habit = (judge.id % 3) - 1
    return {
        str(c.id): max(0, min(c.max_score, base + habit + bias + (i % 2)))
        for i, c in enumerate(comp.criteria)
    }


def _save(
    entry: Entry, judge: User, comp: Competition, when: datetime, *, submit: bool, bias: int = 0
) -> None:
    scores = _score(entry, judge, comp, bias=bias)
    services.save_scorecard(entry.id, judge=judge, scores=scores, revision=1, now=when, device_id="demo")
    if submit:
        services.save_scorecard(
            entry.id, judge=judge, scores=scores, submit=True, revision=2, now=when, device_id="demo"
        )


def _panel(comp: Competition, judges: list[User], head: User, now: datetime) -> None:
    for judge in judges:
        services.add_judge(comp, judge, head=judge.id == head.id, by=SEED_ACTOR, now=now)


def _assignments(comp: Competition) -> dict[int, list[int]]:
    """Entry id -> judge ids, in id order."""
    out: dict[int, list[int]] = {}
    for a in db.session.scalars(
        select(Assignment).where(Assignment.competition_id == comp.id).order_by(Assignment.entry_id)
    ):
        out.setdefault(a.entry_id, []).append(a.judge_id)
    return out


def _has_panel(comp: Competition) -> bool:
    return (
        db.session.scalar(
            select(CompetitionJudge.id).where(CompetitionJudge.competition_id == comp.id).limit(1)
        )
        is not None
    )


def seed_published(judges: list[User], head: User, admin: Any, staff: Any) -> bool:
    """Lomba Masak Sambal Ayam Geprek: judged, finalised and published on 26 July."""
    comp = _competition(PUBLISHED_SLUG)
    if comp is None or _has_panel(comp) or not judged_entries(comp):
        return False
    _to_judging(comp, _at(26, 6, 45))
    _panel(comp, judges, head, _at(26, 6, 45))
    _gate(comp, staff, leave_out_one=True, when=_at(26, 6, 50))
    mark_no_shows(comp, by=admin, now=_at(26, 7, 5))
    auto_assign(comp, by=admin, now=_at(26, 7, 10))
    by_id = {j.id: j for j in judges}
    for minute, (entry_id, judge_ids) in enumerate(_assignments(comp).items()):
        entry = db.session.get(Entry, entry_id)
        for judge_id in judge_ids:
            _save(entry, by_id[judge_id], comp, _at(26, 8, 0 + minute), submit=True)
    services.finalise_results(comp, by=head, now=_at(26, 8, 35))
    services.publish_results(comp, by=admin, now=_at(26, 8, 45))
    return True


def seed_under_judging(judges: list[User], head: User, admin: Any, staff: Any) -> bool:
    """Lomba Display Produk Koperasi: half-way, with `juri` two entries short and one discrepancy."""
    comp = _competition(JUDGING_SLUG)
    if comp is None or _has_panel(comp) or not judged_entries(comp):
        return False
    _to_judging(comp, _at(26, 7, 30))
    _panel(comp, judges, head, _at(26, 7, 30))
    # juri.andi is a member of one exhibitor's cooperative: the assignment keeps them apart.
    andi = next(j for j in judges if j.username == "juri.andi")
    first = judged_entries(comp)[0]
    services.add_affiliation(andi, first.cooperative.nik, by=admin, now=_at(26, 7, 35))
    _gate(comp, staff, leave_out_one=False, when=_at(26, 7, 45))
    mark_no_shows(comp, by=admin, now=_at(26, 8, 5))
    auto_assign(comp, by=admin, now=_at(26, 8, 10))
    by_id = {j.id: j for j in judges}
    demo = next((j for j in judges if j.username == DEMO_JUDGE), None)
    demo_entries = [e for e, js in _assignments(comp).items() if demo is not None and demo.id in js]
    draft_entry = demo_entries[-2] if len(demo_entries) >= 2 else None
    open_entry = demo_entries[-1] if demo_entries else None
    flagged = next(iter(_assignments(comp)))  # the first entry: one judge far below the others
    for minute, (entry_id, judge_ids) in enumerate(_assignments(comp).items()):
        entry = db.session.get(Entry, entry_id)
        for n, judge_id in enumerate(judge_ids):
            judge = by_id[judge_id]
            when = _at(26, 8, 20 + minute)
            if entry_id == open_entry and judge is demo:
                continue
            bias = -4 if entry_id == flagged and n == 0 else 0
            _save(entry, judge, comp, when, submit=not (entry_id == draft_entry and judge is demo), bias=bias)
    return True


def seed_judging() -> dict[str, bool]:
    """Judges, assignments and scorecards for the demo; flushes only (seed-demo commits)."""
    admin = _user("admin") or SEED_ACTOR
    staff = _user("petugas") or admin
    judges = seed_judges()
    head = next(j for j in judges if j.username == HEAD_JUDGE)
    return {
        "published": seed_published(judges, head, admin, staff),
        "judging": seed_under_judging(judges, head, admin, staff),
    }
