"""The demo's check-ins on the first morning: admissions, a refused scan and an offline conflict."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..auth.models import User
from ..checkin.scans import ScanInput, check_in
from ..clock import WITA
from ..competitions.models import CompetitionDay
from ..extensions import db
from ..registrations.models import Entry, EntryState, Participant, Ticket
from ..registrations.tickets import qr_payload


def seed_checkins() -> int:
    """Early-morning check-ins on 26 July 2024 (from 06.00, half a minute apart) for about two thirds
    of that day's tickets, one refused scan and one offline conflict at 06.40, so the dashboard and
    the conflict list show something. All of it is before the first competition (07.00) and the
    demo's "now" (09.00). Idempotent (fixed nonces); does nothing until the demo has confirmed
    entries with tickets."""

    staff = db.session.scalar(select(User).where(User.username == "petugas"))
    day = date(2024, 7, 26)
    tickets = list(
        db.session.scalars(
            select(Ticket)
            .join(Participant, Participant.id == Ticket.participant_id)
            .join(Entry, Entry.id == Participant.entry_id)
            .join(CompetitionDay, CompetitionDay.competition_id == Entry.competition_id)
            .where(
                CompetitionDay.day == day, Entry.state == EntryState.confirmed, Ticket.revoked_at.is_(None)
            )
            .order_by(Ticket.id)
        )
    )
    if staff is None or not tickets:
        return 0
    start = datetime(2024, 7, 26, 6, 0, tzinfo=WITA)
    admitted = tickets[: max(1, len(tickets) * 2 // 3)]
    for i, ticket in enumerate(admitted):
        at = start + timedelta(seconds=30 * i)
        gate = "Pintu Utara" if i % 2 else "Pintu Selatan"
        check_in(
            ScanInput(
                code=qr_payload(ticket), device_id=f"demo-hp-{i % 3 + 1}", gate=gate,
                nonce=f"demo-{ticket.id}", scanned_at=at, method="camera",
            ),
            by=staff,
            now=at,
        )  # fmt: skip
    first = admitted[0]
    later = start + timedelta(minutes=40)
    check_in(
        ScanInput(code="HK1:TIKETPALSU", device_id="demo-hp-1", gate="Pintu Utara", nonce="demo-forged"),
        by=staff,
        now=later,
    )
    check_in(
        ScanInput(
            code=qr_payload(first), device_id="demo-hp-9", gate="Pintu Timur", nonce="demo-conflict",
            scanned_at=start + timedelta(minutes=1), offline=True, day=day, local_verdict="checked_in",
            method="camera",
        ),
        by=staff,
        now=later,
    )  # fmt: skip
    db.session.flush()
    return len(admitted)
