"""Test data for competitions and registrations: events, competitions, registry facts, people.

Plain functions (not fixtures) so the authorization rows can call them too. Times are fixed
around the demo's window (1–20 July 2024 WITA) so every rule can be tested before, inside and
after it with an explicit `now`.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from harkop import clock
from harkop.competitions import services as competitions
from harkop.competitions.models import Competition, CompetitionState, Event
from harkop.cooperatives.services import CooperativeFacts
from harkop.extensions import db

WITA = clock.WITA
OPENS = datetime(2024, 7, 1, 0, 0, tzinfo=WITA)
CLOSES = datetime(2024, 7, 21, 0, 0, tzinfo=WITA)  # "1–20 July": closes at the start of the 21st
BEFORE = datetime(2024, 6, 30, 23, 59, tzinfo=WITA)
INSIDE = datetime(2024, 7, 10, 10, 0, tzinfo=WITA)
AFTER = CLOSES
EVENT_DAY = date(2024, 7, 26)

_seq = itertools.count(1)


def make_event(**overrides: Any) -> Event:
    """An event of 26–28 July 2024 with a unique slug."""
    n = next(_seq)
    values = {
        "name": f"Hari Koperasi Uji {n}",
        "slug": f"harkop-uji-{n}",
        "venue": "Pentacity Mall",
        "starts_on": date(2024, 7, 26),
        "ends_on": date(2024, 7, 28),
    }
    values.update(overrides)
    return competitions.save_event(None, values, by="test")


def make_competition(
    event: Event | None = None,
    *,
    state: CompetitionState | str = CompetitionState.open,
    criteria: int = 2,
    **overrides: Any,
) -> Competition:
    """A competition (open by default, window 1–20 July 2024, 26 July 09.00–12.00) with a rubric.

    The state is set directly: tests of the state machine move it through the service.
    """
    event = event or make_event()
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Lomba Uji {n}",
        "slug": f"lomba-uji-{n}",
        "days": [EVENT_DAY],
        "starts_at": time(9, 0),
        "ends_at": time(12, 0),
        "place": "Atrium Lt. 1",
        "team_kind": "team",
        "min_team_size": 1,
        "max_team_size": 3,
        "capacity": 10,
        "per_cooperative_limit": 1,
        "registration_opens_at": OPENS,
        "registration_closes_at": CLOSES,
        "require_active": True,
        "require_rat_previous_year": True,
    }
    values.update(overrides)
    comp = competitions.save_competition(event, None, values, by="test", now=OPENS)
    if criteria:
        competitions.set_rubric(
            comp,
            [
                competitions.CriterionInput(name=f"Kriteria {i}", weight=10 * i, max_score=10)
                for i in range(1, criteria + 1)
            ],
            by="test",
            now=OPENS,
        )
    comp.state = CompetitionState(state)
    db.session.flush()
    return comp


def eligible_facts(coop: Any = None, **overrides: Any) -> CooperativeFacts:
    """Registry facts of a cooperative that meets every usual rule of the 2024 event."""
    base = CooperativeFacts(
        id=getattr(coop, "id", 0),
        nik=getattr(coop, "nik", "6471000000000000"),
        name=getattr(coop, "name", "Koperasi Uji"),
        is_active=True,
        inactive_reasons=(),
        rat_book_years=frozenset({2021, 2022, 2023}),
        predikat="cukup_sehat",
        predikat_examined_on=date(2024, 5, 14),
        jenis="konsumen",
        grade="A",
    )
    return replace(base, **overrides)


class FakeRegistry:
    """Stands in for the registry's facts while a test runs: eligible unless told otherwise."""

    def __init__(self) -> None:
        self.overrides: dict[int, dict[str, Any]] = {}

    def set(self, coop: Any, **overrides: Any) -> None:
        """Give one cooperative other facts (e.g. is_active=False)."""
        self.overrides[coop.id] = overrides

    def facts(self, cooperative_id: int, *, today: date | None = None) -> CooperativeFacts:
        """The facts of one cooperative, like `cooperative_facts`."""
        from harkop.cooperatives.models import Cooperative

        coop = db.session.get(Cooperative, cooperative_id)
        return eligible_facts(coop, **self.overrides.get(cooperative_id, {}))

    def all_facts(self, *, today: date | None = None) -> list[CooperativeFacts]:
        """The facts of every cooperative, like `all_cooperative_facts`."""
        from sqlalchemy import select

        from harkop.cooperatives.models import Cooperative

        return [self.facts(c.id) for c in db.session.scalars(select(Cooperative).order_by(Cooperative.id))]

    def install(self, monkeypatch) -> FakeRegistry:
        """Patch the places that read registry facts."""
        monkeypatch.setattr("harkop.registrations.services.cooperative_facts", self.facts)
        monkeypatch.setattr("harkop.cooperatives.services.all_cooperative_facts", self.all_facts)
        monkeypatch.setattr("harkop.demo.competitions.all_cooperative_facts", self.all_facts)
        return self


def people(n: int = 2, *, children: bool = False, prefix: str = "Peserta") -> list:
    """n valid participants (with consent; with a guardian for children's competitions)."""
    from harkop.registrations.services import ParticipantInput

    return [
        ParticipantInput(
            name=f"{prefix} {i}",
            phone=f"08123456{i:04d}",
            role="Ketua tim" if i == 1 else "Anggota",
            consent=True,
            guardian_name=f"Wali {i}" if children else "",
            guardian_consent=children,
        )
        for i in range(1, n + 1)
    ]


def people_json(n: int = 2, **kw: Any) -> list[dict[str, Any]]:
    """The same participants as API JSON."""
    return [
        {
            "name": p.name,
            "phone": p.phone,
            "role": p.role,
            "consent": p.consent,
            "guardian_name": p.guardian_name,
            "guardian_consent": p.guardian_consent,
        }
        for p in people(n, **kw)
    ]


def make_entry(
    comp: Competition, cooperative_id: int, *, state: str = "confirmed", n: int = 1, team: str = "Tim Uji"
):
    """An entry written directly (no eligibility check: for authorization rows and page fixtures)."""
    from harkop.registrations.models import Entry, EntryState, Participant
    from harkop.registrations.tickets import issue_ticket

    entry = Entry(
        competition_id=comp.id,
        cooperative_id=cooperative_id,
        team_name=team,
        state=EntryState(state),
        decision={"eligible": True, "stage": "test"},
        waitlist_position=1 if state == "waitlisted" else None,
        created_at=INSIDE,
        updated_at=INSIDE,
        participants=[
            Participant(
                position=i,
                name=f"Peserta {i}",
                phone=f"08123456{i:04d}",
                role="Anggota",
                consent=True,
                consent_at=INSIDE,
                created_at=INSIDE,
            )
            for i in range(1, n + 1)
        ],
    )
    db.session.add(entry)
    db.session.flush()
    if state == "confirmed":
        for participant in entry.participants:
            issue_ticket(participant, now=INSIDE)
    return entry
