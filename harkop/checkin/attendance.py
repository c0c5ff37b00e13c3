"""Who came: entries with a participant admitted at the gate, for the packages that build on check-in.

Judging marks no-shows from this; it reads attendance through this function, never the
admission table itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..registrations.models import Entry, Participant, Ticket
from .models import CheckIn


def admitted_entry_ids(competition_id: int, days: Iterable[date]) -> set[int]:
    """Entries of a competition with at least one participant admitted on one of `days` (one admission per ticket per day)."""
    days = list(days)
    if not days:
        return set()
    rows = db.session.scalars(
        select(Participant.entry_id)
        .join(Ticket, Ticket.participant_id == Participant.id)
        .join(CheckIn, CheckIn.ticket_id == Ticket.id)
        .join(Entry, Entry.id == Participant.entry_id)
        .where(Entry.competition_id == competition_id, CheckIn.day.in_(days))
        .distinct()
    )
    return set(rows)
