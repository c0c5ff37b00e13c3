"""Registry services: the facts other domains read about a cooperative.

`cooperative_facts` is the registry's contract with competitions (eligibility) and others:
they read plain facts, never the registry's tables. The registry issue fills it from RAT
records, assessments and inactive reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..errors import NotFound
from ..extensions import db
from .models import Cooperative

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
