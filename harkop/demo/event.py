"""The demo's 2024 event and one account per role (password `harkop2024`). Idempotent."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from ..auth.models import User
from ..auth.services import create_user
from ..clock import now as clock_now
from ..competitions.models import Event
from ..competitions.rundown import ProgrammeItem, ProgrammeKind
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
    seed_rundown(event)
    return event


PLACE_STAGE = "Panggung Utama Penta Hub"
# The rundown beside the competitions' own slots: (day, start, end, kind, title, place).
RUNDOWN = [
    # 26 July: the cooking competition runs 07.00–08.30 and its results are published at 08.45
    # (harkop/demo/judging.py), so they are announced then, before the opening.
    (26, (8, 45), (9, 0), "pengumuman", "Pengumuman pemenang Lomba Masak Sambal Ayam Geprek", PLACE_STAGE),
    (26, (9, 0), (9, 45), "pembukaan", "Upacara pembukaan Hari Koperasi ke-77", PLACE_STAGE),
    (
        26,
        (9, 45),
        (10, 15),
        "panggung",
        "Sambutan Wali Kota dan penyerahan penghargaan koperasi sehat",
        PLACE_STAGE,
    ),
    (26, (12, 0), (13, 0), "istirahat", "Istirahat, salat dan makan siang", ""),
    (26, (13, 30), (14, 30), "panggung", "Gelar wicara: koperasi dan digitalisasi UMKM", PLACE_STAGE),
    (27, (8, 30), (9, 0), "panggung", "Senam sehat bersama anggota koperasi", PLACE_STAGE),
    (27, (13, 0), (14, 0), "panggung", "Pentas seni koperasi sekolah", PLACE_STAGE),
    (27, (15, 0), (15, 30), "pengumuman", "Pengumuman pemenang Lomba Menghias Tumpeng", PLACE_STAGE),
    (28, (15, 30), (16, 30), "pengumuman", "Pengumuman pemenang dan penyerahan hadiah", PLACE_STAGE),
    (28, (16, 30), (17, 0), "penutupan", "Penutupan Hari Koperasi 2024", PLACE_STAGE),
]


def seed_rundown(event: Event) -> int:
    """The demo's programme items (opening, stage, announcements, closing); returns how many were new."""
    have = {
        (i.day, i.starts_at, i.title)
        for i in db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id))
    }
    added = 0
    for day, start, end, kind, title, place in RUNDOWN:
        key = (date(2024, 7, day), time(*start), title)
        if key in have:
            continue
        stamp = clock_now()
        db.session.add(
            ProgrammeItem(
                event_id=event.id,
                day=key[0],
                starts_at=key[1],
                ends_at=time(*end),
                kind=ProgrammeKind(kind),
                title=title,
                place=place,
                description="",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        added += 1
    db.session.flush()
    return added


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
