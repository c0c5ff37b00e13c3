"""Registry services: the facts other domains read, and every change to the registry.

`cooperative_facts` is the registry's contract with competitions (eligibility) and others:
they read plain facts, never the registry's tables. Facts are computed live from RAT records,
assessments and the office's reasons with the rules in rules.py, so they are right on the day
asked, whatever the cached columns say.

Every change goes through a function here named `verb_noun(..., *, by, now=None)`: it checks
the input again (forms, the API and the importer all end here), writes the audit log with the
state before and after under the cooperative's id (so its history is one list), refreshes the
cooperative's cached status, grade and predikat, and flushes. The caller commits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cachetools import LRUCache, cached
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, String, and_, bindparam, func, select, text, type_coerce, update
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit import AuditLog, actor_name, history_for, record_audit
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from . import health, rules
from .models import (
    Achievement,
    AnnualFigure,
    Cooperative,
    HealthAssessment,
    InactiveReason,
    Officer,
    RatRecord,
)
from .validation import COOPERATIVE_FIELDS, clean_cooperative, int_parser, parse_date, year_parser
from .vocab import (
    Aspect,
    Bentuk,
    CoopStatus,
    Grade,
    Jenis,
    PolaPengelolaan,
    Position,
    Predikat,
    ReasonCode,
    StatusNik,
    parse_choice,
)

ENTITY = "cooperative"


@dataclass(frozen=True)
class CooperativeFacts:
    """What another domain may know about a cooperative on a given day.

    predikat: 'sehat' | 'cukup_sehat' | 'dalam_pengawasan' | 'dalam_pengawasan_khusus' | None
    jenis: 'konsumen' | 'produsen' | 'simpan_pinjam' | 'pemasaran' | 'jasa' | None
    grade: 'a' | 'b' | 'c1' | 'c2' | 'd' | None (None: no book year due yet); pages show A, B, C1 …
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


# --- Reading -------------------------------------------------------------------------------------


def cooperative_by_nik(nik: str) -> Cooperative:
    """The cooperative with this NIK, or a coded 404."""
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == nik))
    if coop is None:
        raise NotFound("cooperative_not_found", _("Koperasi dengan NIK %(nik)s tidak ditemukan.", nik=nik))
    return coop


def founding_of(coop: Cooperative) -> date | None:
    """The founding date the grade rules use (founded_on, else the badan hukum date)."""
    return rules.founding_date(coop.founded_on, coop.badan_hukum_on)


def standing_for(coop: Cooperative, *, today: date | None = None) -> rules.StatusResult:
    """Status, reasons, lateness and grade of one loaded cooperative, computed now."""
    today = today or clock.today()
    return rules.compute_status(
        [r.book_year for r in coop.rat_records],
        founded=founding_of(coop),
        open_reasons=[r.code.value for r in coop.open_reasons],
        today=today,
    )


def latest_assessment(coop: Cooperative) -> HealthAssessment | None:
    """The assessment with the latest examination date (its predikat is the current one)."""
    if not coop.assessments:
        return None
    return max(coop.assessments, key=lambda a: (a.examined_on, a.id or 0))


def facts_for(coop: Cooperative, *, today: date | None = None) -> CooperativeFacts:
    """The facts of one loaded cooperative on `today` (default: the clock's today)."""
    standing = standing_for(coop, today=today)
    latest = latest_assessment(coop)
    return CooperativeFacts(
        id=coop.id,
        nik=coop.nik,
        name=coop.name,
        is_active=standing.status == CoopStatus.aktif,
        inactive_reasons=standing.reasons,
        rat_book_years=frozenset(r.book_year for r in coop.rat_records),
        predikat=latest.predikat.value if latest else None,
        predikat_examined_on=latest.examined_on if latest else None,
        jenis=coop.jenis.value if coop.jenis else None,
        grade=standing.grade.value if standing.grade else None,
    )


def _with_rules_data(stmt: Select) -> Select:
    return stmt.options(
        selectinload(Cooperative.rat_records),
        selectinload(Cooperative.reasons),
        selectinload(Cooperative.assessments),
    )


def cooperative_facts(cooperative_id: int, *, today: date | None = None) -> CooperativeFacts:
    """The facts of one cooperative by id, or a coded 404."""
    coop = db.session.get(Cooperative, cooperative_id)
    if coop is None:
        raise NotFound("cooperative_not_found", _("Koperasi tidak ditemukan."))
    return facts_for(coop, today=today)


def all_cooperative_facts(*, today: date | None = None) -> list[CooperativeFacts]:
    """The facts of every cooperative (for 'how many qualify' counts)."""
    today = today or clock.today()
    coops = db.session.scalars(_with_rules_data(select(Cooperative).order_by(Cooperative.id)))
    return [facts_for(c, today=today) for c in coops]


def cooperative_history(coop: Cooperative, limit: int = 200) -> list[AuditLog]:
    """Every recorded change to the cooperative and its records, newest first."""
    return history_for(ENTITY, coop.id, limit=limit)


# --- Cached computed columns ---------------------------------------------------------------------


def cached_values(
    rat_years: Iterable[int],
    founded: date | None,
    reasons: Iterable[str],
    latest: tuple[Predikat, date] | None,
    today: date,
) -> dict[str, Any]:
    """The cached-column values from RAT years, founding date, open reasons and latest assessment."""
    standing = rules.compute_status(rat_years, founded=founded, open_reasons=reasons, today=today)
    return {
        "status": standing.status,
        "grade": standing.grade,
        "rat_terlambat": standing.rat_terlambat,
        "rat_missed_in_a_row": standing.missed_in_a_row,
        "predikat": latest[0] if latest else None,
        "predikat_examined_on": latest[1] if latest else None,
        "computed_on": today,
    }


def recompute_cooperative(coop: Cooperative, *, today: date | None = None) -> None:
    """Refresh one cooperative's cached status, grade and predikat from its records."""
    today = today or clock.today()
    db.session.flush()
    db.session.refresh(coop, ["rat_records", "reasons", "assessments"])
    latest = latest_assessment(coop)
    values = cached_values(
        [r.book_year for r in coop.rat_records],
        founding_of(coop),
        [r.code.value for r in coop.open_reasons],
        (latest.predikat, latest.examined_on) if latest else None,
        today,
    )
    for key, value in values.items():
        setattr(coop, key, value)
    db.session.flush()


def recompute_cooperatives(ids: list[int], *, today: date) -> int:
    """Refresh the cached columns of many cooperatives with a few queries; returns rows changed."""
    if not ids:
        return 0
    coops = db.session.execute(
        select(
            Cooperative.id,
            Cooperative.founded_on,
            Cooperative.badan_hukum_on,
            Cooperative.status,
            Cooperative.grade,
            Cooperative.rat_terlambat,
            Cooperative.rat_missed_in_a_row,
            Cooperative.predikat,
            Cooperative.predikat_examined_on,
            Cooperative.computed_on,
        ).where(Cooperative.id.in_(ids))
    ).all()
    rats: dict[int, list[int]] = {}
    for cid, year in db.session.execute(
        select(RatRecord.cooperative_id, RatRecord.book_year).where(RatRecord.cooperative_id.in_(ids))
    ):
        rats.setdefault(cid, []).append(year)
    reasons: dict[int, list[str]] = {}
    for cid, code in db.session.execute(
        select(InactiveReason.cooperative_id, InactiveReason.code).where(
            InactiveReason.cooperative_id.in_(ids), InactiveReason.cleared_at.is_(None)
        )
    ):
        reasons.setdefault(cid, []).append(code.value)
    latest: dict[int, tuple[Predikat, date, int]] = {}
    for cid, predikat, examined_on, aid in db.session.execute(
        select(
            HealthAssessment.cooperative_id,
            HealthAssessment.predikat,
            HealthAssessment.examined_on,
            HealthAssessment.id,
        ).where(HealthAssessment.cooperative_id.in_(ids))
    ):
        if cid not in latest or (examined_on, aid) > latest[cid][1:]:
            latest[cid] = (predikat, examined_on, aid)
    changes = []
    for row in coops:
        found = latest.get(row.id)
        values = cached_values(
            rats.get(row.id, ()),
            rules.founding_date(row.founded_on, row.badan_hukum_on),
            reasons.get(row.id, ()),
            (found[0], found[1]) if found else None,
            today,
        )
        if any(getattr(row, k) != v for k, v in values.items()):
            changes.append({"b_id": row.id, **values})
    if changes:
        table = Cooperative.__table__
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({k: bindparam(k) for k in changes[0] if k != "b_id"})
        )
        db.session.execute(stmt, changes)
    return len(changes)


def recompute_registry(*, today: date | None = None, batch: int = 5000) -> int:
    """Refresh every cooperative's cached values (daily job and after imports); returns rows changed."""
    today = today or clock.today()
    changed = 0
    last_id = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Cooperative.id).where(Cooperative.id > last_id).order_by(Cooperative.id).limit(batch)
            )
        )
        if not ids:
            break
        changed += recompute_cooperatives(ids, today=today)
        last_id = ids[-1]
    db.session.flush()
    # ORM objects loaded earlier in this session must not keep stale cached values.
    db.session.expire_all()
    return changed


# --- Cooperatives --------------------------------------------------------------------------------

AUDITED_FIELDS = tuple(COOPERATIVE_FIELDS)


def snapshot(coop: Cooperative) -> dict[str, Any]:
    """The editable fields of a cooperative as plain values (for the audit log)."""
    return {name: plain_value(getattr(coop, name)) for name in AUDITED_FIELDS}


def plain_value(value: Any) -> Any:
    """A value as the audit log keeps it: enums by their stored value, dates as ISO text, decimals as text."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# Columns whose clean (string) value becomes an enum member on the model.
ENUM_FIELDS = {
    "status_nik": StatusNik,
    "bentuk": Bentuk,
    "jenis": Jenis,
    "pola_pengelolaan": PolaPengelolaan,
    "ods_status": CoopStatus,
    "ods_grade": Grade,
}


def model_values(clean: Mapping[str, Any]) -> dict[str, Any]:
    """Clean field values with enum columns as enum members."""
    return {k: (ENUM_FIELDS[k](v) if k in ENUM_FIELDS and v is not None else v) for k, v in clean.items()}


def _invalid(errors: dict[str, str]) -> ValidationFailed:
    first = next(iter(errors.values()))
    return ValidationFailed("invalid_cooperative", first, details={"fields": errors})


def _nik_taken(nik: str, except_id: int | None = None) -> bool:
    stmt = select(Cooperative.id).where(Cooperative.nik == nik)
    if except_id is not None:
        stmt = stmt.where(Cooperative.id != except_id)
    return db.session.scalar(stmt) is not None


def create_cooperative(data: Mapping[str, Any], *, by: Any, now: datetime | None = None) -> Cooperative:
    """Add a cooperative from field values (values or Indonesian labels); audit 'cooperative.created'."""
    now = now or clock.now()
    clean, errors = clean_cooperative(data, creating=True)
    if errors:
        raise _invalid(errors)
    if _nik_taken(clean["nik"]):
        raise Conflict(
            "nik_taken",
            _("NIK %(nik)s sudah terdaftar.", nik=clean["nik"]),
            details={"fields": {"nik": "taken"}},
        )
    coop = Cooperative(**model_values(clean), created_at=now, updated_at=now)
    db.session.add(coop)
    db.session.flush()
    recompute_cooperative(coop, today=clock.to_wita(now).date())
    record_audit(
        "cooperative.created", entity_type=ENTITY, entity_id=coop.id, by=by, after=snapshot(coop), now=now
    )
    return coop


def update_cooperative(
    coop: Cooperative, data: Mapping[str, Any], *, by: Any, now: datetime | None = None
) -> dict[str, tuple[Any, Any]]:
    """Change the given fields; audit 'cooperative.updated' with only what changed. Returns the changes."""
    now = now or clock.now()
    before = snapshot(coop)
    current = {"kecamatan_code": coop.kecamatan_code, "kelurahan_code": coop.kelurahan_code}
    clean, errors = clean_cooperative(data, creating=False, current=current)
    if errors:
        raise _invalid(errors)
    if "nik" in clean and clean["nik"] != coop.nik and _nik_taken(clean["nik"], coop.id):
        raise Conflict(
            "nik_taken",
            _("NIK %(nik)s sudah terdaftar.", nik=clean["nik"]),
            details={"fields": {"nik": "taken"}},
        )
    for key, value in model_values(clean).items():
        setattr(coop, key, value)
    after = snapshot(coop)
    changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    if not changed:
        return {}
    coop.updated_at = now
    db.session.flush()
    if {"founded_on", "badan_hukum_on"} & set(changed):
        recompute_cooperative(coop, today=clock.to_wita(now).date())
    record_audit(
        "cooperative.updated",
        entity_type=ENTITY,
        entity_id=coop.id,
        by=by,
        before={k: v[0] for k, v in changed.items()},
        after={k: v[1] for k, v in changed.items()},
        now=now,
    )
    return changed


# --- RAT -----------------------------------------------------------------------------------------


def record_rat(
    coop: Cooperative,
    *,
    book_year: Any,
    held_on: Any,
    notes: str | None = None,
    by: Any,
    now: datetime | None = None,
) -> RatRecord:
    """Record the RAT held for a book year (or correct its date); audit 'cooperative.rat_recorded'.

    Recording the same book year and date again changes nothing.
    """
    now = now or clock.now()
    today = clock.to_wita(now).date()
    errors: dict[str, str] = {}
    year = held = None
    try:
        year = year_parser(1950, today.year - 1)(book_year)
        if year is None:
            errors["book_year"] = _("Wajib diisi.")
    except ValueError as err:
        errors["book_year"] = str(err)
    try:
        held = parse_date(held_on)
        if held is None:
            errors["held_on"] = _("Wajib diisi.")
    except ValueError as err:
        errors["held_on"] = str(err)
    if year is not None and held is not None:
        if held <= date(year, 12, 31):
            errors["held_on"] = _("RAT tahun buku %(y)d diadakan setelah tahun buku berakhir.", y=year)
        elif held > today:
            errors["held_on"] = _("Tanggal RAT tidak boleh di masa depan.")
    if errors:
        raise ValidationFailed("invalid_rat", next(iter(errors.values())), details={"fields": errors})
    assert year is not None and held is not None
    notes = (notes or "").strip()[:500] or None
    row = db.session.scalar(
        select(RatRecord).where(RatRecord.cooperative_id == coop.id, RatRecord.book_year == year)
    )
    before = None
    if row is None:
        row = RatRecord(cooperative_id=coop.id, book_year=year, held_on=held, notes=notes, created_at=now)
        db.session.add(row)
    else:
        if row.held_on == held and (notes is None or row.notes == notes):
            return row
        before = {"book_year": year, "held_on": plain_value(row.held_on), "notes": row.notes}
        row.held_on = held
        row.notes = notes or row.notes
    db.session.flush()
    recompute_cooperative(coop, today=today)
    record_audit(
        "cooperative.rat_recorded",
        entity_type=ENTITY,
        entity_id=coop.id,
        by=by,
        before=before,
        after={"book_year": year, "held_on": held.isoformat(), "notes": row.notes},
        now=now,
    )
    return row


# --- Health assessments --------------------------------------------------------------------------


def indicator_file() -> Path:
    """Where the office's extra indicator definitions live (HARKOP_HEALTH_INDICATORS)."""
    configured = None
    if has_app_context():
        configured = current_app.config.get("HARKOP_HEALTH_INDICATORS")
    configured = configured or os.environ.get("HARKOP_HEALTH_INDICATORS")
    if configured:
        return Path(configured)
    return Path(current_app.instance_path if has_app_context() else "instance") / "health_indicators.json"


# One entry, keyed by the file and its modification time: a changed file is a new key, and the
# old set is dropped. The lock makes the cache safe for a worker's threads.
@cached(LRUCache(maxsize=1), lock=threading.Lock())
def _load_indicator_set(path: str, stamp: float) -> health.IndicatorSet:
    return health.load_indicator_set(Path(path))


def indicator_set() -> health.IndicatorSet:
    """The indicators in force: shipped ones plus the office's file (reloaded when it changes)."""
    path = indicator_file()
    return _load_indicator_set(str(path), path.stat().st_mtime if path.is_file() else 0.0)


def add_assessment(
    coop: Cooperative,
    *,
    book_year: Any,
    examined_on: Any = None,
    examiner: str | None = None,
    aspects: Mapping[str, Any] | None = None,
    indicators: Mapping[str, Any] | None = None,
    replace: bool = False,
    by: Any,
    now: datetime | None = None,
) -> HealthAssessment:
    """Store a health assessment from the four aspect scores or from indicator answers.

    `examined_on` defaults to today. One assessment per book year: another one for the same
    year is refused (`assessment_exists`) unless `replace` is set, which overwrites it (audited).
    """
    now = now or clock.now()
    today = clock.to_wita(now).date()
    errors: dict[str, str] = {}
    year = exam = None
    try:
        year = year_parser(1950, today.year)(book_year)
        if year is None:
            errors["book_year"] = _("Wajib diisi.")
    except ValueError as err:
        errors["book_year"] = str(err)
    try:
        exam = parse_date(examined_on) if examined_on not in (None, "") else today
    except ValueError as err:
        errors["examined_on"] = str(err)
    if year is not None and exam is not None:
        if exam <= date(year, 12, 31):
            errors["examined_on"] = _(
                "Pemeriksaan tahun buku %(y)d dilakukan setelah tahun buku berakhir.", y=year
            )
        elif exam > today:
            errors["examined_on"] = _("Tanggal pemeriksaan tidak boleh di masa depan.")
    if (aspects is None) == (indicators is None):
        errors["aspects"] = _("Isi skor keempat aspek atau jawaban indikator (salah satu).")
    if errors:
        raise ValidationFailed("invalid_assessment", next(iter(errors.values())), details={"fields": errors})
    try:
        if aspects is not None:
            if not isinstance(aspects, Mapping):
                raise health.HealthInputError("bad_aspects", _("aspects harus berupa objek."), "aspects")
            result = health.assess_aspects(aspects)
        else:
            if not isinstance(indicators, Mapping):
                raise health.HealthInputError(
                    "bad_indicators", _("indicators harus berupa objek."), "indicators"
                )
            result = health.assess_indicators(indicators, indicator_set())
    except health.HealthInputError as err:
        raise ValidationFailed(
            f"assessment_{err.code}", err.message, details={"fields": {err.field or "aspects": err.message}}
        ) from err
    assert year is not None and exam is not None
    existing = db.session.scalar(
        select(HealthAssessment).where(
            HealthAssessment.cooperative_id == coop.id, HealthAssessment.book_year == year
        )
    )
    if existing is not None and not replace:
        raise Conflict(
            "assessment_exists",
            _("Penilaian tahun buku %(y)d sudah ada. Centang 'ganti' untuk menggantinya.", y=year),
        )
    before = assessment_dict(existing) if existing is not None else None
    row = existing or HealthAssessment(cooperative_id=coop.id, book_year=year)
    row.examined_on = exam
    row.examiner = (examiner or "").strip()[:120] or None
    for aspect, value in result.aspects.items():
        setattr(row, aspect.value, value)
    row.final_score = result.final_score
    row.predikat = result.predikat
    row.indicator_answers = result.indicators or None
    row.created_at = now
    row.created_by_id = getattr(by, "id", None)
    if existing is None:
        db.session.add(row)
    db.session.flush()
    recompute_cooperative(coop, today=today)
    record_audit(
        "cooperative.assessment_replaced" if before else "cooperative.assessment_added",
        entity_type=ENTITY,
        entity_id=coop.id,
        by=by,
        before=before,
        after=assessment_dict(row),
        now=now,
    )
    return row


def assessment_dict(a: HealthAssessment) -> dict[str, Any]:
    """An assessment as the API and the audit log show it."""
    return {
        "book_year": a.book_year,
        "examined_on": a.examined_on.isoformat(),
        "examiner": a.examiner,
        "aspects": {x.value: str(getattr(a, x.value)) for x in Aspect},
        "final_score": str(a.final_score),
        "predikat": a.predikat.value,
        "indicators": a.indicator_answers,
    }


# --- Inactive reasons ----------------------------------------------------------------------------


def set_inactive_reason(
    coop: Cooperative, code: Any, *, note: str | None = None, by: Any, now: datetime | None = None
) -> InactiveReason:
    """Mark the cooperative inactive for a reason found by the office; audit 'cooperative.reason_set'."""
    now = now or clock.now()
    value = parse_choice(str(getattr(code, "value", code) or ""), ReasonCode)
    if value is None:
        raise ValidationFailed(
            "invalid_reason",
            _("Alasan tidak dikenal: %(c)s.", c=str(code)[:40]),
            details={"fields": {"code": "unknown"}},
        )
    reason = ReasonCode(value)
    if any(r.code == reason for r in coop.open_reasons):
        raise Conflict("reason_already_open", _("Alasan ini sudah tercatat dan belum dicabut."))
    row = InactiveReason(
        cooperative_id=coop.id,
        code=reason,
        note=(note or "").strip() or None,
        set_at=now,
        set_by_id=getattr(by, "id", None),
        set_by_name=actor_name(by),
    )
    db.session.add(row)
    db.session.flush()
    recompute_cooperative(coop, today=clock.to_wita(now).date())
    record_audit(
        "cooperative.reason_set",
        entity_type=ENTITY,
        entity_id=coop.id,
        by=by,
        after={"reason_id": row.id, "code": reason.value, "note": row.note},
        now=now,
    )
    return row


def clear_inactive_reason(
    coop: Cooperative, reason_id: int, *, by: Any, now: datetime | None = None
) -> InactiveReason:
    """Lift one of the office's reasons (kept as history); audit 'cooperative.reason_cleared'."""
    now = now or clock.now()
    row = db.session.get(InactiveReason, reason_id)
    if row is None or row.cooperative_id != coop.id:
        raise NotFound("reason_not_found", _("Alasan tidak ditemukan."))
    if row.cleared_at is not None:
        raise Conflict("reason_already_cleared", _("Alasan ini sudah dicabut."))
    row.cleared_at = now
    row.cleared_by_id = getattr(by, "id", None)
    row.cleared_by_name = actor_name(by)
    db.session.flush()
    recompute_cooperative(coop, today=clock.to_wita(now).date())
    record_audit(
        "cooperative.reason_cleared",
        entity_type=ENTITY,
        entity_id=coop.id,
        by=by,
        before={"reason_id": row.id, "code": row.code.value, "cleared_at": None},
        after={"reason_id": row.id, "code": row.code.value, "cleared_at": now.isoformat()},
        now=now,
    )
    return row


# --- Management and yearly figures --------------------------------------------------------------

# Seats held by one person at a time: a new term ends the previous one. Pengawas may be several.
SINGLE_SEATS = {Position.ketua, Position.sekretaris, Position.bendahara, Position.manager}


def record_officer(
    coop: Cooperative,
    *,
    position: Any,
    name: str,
    term_start: Any,
    term_end: Any = None,
    phone: str | None = None,
    by: Any,
    now: datetime | None = None,
) -> Officer:
    """Start a management term; for single seats the previous open term ends the day before."""
    now = now or clock.now()
    errors: dict[str, str] = {}
    pos_value = parse_choice(str(getattr(position, "value", position) or ""), Position)
    if pos_value is None:
        errors["position"] = _("Jabatan tidak dikenal.")
    if not (name or "").strip():
        errors["name"] = _("Wajib diisi.")
    start = end = None
    try:
        start = parse_date(term_start)
        if start is None:
            errors["term_start"] = _("Wajib diisi.")
    except ValueError as err:
        errors["term_start"] = str(err)
    try:
        end = parse_date(term_end)
    except ValueError as err:
        errors["term_end"] = str(err)
    if start and end and end < start:
        errors["term_end"] = _("Akhir periode tidak boleh sebelum awalnya.")
    if errors:
        raise ValidationFailed("invalid_officer", next(iter(errors.values())), details={"fields": errors})
    seat = Position(pos_value)
    ended = []
    if seat in SINGLE_SEATS:
        open_terms = db.session.scalars(
            select(Officer).where(
                Officer.cooperative_id == coop.id, Officer.position == seat, Officer.term_end.is_(None)
            )
        )
        for previous in open_terms:
            if previous.term_start < start:
                previous.term_end = date.fromordinal(start.toordinal() - 1)
                ended.append(
                    {"officer_id": previous.id, "name": previous.name, "term_end": previous.term_end}
                )
    row = Officer(
        cooperative_id=coop.id,
        position=seat,
        name=" ".join(name.split())[:120],
        phone=(phone or "").strip()[:40] or None,
        term_start=start,
        term_end=end,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    record_audit(
        "cooperative.officer_recorded",
        entity_type=ENTITY,
        entity_id=coop.id,
        by=by,
        before={"ended": ended} if ended else None,
        after={"position": seat.value, "name": row.name, "term_start": start, "term_end": end},
        now=now,
    )
    return row


FIGURE_FIELDS: dict[str, Any] = {
    "anggota_pria": int_parser(0, 10_000_000),
    "anggota_wanita": int_parser(0, 10_000_000),
    "karyawan": int_parser(0, 1_000_000),
    "manajer": int_parser(0, 100_000),
    "modal_sendiri": int_parser(-(10**15), 10**15),
    "modal_luar": int_parser(0, 10**15),
    "aset": int_parser(0, 10**15),
    "volume_usaha": int_parser(0, 10**15),
    "shu": int_parser(-(10**15), 10**15),
}


def record_annual_figures(
    coop: Cooperative, *, book_year: Any, values: Mapping[str, Any], by: Any, now: datetime | None = None
) -> AnnualFigure:
    """Set members, staff and money figures for a book year (given fields only); audited."""
    now = now or clock.now()
    errors: dict[str, str] = {}
    year = None
    try:
        year = year_parser(1950, clock.to_wita(now).year)(book_year)
        if year is None:
            errors["book_year"] = _("Wajib diisi.")
    except ValueError as err:
        errors["book_year"] = str(err)
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in FIGURE_FIELDS:
            errors[key] = _("Bukan isian angka tahunan.")
            continue
        try:
            clean[key] = FIGURE_FIELDS[key](value)
        except ValueError as err:
            errors[key] = str(err)
    if errors:
        raise ValidationFailed("invalid_figures", next(iter(errors.values())), details={"fields": errors})
    row = db.session.scalar(
        select(AnnualFigure).where(AnnualFigure.cooperative_id == coop.id, AnnualFigure.book_year == year)
    )
    if row is None:
        row = AnnualFigure(cooperative_id=coop.id, book_year=year)
        db.session.add(row)
    before = {k: getattr(row, k) for k in clean}
    changed = {k: v for k, v in clean.items() if before.get(k) != v}
    if not changed and row.id is not None:
        return row
    for key, value in clean.items():
        setattr(row, key, value)
    db.session.flush()
    record_audit(
        "cooperative.figures_recorded",
        entity_type=ENTITY,
        entity_id=coop.id,
        by=by,
        before={"book_year": year, **{k: before[k] for k in changed}},
        after={"book_year": year, **changed},
        now=now,
    )
    return row


# --- Achievements (called by the judging domain) -------------------------------------------------


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
        entity_type=ENTITY,
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
        entity_type=ENTITY,
        entity_id=cooperative_id,
        by=by,
        before=before,
        now=now,
    )
    return True


# --- Directory search ----------------------------------------------------------------------------

NO_KECAMATAN = "tidak_ada"
NOT_ASSESSED = "belum_dinilai"


@dataclass(frozen=True)
class DirectoryFilters:
    """What the directory, the admin list and the API filter on (all optional)."""

    q: str = ""
    kecamatan: str = ""
    jenis: str = ""
    status: str = ""
    grade: str = ""
    predikat: str = ""

    def as_args(self) -> dict[str, str]:
        """The non-empty filters, for URLs."""
        return {k: v for k, v in self.__dict__.items() if v}


def parse_filters(args: Mapping[str, Any], *, strict: bool = False) -> DirectoryFilters:
    """Read filters from query arguments. Unknown values are dropped, or refused when `strict` (API)."""
    from . import reference

    allowed = {
        "kecamatan": set(reference.KECAMATAN) | {NO_KECAMATAN},
        "jenis": {j.value for j in Jenis},
        "status": {s.value for s in CoopStatus},
        "grade": {g.value for g in Grade},
        "predikat": {p.value for p in Predikat} | {NOT_ASSESSED},
    }
    values: dict[str, str] = {"q": " ".join(str(args.get("q") or "").split())[:100]}
    for key, options in allowed.items():
        raw = str(args.get(key) or "").strip().lower()
        if key == "grade" and raw:
            raw = parse_choice(raw, Grade) or raw
        if raw and raw not in options:
            if strict:
                raise ValidationFailed(
                    "invalid_filter",
                    _("Nilai %(k)s tidak dikenal: %(v)s.", k=key, v=raw[:40]),
                    status=400,
                    details={"field": key, "allowed": sorted(options)},
                )
            raw = ""
        values[key] = raw
    return DirectoryFilters(**values)


def _like_escape(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_condition(q: str) -> tuple[Any, str | None, bool]:
    """The WHERE clause for a name search, its FTS5 MATCH text (SQLite), and whether that is all."""
    tokens = [t for t in q.split() if t]
    dialect = db.session.get_bind().dialect.name
    conditions = []
    long_tokens = [t for t in tokens if len(t) >= 3]
    uses_fts = dialect == "sqlite" and bool(long_tokens)
    if uses_fts:
        # FTS5 trigram: each quoted token matches as a substring, case-insensitively.
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_tokens)
        fts = select(text("rowid")).select_from(text("cooperative_fts"))
        conditions.append(
            Cooperative.id.in_(fts.where(text("cooperative_fts MATCH :fts").bindparams(fts=match)))
        )
        tokens = [t for t in tokens if len(t) < 3]
    for token in tokens:
        pattern = f"%{_like_escape(token)}%"
        # ILIKE on PostgreSQL uses the pg_trgm index; SQLite's LIKE is case-insensitive already.
        conditions.append(Cooperative.name.ilike(pattern, escape="\\"))
    return and_(*conditions), (match if uses_fts else None), uses_fts and not tokens


def directory_query(filters: DirectoryFilters) -> Select:
    """Cooperatives matching the filters, ordered by name (uses the cached status/grade/predikat)."""
    return _directory(filters)[0]


def _directory(filters: DirectoryFilters) -> tuple[Select, Select | None]:
    """The directory's query, and a cheaper count for a plain name search on SQLite (else None)."""
    stmt = select(Cooperative)
    fast_count = None
    q = filters.q
    digits = q.replace(" ", "")
    uses_fts = False
    if digits.isdigit():
        if len(digits) == 16:
            stmt = stmt.where(Cooperative.nik == digits)
        else:
            # A NIK prefix as a range, so the unique index serves it on both databases.
            stmt = stmt.where(Cooperative.nik >= digits, Cooperative.nik < digits + ":")
    elif q:
        condition, match, fts_only = _name_condition(q)
        uses_fts = match is not None
        stmt = stmt.where(condition)
        if fts_only and not filters.as_args().keys() - {"q"}:
            # Every FTS row is a cooperative (the triggers keep them in step): count the matches there.
            fast_count = (
                select(func.count())
                .select_from(text("cooperative_fts"))
                .where(text("cooperative_fts MATCH :fts").bindparams(fts=match))
            )

    def matches(col, value: str | None, enum_cls=None):
        # With a name search on SQLite the FTS matches are few: look them up by id and check the
        # filters on each row. Comparing `col || ''` keeps SQLite from driving the query with a
        # filter index instead (3-5x faster at 130,000 rows; docs/benchmarks.md).
        if uses_fts:
            target = type_coerce(col, String).concat("")
            return target.is_(None) if value is None else target == value
        if value is None:
            return col.is_(None)
        return col == (enum_cls(value) if enum_cls else value)

    if filters.kecamatan:
        value = None if filters.kecamatan == NO_KECAMATAN else filters.kecamatan
        stmt = stmt.where(matches(Cooperative.kecamatan_code, value))
    if filters.jenis:
        stmt = stmt.where(matches(Cooperative.jenis, filters.jenis, Jenis))
    if filters.status:
        stmt = stmt.where(matches(Cooperative.status, filters.status, CoopStatus))
    if filters.grade:
        stmt = stmt.where(matches(Cooperative.grade, filters.grade, Grade))
    if filters.predikat:
        value = None if filters.predikat == NOT_ASSESSED else filters.predikat
        stmt = stmt.where(matches(Cooperative.predikat, value, Predikat))
    return stmt.order_by(Cooperative.name, Cooperative.id), fast_count


class DirectoryPagination(SelectPagination):
    """A page of the directory; counts with the cheaper statement when there is one."""

    def _query_count(self) -> int:
        fast = self._query_args.get("count_select")
        if fast is None:
            return super()._query_count()
        return self._query_args["session"].execute(fast).scalar() or 0


def directory_page(
    filters: DirectoryFilters, *, page: int | None = None, per_page: int = 20
) -> DirectoryPagination:
    """One page of the directory (page from the request when not given), with its total."""
    stmt, fast_count = _directory(filters)
    return DirectoryPagination(
        select=stmt,
        session=db.session(),
        page=page,
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        count_select=fast_count,
    )
