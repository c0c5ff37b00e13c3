"""Registry services: the facts other domains read about a cooperative.

`cooperative_facts` is the registry's contract with competitions (eligibility) and others:
they read plain facts, never the registry's tables. The registry issue fills it from RAT
records, assessments and inactive reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..audit import record_audit
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from .models import Achievement, Cooperative

PREDIKAT_ORDER = ("dalam_pengawasan_khusus", "dalam_pengawasan", "cukup_sehat", "sehat")


@dataclass(frozen=True)
class CooperativeFacts:
    """What another domain may know about a cooperative on a given day.

    predikat: 'sehat' | 'cukup_sehat' | 'dalam_pengawasan' | 'dalam_pengawasan_khusus' | None
    jenis: 'konsumen' | 'produsen' | 'simpan_pinjam' | 'pemasaran' | 'jasa' | None
    """

    id: int
    nik: str
    name: str
    is_active: bool
    inactive_reasons: tuple[str, ...]
    rat_book_years: frozenset[int]
    predikat: str | None
    predikat_examined_on: date | None
    jenis: str | None
    grade: str | None


def cooperative_by_nik(nik: str) -> Cooperative:
    """The cooperative with this NIK, or a coded 404."""
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == nik))
    if coop is None:
        raise NotFound("cooperative_not_found", _("Koperasi dengan NIK %(nik)s tidak ditemukan.", nik=nik))
    return coop


def facts_for(coop: Cooperative, *, today: date | None = None) -> CooperativeFacts:
    """The facts of one loaded cooperative (minimal until the registry issue grows the model)."""
    today = today or clock.today()
    return CooperativeFacts(
        id=coop.id,
        nik=coop.nik,
        name=coop.name,
        is_active=True,
        inactive_reasons=(),
        rat_book_years=frozenset(),
        predikat=None,
        predikat_examined_on=None,
        jenis=None,
        grade=None,
    )


def cooperative_facts(cooperative_id: int, *, today: date | None = None) -> CooperativeFacts:
    """The facts of one cooperative by id, or a coded 404."""
    coop = db.session.get(Cooperative, cooperative_id)
    if coop is None:
        raise NotFound("cooperative_not_found", _("Koperasi tidak ditemukan."))
    return facts_for(coop, today=today)


def all_cooperative_facts(*, today: date | None = None) -> list[CooperativeFacts]:
    """The facts of every cooperative (for 'how many qualify' counts)."""
    coops = db.session.scalars(select(Cooperative).order_by(Cooperative.id))
    return [facts_for(c, today=today) for c in coops]


def record_achievement(
    cooperative_id: int,
    *,
    title: str,
    year: int,
    source_ref: str,
    competition_name: str | None = None,
    event_name: str | None = None,
    rank_label: str | None = None,
    by: Any = None,
    now: datetime | None = None,
) -> Achievement:
    """Write (or update) one achievement on a cooperative's profile; the judging domain calls this.

    `source_ref` names what produced it (e.g. "result:12:entry:34"): recording the same reference
    again updates that row, so a corrected result never duplicates an achievement.
    """
    now = now or clock.now()
    coop = db.session.get(Cooperative, cooperative_id)
    if coop is None:
        raise NotFound("cooperative_not_found", _("Koperasi tidak ditemukan."))
    if not (title or "").strip():
        raise ValidationFailed("achievement_title_required", _("Judul prestasi wajib diisi."))
    if not (source_ref or "").strip():
        raise ValidationFailed("achievement_source_required", _("Sumber prestasi wajib diisi."))
    values = {
        "title": title.strip()[:200],
        "competition_name": (competition_name or None) and competition_name[:200],
        "event_name": (event_name or None) and event_name[:200],
        "rank_label": (rank_label or None) and rank_label[:60],
        "year": int(year),
    }
    row = db.session.scalar(
        select(Achievement).where(Achievement.cooperative_id == coop.id, Achievement.source_ref == source_ref)
    )
    before = None
    if row is None:
        row = Achievement(cooperative_id=coop.id, source_ref=source_ref, created_at=now, **values)
        db.session.add(row)
    else:
        before = {k: getattr(row, k) for k in values}
        if before == values:
            return row
        for key, value in values.items():
            setattr(row, key, value)
    row.updated_at = now
    db.session.flush()
    record_audit(
        "cooperative.achievement_recorded",
        entity_type="cooperative",
        entity_id=coop.id,
        by=by,
        before=before,
        after={**values, "source_ref": source_ref},
        now=now,
    )
    return row


def withdraw_achievement(
    cooperative_id: int, *, source_ref: str, by: Any = None, now: datetime | None = None
) -> bool:
    """Remove the achievement a corrected result no longer awards; False when there was none."""
    row = db.session.scalar(
        select(Achievement).where(
            Achievement.cooperative_id == cooperative_id, Achievement.source_ref == source_ref
        )
    )
    if row is None:
        return False
    before = {"title": row.title, "rank_label": row.rank_label, "year": row.year, "source_ref": source_ref}
    db.session.delete(row)
    db.session.flush()
    record_audit(
        "cooperative.achievement_withdrawn",
        entity_type="cooperative",
        entity_id=cooperative_id,
        by=by,
        before=before,
        now=now,
    )
    return True
