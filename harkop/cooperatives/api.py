"""Registry routes of the `/api/v1` blueprint: directory, profile, assessments and RATs.

Reading is public and shows what the public profile shows (no personal data); writing is for
the office. Wrong input gets a coded 400/404/409/422 in the error envelope, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..api import Answer, Body, Bool, Int, Text, bp, errors, list_envelope, page_of, paged
from ..auth.decorators import admin_required, public
from ..errors import NotFound
from ..extensions import db
from . import reference, services
from .labels import Labels
from .models import Cooperative, CoopStatus, Grade, HealthAssessment, Jenis, Predikat, RatRecord
from .services import NO_KECAMATAN, NOT_ASSESSED


def _value(enum_value: Any) -> Any:
    return getattr(enum_value, "value", enum_value)


def _summary(coop: Cooperative) -> dict[str, Any]:
    return {
        "nik": coop.nik,
        "name": coop.name,
        "kecamatan": coop.kecamatan_code,
        "kelurahan": coop.kelurahan_code,
        "jenis": _value(coop.jenis),
        "status": _value(coop.status),
        "grade": _value(coop.grade),
        "predikat": _value(coop.predikat),
        "rat_terlambat": coop.rat_terlambat,
    }


def _rat(r: RatRecord) -> dict[str, Any]:
    return {
        "book_year": r.book_year,
        "held_on": r.held_on.isoformat() if r.held_on else None,
        "late": r.is_late,
    }


def _assessment(a: HealthAssessment) -> dict[str, Any]:
    data = services.assessment_dict(a)
    data.pop("examiner", None)  # a person's name: not public
    return data


def _load(nik: str) -> Cooperative:
    coop = db.session.scalar(
        select(Cooperative)
        .where(Cooperative.nik == nik)
        .options(
            selectinload(Cooperative.rat_records),
            selectinload(Cooperative.assessments),
            selectinload(Cooperative.reasons),
            selectinload(Cooperative.achievements),
        )
    )
    if coop is None:
        raise NotFound(
            "cooperative_not_found", _("Koperasi dengan NIK %(nik)s tidak ditemukan.", nik=nik[:20])
        )
    return coop


def _detail(coop: Cooperative, today: date) -> dict[str, Any]:
    standing = services.standing_for(coop, today=today)
    latest = services.latest_assessment(coop)
    set_on = {r.code.value: r.set_at for r in coop.open_reasons}
    return {
        **_summary(coop),
        "status": standing.status.value,
        "grade": _value(standing.grade),
        "rat_terlambat": standing.rat_terlambat,
        "rat_missed_in_a_row": standing.missed_in_a_row,
        "grade_book_years": list(standing.book_years),
        "reasons": [
            {
                "code": code,
                "label": Labels.reason(code),
                "set_on": clock.to_wita(set_on[code]).date().isoformat() if code in set_on else None,
            }
            for code in standing.reasons
        ],
        "status_nik": _value(coop.status_nik),
        "bentuk": _value(coop.bentuk),
        "pola_pengelolaan": _value(coop.pola_pengelolaan),
        "kelompok": coop.kelompok,
        "sektor_usaha": coop.sektor_usaha,
        "badan_hukum": {
            "number": coop.badan_hukum_no,
            "date": coop.badan_hukum_on.isoformat() if coop.badan_hukum_on else None,
        },
        "ods": {"status": _value(coop.ods_status), "grade": _value(coop.ods_grade)},
        "rat_years": [_rat(r) for r in coop.rat_records],
        "latest_assessment": _assessment(latest) if latest else None,
        "predikat": latest.predikat.value if latest else None,
        "assessments": [_assessment(a) for a in coop.assessments],
        "achievements": [
            {
                "title": a.title,
                "competition": a.competition_name,
                "event": a.event_name,
                "rank": a.rank_label,
                "year": a.year,
            }
            for a in coop.achievements
        ],
        "as_of": today.isoformat(),
    }


class Choice(fields.String):
    """One of a few values; case and surrounding spaces do not matter."""

    def __init__(self, choices: list[str], **kwargs: Any) -> None:
        super().__init__(validate=validate.OneOf(choices), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: D102
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


def _filter(choices: Any, description: str = "") -> Choice:
    return Choice(sorted(choices), metadata={"code": "invalid_filter", "description": description})


class DirectoryQuerySchema(paged(20)):
    """Filters of the directory search."""

    q = Text(
        validate=validate.Length(max=200),
        metadata={"description": "part of the name, a NIK, or a NIK prefix"},
    )
    kecamatan = _filter(set(reference.KECAMATAN) | {NO_KECAMATAN}, f"{NO_KECAMATAN}: none")
    jenis = _filter(j.value for j in Jenis)
    status = _filter(s.value for s in CoopStatus)
    grade = _filter(g.value for g in Grade)
    predikat = _filter([*(p.value for p in Predikat), NOT_ASSESSED])


class CooperativeSummarySchema(Answer):
    """A cooperative as the directory lists it."""

    nik = fields.String(required=True)
    name = fields.String(required=True)
    kecamatan = fields.String(allow_none=True)
    kelurahan = fields.String(allow_none=True)
    jenis = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    predikat = fields.String(allow_none=True)
    rat_terlambat = fields.Boolean(allow_none=True)


class RatSchema(Answer):
    """A RAT held (or not) for a book year."""

    book_year = fields.Integer(required=True)
    held_on = fields.String(allow_none=True, metadata={"format": "date"})
    late = fields.Boolean(allow_none=True)


class AssessmentSchema(Answer):
    """A health assessment: aspects or indicators, the final score and predikat."""

    book_year = fields.Integer(required=True)
    examined_on = fields.String(allow_none=True, metadata={"format": "date"})
    aspects = fields.Dict(allow_none=True)
    final_score = fields.String(allow_none=True, metadata={"description": "a decimal, two places"})
    predikat = fields.String(allow_none=True)
    indicators = fields.Dict(allow_none=True)


class CooperativeDetailSchema(CooperativeSummarySchema):
    """A cooperative's public record, computed on `as_of`."""

    rat_missed_in_a_row = fields.Integer()
    grade_book_years = fields.List(fields.Integer())
    reasons = fields.List(fields.Dict(), metadata={"description": "{code, label, set_on}"})
    status_nik = fields.String(allow_none=True)
    bentuk = fields.String(allow_none=True)
    pola_pengelolaan = fields.String(allow_none=True)
    kelompok = fields.String(allow_none=True)
    sektor_usaha = fields.String(allow_none=True)
    badan_hukum = fields.Dict(metadata={"description": "{number, date}"})
    ods = fields.Dict(metadata={"description": "{status, grade} as the national ODS records them"})
    rat_years = fields.List(fields.Nested(RatSchema))
    latest_assessment = fields.Nested(AssessmentSchema, allow_none=True)
    assessments = fields.List(fields.Nested(AssessmentSchema))
    achievements = fields.List(
        fields.Dict(), metadata={"description": "{title, competition, event, rank, year}"}
    )
    as_of = fields.String(metadata={"format": "date"})


class AssessmentRequestSchema(Body):
    """A health assessment: four aspect scores, or indicator answers."""

    book_year = Int(
        required=True, validate=validate.Range(1900, 2999), metadata={"missing": "invalid_assessment"}
    )
    examined_on = Text(allow_none=True, metadata={"format": "date", "description": "default: today (WITA)"})
    examiner = Text(allow_none=True)
    aspects = fields.Dict(
        allow_none=True,
        metadata={
            "code": "assessment_bad_aspects",
            "description": "tata_kelola, profil_risiko, kinerja_keuangan, permodalan: percentages 0–100",
        },
    )
    indicators = fields.Dict(
        allow_none=True,
        metadata={
            "description": '{code: {"fulfilled": n, "items": m}} for checklists, {code: {"value": x}} for ratios'
        },
    )
    replace = Bool(metadata={"description": "overwrite an existing assessment of that book year"})


class AssessmentAnswerSchema(AssessmentSchema):
    """The stored assessment with its cooperative's predikat after it."""

    cooperative = fields.Dict(required=True, metadata={"description": "{nik, predikat}"})


class RatRequestSchema(Body):
    """The RAT held for a book year."""

    book_year = Int(required=True, validate=validate.Range(1900, 2999), metadata={"missing": "invalid_rat"})
    held_on = Text(required=True, metadata={"format": "date", "missing": "invalid_rat"})
    notes = Text(allow_none=True)


class RatAnswerSchema(RatSchema):
    """The RAT record, with the cooperative's status and grade after it."""

    cooperative = fields.Dict(required=True, metadata={"description": "{nik, status, grade, rat_terlambat}"})


@bp.route("/cooperatives", tags=["cooperatives"])
@public
@bp.arguments(DirectoryQuerySchema, location="query")
@bp.response(200, page_of(CooperativeSummarySchema))
def cooperatives_list(query: dict[str, Any]):
    """Search the cooperative directory."""
    filters = services.parse_filters(query, strict=True)
    page, per_page = query["page"], query["per_page"]
    result = services.directory_page(filters, page=page, per_page=per_page)
    return list_envelope([_summary(c) for c in result.items], result.total or 0, page, per_page)


@bp.route("/cooperatives/<nik:nik>", tags=["cooperatives"])
@public
@bp.response(
    200, CooperativeDetailSchema, description="The cooperative's public record, computed on today's date"
)
@errors((404, "cooperative_not_found"))
def cooperative_detail(nik: str):
    """One cooperative: status with reasons, grade, RAT years, latest assessment, achievements."""
    return _detail(_load(nik), clock.today())


@bp.route("/cooperatives/<nik:nik>/assessments", methods=["POST"], tags=["cooperatives"])
@admin_required
@bp.arguments(AssessmentRequestSchema)
@bp.response(201, AssessmentAnswerSchema)
@errors(
    (404, "cooperative_not_found"),
    (409, "assessment_exists"),
    (422, "invalid_assessment, assessment_* (a field named in details.fields), invalid_<field>"),
)
def cooperative_add_assessment(body: dict[str, Any], nik: str):
    """Record a health assessment (four aspect scores, or indicator answers)."""
    coop = _load(nik)
    row = services.add_assessment(
        coop,
        book_year=body["book_year"],
        examined_on=body.get("examined_on"),
        examiner=body.get("examiner"),
        aspects=body.get("aspects"),
        indicators=body.get("indicators"),
        replace=body.get("replace", False),
        by=current_user,
    )
    db.session.commit()
    data = services.assessment_dict(row)
    return {**data, "cooperative": {"nik": coop.nik, "predikat": _value(coop.predikat)}}


@bp.route("/cooperatives/<nik:nik>/rat", methods=["POST"], tags=["cooperatives"])
@admin_required
@bp.arguments(RatRequestSchema)
@bp.response(201, RatAnswerSchema)
@errors((404, "cooperative_not_found"), (422, "invalid_rat (book_year or held_on named in details.fields)"))
def cooperative_record_rat(body: dict[str, Any], nik: str):
    """Record the RAT held for a book year (the same year again corrects its date)."""
    coop = _load(nik)
    row = services.record_rat(
        coop, book_year=body["book_year"], held_on=body["held_on"], notes=body.get("notes"), by=current_user
    )
    db.session.commit()
    standing = services.standing_for(coop)
    return {
        **_rat(row),
        "cooperative": {
            "nik": coop.nik,
            "status": standing.status.value,
            "grade": _value(standing.grade),
            "rat_terlambat": standing.rat_terlambat,
        },
    }
