"""The day's roster for offline devices, and the search list: every ticket as the gate sees it.

Each item is a ticket's facts (`lookup`, the same query and builder as a scan's answer) with its
code as a SHA-256 hash, its days, the refusal the rule gives it that day whatever else happens
(`rule.roster_refusal`) and its admission that day. No phone numbers, no secrets: an offline
device hashes a scanned code and decides with `static/js/checkin/decide.js`, the same rule.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from .. import clock
from ..competitions.models import Competition, Event
from ..cooperatives.models import Cooperative
from ..extensions import db
from ..registrations.models import Entry, Participant, Ticket
from .lookup import FoundTicket, code_hash, found_tickets, ticket_select
from .rule import roster_refusal


def roster_item(ticket: FoundTicket, day: date) -> dict[str, Any]:
    """One ticket as the roster and the search list carry it, for `day`."""
    facts = ticket.facts
    item = facts.as_json()
    item["ticket_id"] = item.pop("id")
    refusal = roster_refusal(facts, day)
    item.update(
        code_hash=code_hash(ticket.secret),
        days=[d.isoformat() for d in facts.days],
        refusal=refusal.verdict.value if refusal is not None else None,
        reason=refusal.reason if refusal is not None else None,
        checked_in=ticket.admission,
    )
    return item


def _events_on(day: date) -> list[int]:
    return list(db.session.scalars(select(Event.id).where(Event.starts_on <= day, Event.ends_on >= day)))


def roster(day: date, *, now: datetime | None = None) -> dict[str, Any]:
    """What a device needs to decide offline on `day`: every ticket of the events running that day.

    Codes appear only as SHA-256 hashes; no phone numbers. Revoked tickets and tickets of other
    days are included (with `refusal`), so an offline device gives the same verdict the server
    would. `today` and `server_time` are the server's: a device never trusts its own clock for them.
    """
    now = now or clock.now()
    event_ids = _events_on(day)
    items = []
    if event_ids:
        stmt = ticket_select(Competition.event_id.in_(event_ids)).order_by(
            Competition.id, Entry.team_name, Participant.position, Ticket.id
        )
        items = [roster_item(t, day) for t in found_tickets(db.session.execute(stmt, {"day": day}))]
    return {
        "date": day.isoformat(),
        "today": clock.to_wita(now).date().isoformat(),
        "server_time": now.isoformat(),
        "items": items,
        "total": len(items),
        "page": 1,
        "per_page": max(len(items), 1),
    }


def search_tickets(query: str, *, day: date, limit: int = 20) -> list[dict[str, Any]]:
    """Tickets of the day's events whose participant, team, cooperative or phone matches `query`.

    The phone is matched (a participant may only remember it) but never returned.
    """
    text = (query or "").strip()
    if len(text) < 2:
        return []
    event_ids = _events_on(day)
    if not event_ids:
        return []
    like = f"%{text.lower()}%"
    conditions = [
        func.lower(Participant.name).like(like),
        func.lower(Entry.team_name).like(like),
        Entry.cooperative_id.in_(select(Cooperative.id).where(func.lower(Cooperative.name).like(like))),
    ]
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4:
        # Numbers are stored as typed ("0812…" or "+62812…"): match on the last digits.
        conditions.append(Participant.phone.like(f"%{digits[-8:]}%"))
    ids = list(
        db.session.scalars(
            select(Ticket.id)
            .join(Participant, Participant.id == Ticket.participant_id)
            .join(Entry, Entry.id == Participant.entry_id)
            .join(Competition, Competition.id == Entry.competition_id)
            .where(Competition.event_id.in_(event_ids), or_(*conditions))
            .order_by(Ticket.revoked_at.is_not(None), Participant.name, Ticket.id)
            .limit(limit)
        )
    )
    if not ids:
        return []
    rows = db.session.execute(ticket_select(Ticket.id.in_(ids)).order_by(Ticket.id), {"day": day})
    by_id = {t.facts.id: t for t in found_tickets(rows)}
    return [roster_item(by_id[i], day) for i in ids]
