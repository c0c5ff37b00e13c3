"""Finding tickets for the gate: one query, one builder of a ticket's facts and of its admission's.

Every place that shows a ticket at the gate (a scan's answer, the offline roster, the search
list, a scan read back later) reads it through `ticket_select` and builds it with `found_tickets`:
the ticket, its participant, team, cooperative and competition, the days the competition runs
(one row per day, joined) and the ticket's admission on the day asked, with who made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.sql import Select

from .. import clock
from ..auth.models import User
from ..competitions.models import Competition, CompetitionDay
from ..cooperatives.models import Cooperative
from ..db.driver import DriverStatement
from ..registrations.models import Entry, Participant, Ticket
from .models import CheckIn, Verdict
from .rule import TicketFacts

admission_table = CheckIn.__table__


def code_hash(secret: str) -> str:
    """SHA-256 (hex) of a ticket secret: how codes appear in the roster and in scan records."""
    return hashlib.sha256(secret.encode()).hexdigest()


def unknown_code_hash(code: str) -> str:
    """The hash recorded for a code that names no ticket (the text itself is not kept)."""
    return hashlib.sha256(("raw:" + code.strip()).encode()).hexdigest()


def slot_text(starts_at: time, ends_at: time) -> str:
    """A competition's time slot: '09.00–12.00 WITA'."""
    return f"{starts_at:%H.%M}–{ends_at:%H.%M} WITA"


def admission_json(
    *,
    id: int,
    day: date,
    admitted_at: Any,
    received_at: Any,
    by: str | None,
    gate: str,
    device_id: str,
    offline: bool,
) -> dict[str, Any]:
    """When, by whom, at which gate and on which device a ticket was admitted (as the gate shows it)."""
    admitted_at = clock.as_utc(admitted_at)
    return {
        "id": id,
        "day": day.isoformat(),
        "admitted_at": admitted_at.isoformat(),
        "admitted_at_text": clock.format_datetime(admitted_at),
        "received_at": clock.as_utc(received_at).isoformat(),
        "by": by,
        "gate": gate,
        "device_id": device_id,
        "offline": bool(offline),
    }


def admission_of(admission: CheckIn | None) -> dict[str, Any] | None:
    """An admission row of the session as the gate shows it, or None."""
    if admission is None:
        return None
    return admission_json(
        id=admission.id,
        day=admission.day,
        admitted_at=admission.admitted_at,
        received_at=admission.received_at,
        by=admission.by.label if admission.by is not None else None,
        gate=admission.gate,
        device_id=admission.device_id,
        offline=admission.offline,
    )


@dataclass(frozen=True, slots=True)
class FoundTicket:
    """A ticket as the gate found it: its facts, its secret and its admission on the day asked."""

    facts: TicketFacts
    secret: str
    admission: dict[str, Any] | None


def ticket_json(ticket: FoundTicket | None, verdict: Verdict) -> dict[str, Any] | None:
    """The ticket as a scan's answer shows it (None: no ticket); with its days when not valid that day."""
    if ticket is None:
        return None
    data = ticket.facts.as_json()
    if verdict == Verdict.not_valid_today:
        data["valid_days"] = [d.isoformat() for d in ticket.facts.days]
    return data


def ticket_select(*where: Any) -> Select:
    """The gate's query of tickets: one row per ticket and competition day, the admission on `:day`.

    `where` narrows it (by secret, by id, by event); the caller binds `day`, orders and runs it.
    """
    return (
        select(
            Ticket.id,
            Ticket.secret,
            Ticket.revoked_at,
            Participant.name.label("participant"),
            Participant.role,
            Entry.state,
            Entry.team_name,
            Entry.competition_id,
            Cooperative.name.label("cooperative"),
            Competition.name.label("competition"),
            Competition.starts_at,
            Competition.ends_at,
            Competition.place,
            CompetitionDay.day.label("runs_on"),
            *(c.label(f"adm_{c.name}") for c in admission_table.columns),
            func.coalesce(func.nullif(User.display_name, ""), User.username).label("adm_by"),
        )
        .join(Participant, Participant.id == Ticket.participant_id)
        .join(Entry, Entry.id == Participant.entry_id)
        .join(Cooperative, Cooperative.id == Entry.cooperative_id)
        .join(Competition, Competition.id == Entry.competition_id)
        .outerjoin(CompetitionDay, CompetitionDay.competition_id == Entry.competition_id)
        .outerjoin(
            admission_table,
            (admission_table.c.ticket_id == Ticket.id) & (admission_table.c.day == bindparam("day")),
        )
        .outerjoin(User, User.id == admission_table.c.by_id)
        .where(*where)
    )


def found_tickets(rows: Any) -> list[FoundTicket]:
    """Build each ticket once from `ticket_select`'s rows (a ticket's rows must come together)."""
    found: list[FoundTicket] = []
    first: Any = None
    days: list[date] = []
    for row in rows:
        if first is not None and row.id != first.id:
            found.append(_found(first, days))
            days = []
        if first is None or row.id != first.id:
            first = row
        if row.runs_on is not None:
            days.append(row.runs_on)
    if first is not None:
        found.append(_found(first, days))
    return found


def _found(row: Any, days: list[date]) -> FoundTicket:
    facts = TicketFacts(
        id=row.id,
        participant=row.participant,
        role=row.role,
        team=row.team_name,
        cooperative=row.cooperative,
        competition_id=row.competition_id,
        competition=row.competition,
        slot=slot_text(row.starts_at, row.ends_at),
        place=row.place,
        entry_state=getattr(row.state, "value", row.state),
        revoked=row.revoked_at is not None,
        days=tuple(sorted(days)),
    )
    admission = None
    if row.adm_id is not None:
        admission = admission_json(
            id=row.adm_id,
            day=row.adm_day,
            admitted_at=row.adm_admitted_at,
            received_at=row.adm_received_at,
            by=row.adm_by,
            gate=row.adm_gate,
            device_id=row.adm_device_id,
            offline=row.adm_offline,
        )
    return FoundTicket(facts, row.secret, admission)


# The gate's hot path looks a ticket up by its secret (a scanned or typed code) or by its id (a
# pick from the search list): built once, run on the driver (docs/decisions/0001-checkin-hot-path.md).
_FIND_BY = {
    "secret": DriverStatement(ticket_select(Ticket.secret == bindparam("value"))),
    "id": DriverStatement(ticket_select(Ticket.id == bindparam("value"))),
}


def find_ticket(conn: Any, by: str, value: Any, day: date) -> FoundTicket | None:
    """One ticket by `secret` or `id`, with its admission on `day`, or None (never compares secrets)."""
    found = found_tickets(_FIND_BY[by].rows(conn, {"value": value, "day": day}))
    return found[0] if found else None
