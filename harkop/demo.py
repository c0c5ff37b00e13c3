"""Demo data for `seed-demo`: the 2024 event and one account per role. Idempotent.

Later issues add competitions, entries and scores here. The registry's 587 demo cooperatives
come from harkop/cooperatives/seed.py (docs/demo-data.md).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .auth.models import User
from .auth.services import create_user
from .competitions.models import Event
from .cooperatives.models import Cooperative
from .cooperatives.seed import DEMO_COOP_NAME, DEMO_COOP_NIK, seed_registry
from .extensions import db

EVENT_THEME = "Koperasi sebagai Ekosistem untuk Konsolidasi, Akselerasi, dan Eskalasi Ekonomi Mikro dan Kecil"
DEMO_PASSWORD = "harkop2024"


def seed_event() -> Event:
    """The Hari Koperasi 2024 celebration at Pentacity Mall, 26–28 July 2024."""
    event = db.session.scalar(select(Event).where(Event.slug == "harkop-2024"))
    if event is None:
        event = Event(slug="harkop-2024")
        db.session.add(event)
    event.name = "Hari Koperasi 2024 Kota Balikpapan"
    event.theme = EVENT_THEME
    event.venue = "Pentacity Mall (Penta Hub), Balikpapan"
    event.starts_on = date(2024, 7, 26)
    event.ends_on = date(2024, 7, 28)
    event.description = (
        "Peringatan Hari Koperasi Nasional ke-77 di Kota Balikpapan: expo koperasi dan UMKM, "
        "lomba antarkoperasi, dan pengumuman hasil pemeriksaan kesehatan koperasi."
    )
    db.session.flush()
    return event


def _demo_cooperative() -> Cooperative:
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == DEMO_COOP_NIK))
    if coop is None:
        coop = Cooperative(nik=DEMO_COOP_NIK, name=DEMO_COOP_NAME)
        db.session.add(coop)
        db.session.flush()
    return coop


DEMO_ACCOUNTS = [
    ("admin", "admin", "Admin Dinas (demo)"),
    ("coop_rep", "pengurus", "Pengurus Koperasi (demo)"),
    ("judge", "juri", "Juri (demo)"),
    ("checkin_staff", "petugas", "Petugas Check-in (demo)"),
]


def seed_accounts() -> list[tuple[str, str, str]]:
    """One demo account per role (password `harkop2024`); returns (role, username, password)."""
    coop = _demo_cooperative()
    logins = []
    for role, username, name in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                display_name=name,
                cooperative_id=coop.id if role == "coop_rep" else None,
                by="seed-demo",
            )
        logins.append((role, username, DEMO_PASSWORD))
    return logins


def seed_checkins() -> int:
    """Morning check-ins on 26 July 2024 for about two thirds of that day's tickets, one refused scan
    and one offline conflict, so the dashboard and the conflict list show something. Idempotent
    (fixed nonces); does nothing until the demo has confirmed entries with tickets."""
    from datetime import datetime, timedelta

    from .clock import WITA
    from .competitions.models import CompetitionDay
    from .registrations import checkin
    from .registrations.models import Entry, EntryState, Participant, Ticket
    from .registrations.tickets import qr_payload

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
    start = datetime(2024, 7, 26, 7, 30, tzinfo=WITA)
    admitted = tickets[: max(1, len(tickets) * 2 // 3)]
    for i, ticket in enumerate(admitted):
        at = start + timedelta(minutes=2 * i)
        gate = "Pintu Utara" if i % 2 else "Pintu Selatan"
        checkin.check_in(
            qr_payload(ticket), by=staff, device_id=f"demo-hp-{i % 3 + 1}", gate=gate,
            nonce=f"demo-{ticket.id}", scanned_at=at, now=at, method="camera",
        )  # fmt: skip
    first = admitted[0]
    later = start + timedelta(hours=2)
    checkin.check_in(
        "HK1:TIKETPALSU", by=staff, device_id="demo-hp-1", gate="Pintu Utara", nonce="demo-forged", now=later
    )
    checkin.check_in(
        qr_payload(first), by=staff, device_id="demo-hp-9", gate="Pintu Timur",
        nonce="demo-conflict", scanned_at=start + timedelta(minutes=1), now=later, offline=True, day=day,
        local_verdict="checked_in", method="camera",
    )  # fmt: skip
    db.session.flush()
    return len(admitted)


def seed_demo() -> list[tuple[str, str, str]]:
    """Create or refresh all demo data; safe to run again."""
    from .judging.demo import seed_judging
    from .registrations.demo import seed_competitions

    seed_event()
    # Before the accounts: the demo pengurus's cooperative is one of the 587 demo cooperatives.
    seed_registry()
    logins = seed_accounts()
    # After the registry: entries are decided by the cooperatives' registry facts.
    seed_competitions()
    seed_checkins()
    from .cooperatives.office_demo import seed_office

    seed_office(DEMO_COOP_NIK)
    seed_judging()
    return logins
