"""The demo's 2024 event and one account per role (password `harkop2024`). Idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..auth.models import User
from ..auth.services import create_user
from ..competitions.models import Event
from ..cooperatives.models import Cooperative
from ..extensions import db
from .registry import DEMO_COOP_NAME, DEMO_COOP_NIK

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
