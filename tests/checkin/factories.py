"""Test data for check-in: an event, competitions on given days, confirmed entries with tickets.

Plain functions (no fixtures), so the concurrency tests, the authorization rows, the browser
tests and the benchmark can use them. Rows are built directly from the models (registration
rules have their own tests); withdrawal and replacement go through the real services.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from harkop import clock
from harkop.competitions.models import Competition, CompetitionDay, CompetitionState, Event, TeamKind
from harkop.cooperatives.models import Cooperative
from harkop.extensions import db
from harkop.registrations.models import Entry, EntryState, Participant, Ticket
from harkop.registrations.tickets import issue_ticket, qr_payload

WITA = clock.WITA
DAY1 = date(2024, 7, 26)
DAY2 = date(2024, 7, 27)
DAY3 = date(2024, 7, 28)
ON_DAY1 = datetime(2024, 7, 26, 9, 30, tzinfo=WITA)
ON_DAY2 = datetime(2024, 7, 27, 9, 30, tzinfo=WITA)
BEFORE_EVENT = datetime(2024, 7, 20, 10, 0, tzinfo=WITA)


def _suffix() -> str:
    return uuid.uuid4().hex[:10]


def make_event(**overrides: Any) -> Event:
    """An event of 26–28 July 2024 with a unique slug."""
    n = _suffix()
    values = {
        "slug": f"harkop-uji-{n}",
        "name": f"Hari Koperasi Uji {n}",
        "venue": "Pentacity Mall",
        "starts_on": DAY1,
        "ends_on": DAY3,
    }
    values.update(overrides)
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    return event


def make_competition(
    event: Event | None = None,
    *,
    days: tuple[date, ...] = (DAY1,),
    starts_at: time = time(9, 0),
    ends_at: time = time(12, 0),
    state: CompetitionState = CompetitionState.closed,
    **overrides: Any,
) -> Competition:
    """A competition (registration closed, as on the event days) running on `days`."""
    event = event or make_event()
    n = _suffix()
    values: dict[str, Any] = {
        "event": event,
        "name": f"Lomba Uji {n}",
        "slug": f"lomba-uji-{n}",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": "Atrium Lt. 1",
        "team_kind": TeamKind.team,
        "min_team_size": 1,
        "max_team_size": 5,
        "capacity": 50,
        "state": state,
        "created_at": BEFORE_EVENT,
        "updated_at": BEFORE_EVENT,
        "tie_break": [],
        "allowed_jenis": [],
    }
    values.update(overrides)
    comp = Competition(**values)
    comp.day_rows = [CompetitionDay(day=d) for d in days]
    db.session.add(comp)
    db.session.flush()
    return comp


def make_cooperative(name: str | None = None) -> Cooperative:
    """A cooperative with a unique NIK."""
    digits = str(uuid.uuid4().int)[:12]
    coop = Cooperative(nik=f"6471{digits}", name=name or f"Koperasi Uji {digits[-4:]}")
    db.session.add(coop)
    db.session.flush()
    return coop


def make_entry(
    comp: Competition | None = None,
    *,
    people: int = 1,
    state: EntryState = EntryState.confirmed,
    team_name: str | None = None,
    cooperative: Cooperative | None = None,
    names: list[str] | None = None,
) -> Entry:
    """An entry with `people` participants; a confirmed one gets a ticket per participant."""
    comp = comp or make_competition()
    coop = cooperative or make_cooperative()
    n = _suffix()
    entry = Entry(
        competition=comp,
        cooperative=coop,
        team_name=team_name or f"Tim {n}",
        state=state,
        decision={},
        created_at=BEFORE_EVENT,
        updated_at=BEFORE_EVENT,
        confirmed_at=BEFORE_EVENT if state == EntryState.confirmed else None,
    )
    db.session.add(entry)
    for i in range(people):
        entry.participants.append(
            Participant(
                position=i + 1,
                name=(names[i] if names else f"Peserta {n} {i + 1}"),
                phone=f"0812{uuid.uuid4().int % 10**8:08d}",
                role="Ketua tim" if i == 0 else "Anggota",
                consent=True,
                consent_at=BEFORE_EVENT,
                created_at=BEFORE_EVENT,
            )
        )
    db.session.flush()
    if state == EntryState.confirmed:
        for participant in entry.participants:
            issue_ticket(participant, now=BEFORE_EVENT)
    return entry


def make_ticket(comp: Competition | None = None, **entry_kw: Any) -> Ticket:
    """A valid ticket of a confirmed one-person entry."""
    entry = make_entry(comp, **entry_kw)
    return entry.participants[0].ticket


def code(ticket: Ticket) -> str:
    """The ticket's QR payload, as a camera reads it."""
    return qr_payload(ticket)
