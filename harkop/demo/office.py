"""Demo data for the office workflows: field checks, three proposals (pending, approved, rejected)
and the warning-letter register, so the queue, the progress page and the register are not empty.

Idempotent: each part is skipped when its data is already there. Dates are relative to the clock
(the demo runs with HARKOP_FAKE_NOW = 26 July 2024). Nothing here changes the registry's published
aggregates (active/inactive counts, RATs held): field checks only confirm, and the approved
proposal changes a phone number.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from .. import clock
from ..auth.models import Role, User
from ..cooperatives.models import Cooperative
from ..cooperatives.vocab import CoopStatus
from ..extensions import db
from ..office import letters, rounds
from ..office.models import FieldCheck, LetterStatus, UpdateProposal, WarningLetter

FIELD_CHECKS = 12
LETTERS_ISSUED = 3
CLERKS_NOTES = [
    "Sekretariat buka, papan nama terpasang.",
    "Ditemui bendahara; buku anggota dan neraca diperlihatkan.",
    "Usaha toko sembako berjalan.",
    "Ketua hadir; jadwal RAT berikutnya sudah ditetapkan.",
]


def _user(role: Role, cooperative_id: int | None = None) -> User | None:
    stmt = select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
    if cooperative_id is not None:
        stmt = stmt.where(User.cooperative_id == cooperative_id)
    return db.session.scalars(stmt.limit(1)).first()


def seed_field_checks(admin: Any, *, exclude: int | None = None) -> int:
    """Field checks of a dozen active cooperatives over the past weeks; returns how many were added."""
    if db.session.scalar(select(func.count()).select_from(FieldCheck)):
        return 0
    now = clock.now()
    today = clock.to_wita(now).date()
    stmt = select(Cooperative).where(Cooperative.status == CoopStatus.aktif).order_by(Cooperative.nik)
    if exclude is not None:
        stmt = stmt.where(Cooperative.id != exclude)
    coops = list(db.session.scalars(stmt.limit(FIELD_CHECKS)))
    for i, coop in enumerate(coops):
        day = today - timedelta(days=3 + 6 * i)
        if day.year != today.year:
            day = today
        # One visit finds the management not in place: a finding kept, no reason set by the demo.
        management = i != 4
        rounds.record_field_check(
            coop,
            checked_on=day,
            found_at_address=True,
            operating=True,
            management_in_place=management,
            rat_minutes_seen=i % 3 == 0,
            notes=CLERKS_NOTES[i % len(CLERKS_NOTES)]
            if management
            else "Ketua mengundurkan diri; RAT pemilihan pengurus dijadwalkan.",
            by=admin,
            now=now,
        )
    return len(coops)


def seed_proposals(admin: Any, rep: Any, coop: Cooperative) -> int:
    """One approved, one rejected and one pending proposal from the demo cooperative's pengurus."""
    if db.session.scalar(
        select(func.count()).select_from(UpdateProposal).where(UpdateProposal.cooperative_id == coop.id)
    ):
        return 0
    now = clock.now()
    today = clock.to_wita(now).date()
    approved = rounds.submit_proposal(
        coop,
        {
            "profile": {"phone": "0542 7210 55"},
            "confirm": ["identitas", "pengurus"],
            "note": "Nomor telepon kantor berganti; data lain masih sama.",
        },
        by=rep,
        now=now - timedelta(days=20),
    )
    rounds.approve_proposal(approved, by=admin, now=now - timedelta(days=18))
    rejected = rounds.submit_proposal(
        coop,
        {
            "figures": {
                "book_year": today.year - 1,
                "anggota_pria": 61,
                "anggota_wanita": 74,
                "aset": 1_250_000,
            },
            "note": "Angka tahunan dari laporan pengurus.",
        },
        by=rep,
        now=now - timedelta(days=12),
    )
    rounds.reject_proposal(
        rejected,
        reason="Angka aset tidak sesuai neraca yang disahkan RAT. Lampirkan neraca lalu kirim ulang.",
        by=admin,
        now=now - timedelta(days=10),
    )
    rounds.submit_proposal(
        coop,
        {
            "profile": {"alamat": "Jl. Jenderal Sudirman No. 45, Ruko Blok B"},
            "note": "Kantor koperasi pindah ke ruko di depan kantor lama.",
        },
        by=rep,
        now=now - timedelta(days=2),
    )
    return 3


def seed_letters(admin: Any) -> dict[str, int]:
    """Find this year's breaches (drafts) and issue a few, so the register shows both states."""
    if db.session.scalar(select(func.count()).select_from(WarningLetter)):
        return {"created": 0, "issued": 0}
    counts = letters.find_due_warnings(by=admin)
    drafts = db.session.scalars(
        select(WarningLetter)
        .join(Cooperative, Cooperative.id == WarningLetter.cooperative_id)
        .where(WarningLetter.status == LetterStatus.draft)
        .order_by(Cooperative.nik)
        .limit(LETTERS_ISSUED)
    ).all()
    for letter in drafts:
        letters.issue_letter(letter, by=admin)
    return {"created": counts["created"], "issued": len(drafts)}


def seed_office(demo_coop_nik: str) -> dict[str, Any]:
    """All office demo data (called from harkop.demo.seed_demo after the accounts exist)."""
    admin = _user(Role.admin)
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == demo_coop_nik))
    result: dict[str, Any] = {}
    if admin is None or coop is None:
        return result
    result["field_checks"] = seed_field_checks(admin, exclude=coop.id)
    rep = _user(Role.coop_rep, coop.id)
    if rep is not None:
        result["proposals"] = seed_proposals(admin, rep, coop)
    result["letters"] = seed_letters(admin)
    db.session.flush()
    return result
