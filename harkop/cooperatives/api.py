"""Registry routes of the `/api/v1` blueprint: directory, profile, assessments and RATs.

Reading is public and shows what the public profile shows (no personal data); writing is for
the office. Wrong input gets a coded 400/404/409/422 in the error envelope, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..api import bp, json_body, list_envelope, page_args
from ..auth.decorators import admin_required, public
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from . import services
from .labels import Labels
from .models import Cooperative, HealthAssessment, RatRecord


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


@bp.route("/cooperatives")
@public
def cooperatives_list():
    """Search the cooperative directory.
    ---
    get:
      tags: [cooperatives]
      parameters:
        - {name: q, in: query, schema: {type: string}, description: Part of the name, or a NIK or NIK prefix}
        - {name: kecamatan, in: query, schema: {type: string}, description: "e.g. balikpapan_kota; tidak_ada for none"}
        - {name: jenis, in: query, schema: {type: string, enum: [konsumen, produsen, simpan_pinjam, pemasaran, jasa]}}
        - {name: status, in: query, schema: {type: string, enum: [aktif, tidak_aktif]}}
        - {name: grade, in: query, schema: {type: string, enum: [a, b, c1, c2, d]}}
        - {name: predikat, in: query, schema: {type: string, enum: [sehat, cukup_sehat, dalam_pengawasan, dalam_pengawasan_khusus, belum_dinilai]}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
      responses:
        200:
          description: '{"items": [{nik, name, kecamatan, kelurahan, jenis, status, grade, predikat, rat_terlambat}], "total", "page", "per_page"}'
        400:
          description: invalid_filter or invalid_page
    """
    page, per_page = page_args(default_per_page=20)
    filters = services.parse_filters(request.args, strict=True)
    result = services.directory_page(filters, page=page, per_page=per_page)
    return list_envelope([_summary(c) for c in result.items], result.total or 0, page, per_page)


@bp.route("/cooperatives/<nik>")
@public
def cooperative_detail(nik: str):
    """One cooperative: status with reasons, grade, RAT years, latest assessment, achievements.
    ---
    get:
      tags: [cooperatives]
      responses:
        200:
          description: The cooperative's public record, computed on today's date.
        404:
          description: cooperative_not_found
    """
    return jsonify(_detail(_load(nik), clock.today()))


def _int_field(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if isinstance(value, bool) or (value is not None and not isinstance(value, (int, str))):
        raise ValidationFailed(
            f"invalid_{name}", _("%(f)s harus bilangan bulat.", f=name), details={"fields": {name: "integer"}}
        )
    return value


def _text_field(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(
            f"invalid_{name}", _("%(f)s harus berupa teks.", f=name), details={"fields": {name: "string"}}
        )
    return value


@bp.route("/cooperatives/<nik>/assessments", methods=["POST"])
@admin_required
def cooperative_add_assessment(nik: str):
    """Record a health assessment (four aspect scores, or indicator answers).
    ---
    post:
      tags: [cooperatives]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [book_year]
              properties:
                book_year: {type: integer, example: 2023}
                examined_on: {type: string, format: date, description: Defaults to today (WITA)}
                examiner: {type: string}
                aspects:
                  type: object
                  description: Percentages 0–100 (two decimals)
                  properties:
                    tata_kelola: {type: number, example: 85}
                    profil_risiko: {type: number, example: 70}
                    kinerja_keuangan: {type: number, example: 80}
                    permodalan: {type: number, example: 90}
                indicators:
                  type: object
                  description: '{code: {"fulfilled": n, "items": m}} for checklists, {code: {"value": x}} for ratios; every indicator in force'
                replace: {type: boolean, description: Overwrite an existing assessment of that book year}
      responses:
        201:
          description: The stored assessment with final_score and predikat.
        400:
          description: invalid_json
        404:
          description: cooperative_not_found
        409:
          description: assessment_exists
        422:
          description: invalid_assessment, assessment_* (a field named in details.fields)
    """
    body = json_body()
    coop = _load(nik)
    replace = body.get("replace", False)
    if not isinstance(replace, bool):
        raise ValidationFailed("invalid_replace", _("replace harus true atau false."))
    row = services.add_assessment(
        coop,
        book_year=_int_field(body, "book_year"),
        examined_on=_text_field(body, "examined_on"),
        examiner=_text_field(body, "examiner"),
        aspects=body.get("aspects"),
        indicators=body.get("indicators"),
        replace=replace,
        by=current_user,
    )
    db.session.commit()
    data = services.assessment_dict(row)
    return jsonify({**data, "cooperative": {"nik": coop.nik, "predikat": _value(coop.predikat)}}), 201


@bp.route("/cooperatives/<nik>/rat", methods=["POST"])
@admin_required
def cooperative_record_rat(nik: str):
    """Record the RAT held for a book year (the same year again corrects its date).
    ---
    post:
      tags: [cooperatives]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [book_year, held_on]
              properties:
                book_year: {type: integer, example: 2023}
                held_on: {type: string, format: date, example: "2024-04-20"}
                notes: {type: string}
      responses:
        201:
          description: The RAT record, with the cooperative's status and grade after it.
        400:
          description: invalid_json
        404:
          description: cooperative_not_found
        422:
          description: invalid_rat (book_year or held_on named in details.fields)
    """
    body = json_body()
    coop = _load(nik)
    row = services.record_rat(
        coop,
        book_year=_int_field(body, "book_year"),
        held_on=_text_field(body, "held_on"),
        notes=_text_field(body, "notes"),
        by=current_user,
    )
    db.session.commit()
    standing = services.standing_for(coop)
    return (
        jsonify(
            {
                **_rat(row),
                "cooperative": {
                    "nik": coop.nik,
                    "status": standing.status.value,
                    "grade": _value(standing.grade),
                    "rat_terlambat": standing.rat_terlambat,
                },
            }
        ),
        201,
    )
