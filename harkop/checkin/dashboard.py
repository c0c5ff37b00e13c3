"""The check-in dashboard: per day, per competition and per hour (WITA), no-shows, verdicts, open conflicts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..competitions.models import Competition, CompetitionDay, Event
from ..extensions import db
from ..registrations.models import Entry, EntryState, Participant, Ticket
from .conflicts import count_open_conflicts
from .lookup import slot_text
from .models import CheckIn, Scan, Verdict


@dataclass
class CompetitionRow:
    """One competition on the dashboard's day."""

    id: int
    name: str
    slot: str
    place: str
    expected: int
    checked_in: int
    ended: bool

    @property
    def missing(self) -> int:
        """Valid tickets not (yet) checked in."""
        return max(0, self.expected - self.checked_in)

    @property
    def no_shows(self) -> int:
        """Missing once the competition's slot has ended; before that, they may still come."""
        return self.missing if self.ended else 0


@dataclass
class DayRow:
    """One event day: tickets expected, checked in (each ticket once), no-shows so far."""

    day: date
    expected: int
    checked_in: int
    no_shows: int


@dataclass
class Dashboard:
    """The check-in figures of one day, plus every day of its event."""

    day: date
    today: date
    generated_at: datetime
    event_name: str | None
    days: list[DayRow]
    competitions: list[CompetitionRow]
    hours: list[tuple[int, int]]
    verdicts: dict[str, int]
    scans: int
    open_conflicts: int
    recent: list[Scan] = field(default_factory=list)

    @property
    def checked_in(self) -> int:
        """Tickets checked in on the day."""
        return sum(c.checked_in for c in self.competitions)

    @property
    def expected(self) -> int:
        """Valid tickets for the day."""
        return sum(c.expected for c in self.competitions)

    @property
    def no_shows(self) -> int:
        """No-shows of competitions that have ended."""
        return sum(c.no_shows for c in self.competitions)

    @property
    def busiest_hour_count(self) -> int:
        """The highest hourly count (for the bars' scale)."""
        return max((n for _h, n in self.hours), default=0)

    def as_json(self) -> dict[str, Any]:
        """Plain data for the API and the page's refresh."""
        return {
            "date": self.day.isoformat(),
            "today": self.today.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "event": self.event_name,
            "totals": {
                "expected": self.expected,
                "checked_in": self.checked_in,
                "no_shows": self.no_shows,
                "scans": self.scans,
                "open_conflicts": self.open_conflicts,
            },
            "days": [
                {
                    "date": r.day.isoformat(),
                    "expected": r.expected,
                    "checked_in": r.checked_in,
                    "no_shows": r.no_shows,
                }
                for r in self.days
            ],
            "competitions": [
                {
                    "id": c.id,
                    "name": c.name,
                    "slot": c.slot,
                    "place": c.place,
                    "expected": c.expected,
                    "checked_in": c.checked_in,
                    "missing": c.missing,
                    "no_shows": c.no_shows,
                    "ended": c.ended,
                }
                for c in self.competitions
            ],
            "hours": [{"hour": h, "checked_in": n} for h, n in self.hours],
            "verdicts": self.verdicts,
        }


def _competition_rows(day: date, now: datetime) -> list[CompetitionRow]:
    comps = list(
        db.session.scalars(
            select(Competition)
            .join(CompetitionDay, CompetitionDay.competition_id == Competition.id)
            .where(CompetitionDay.day == day)
            .order_by(Competition.starts_at, Competition.name)
        )
    )
    if not comps:
        return []
    ids = [c.id for c in comps]
    expected = dict(
        db.session.execute(
            select(Entry.competition_id, func.count(Ticket.id))
            .join(Participant, Participant.entry_id == Entry.id)
            .join(Ticket, Ticket.participant_id == Participant.id)
            .where(
                Entry.competition_id.in_(ids),
                Entry.state == EntryState.confirmed,
                Ticket.revoked_at.is_(None),
            )
            .group_by(Entry.competition_id)
        ).all()
    )
    # Admissions, one row per ticket and day by the unique index: nothing to de-duplicate here.
    admitted = dict(
        db.session.execute(
            select(Entry.competition_id, func.count(CheckIn.id))
            .join(Participant, Participant.entry_id == Entry.id)
            .join(Ticket, Ticket.participant_id == Participant.id)
            .join(CheckIn, CheckIn.ticket_id == Ticket.id)
            .where(Entry.competition_id.in_(ids), CheckIn.day == day)
            .group_by(Entry.competition_id)
        ).all()
    )
    return [
        CompetitionRow(
            id=c.id,
            name=c.name,
            slot=slot_text(c.starts_at, c.ends_at),
            place=c.place,
            expected=expected.get(c.id, 0),
            checked_in=admitted.get(c.id, 0),
            ended=now >= c.slot_end(day),
        )
        for c in comps
    ]


def dashboard(day: date | None = None, *, now: datetime | None = None, recent: int = 15) -> Dashboard:
    """Checked in per day, per competition and per hour (WITA), no-shows, verdicts and open conflicts."""
    now = now or clock.now()
    today = clock.to_wita(now).date()
    day = day or today
    event = db.session.scalar(
        select(Event).where(Event.starts_on <= day, Event.ends_on >= day).order_by(Event.starts_on).limit(1)
    )
    if event is None:
        from ..competitions.services import current_event

        event = current_event(today=day)
    event_days = event.days() if event is not None else [day]
    if day not in event_days:
        event_days = sorted({*event_days, day})
    rows_by_day = {d: _competition_rows(d, now) for d in event_days}
    days = [
        DayRow(
            day=d,
            expected=sum(r.expected for r in rows),
            checked_in=sum(r.checked_in for r in rows),
            no_shows=sum(r.no_shows for r in rows),
        )
        for d, rows in rows_by_day.items()
    ]
    competitions = rows_by_day[day]
    by_hour: Counter[int] = Counter(
        clock.to_wita(t).hour
        for t in db.session.scalars(select(CheckIn.admitted_at).where(CheckIn.day == day))
    )
    hours = [(h, by_hour.get(h, 0)) for h in range(min([7, *by_hour]), max([18, *by_hour]) + 1)]
    verdicts = {v.value: 0 for v in Verdict}
    for verdict, count in db.session.execute(
        select(Scan.verdict, func.count(Scan.id)).where(Scan.day == day).group_by(Scan.verdict)
    ):
        verdicts[Verdict(verdict).value] = count
    recent_scans = list(
        db.session.scalars(
            select(Scan)
            .where(Scan.day == day)
            .options(joinedload(Scan.by), joinedload(Scan.ticket))
            .order_by(Scan.received_at.desc(), Scan.id.desc())
            .limit(recent)
        )
    )
    return Dashboard(
        day=day,
        today=today,
        generated_at=now,
        event_name=event.name if event is not None else None,
        days=days,
        competitions=competitions,
        hours=hours,
        verdicts=verdicts,
        scans=sum(verdicts.values()),
        open_conflicts=count_open_conflicts(),
        recent=recent_scans,
    )
