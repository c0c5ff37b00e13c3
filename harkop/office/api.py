"""Office workflow routes on `/api/v1`: update proposals, field checks, the round's progress,
the warning-letter register and the dashboard's numbers.

A `coop_rep` sees and submits only their own cooperative's proposals; another cooperative's
proposal answers 404 (`proposal_not_found`), exactly like one that does not exist.
"""

from __future__ import annotations

import json

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..api import bp, json_body, paginate_select
from ..auth.decorators import admin_required, roles_required
from ..auth.models import Role
from ..cooperatives import services
from ..errors import DomainError, Forbidden, ValidationFailed
from ..extensions import db
from ..text import as_text
from . import dashboard, letters, rounds
from .models import LetterKind, LetterStatus, ProposalStatus
from .uploads import minutes_response


def _proposal_payload() -> tuple[dict, rounds.Upload | None]:
    """JSON, or multipart with a `payload` JSON field and a `minutes` file."""
    if request.mimetype == "multipart/form-data":
        try:
            data = json.loads(request.form.get("payload") or "{}")
        except ValueError as err:
            raise ValidationFailed("invalid_json", _("payload harus berupa objek JSON."), status=400) from err
        if not isinstance(data, dict):
            raise ValidationFailed("invalid_json", _("payload harus berupa objek JSON."), status=400)
        file = request.files.get("minutes")
        upload = rounds.Upload(file.stream, file.filename) if file is not None else None
        return data, upload
    return json_body(), None


@bp.route("/update-proposals")
@roles_required(Role.admin, Role.coop_rep)
def list_update_proposals():
    """Update proposals: all for the office, their own cooperative's for a pengurus.
    ---
    get:
      tags: [update round]
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [pending, approved, rejected]}}
        - {name: nik, in: query, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200: {description: "The list envelope of proposals."}
    """
    status = request.args.get("status", "")
    if status and status not in {s.value for s in ProposalStatus}:
        raise ValidationFailed("invalid_filter", _("status tidak dikenal: %(v)s.", v=status[:20]), status=400)
    stmt = rounds.proposals_query(viewer=current_user, status=status, nik=request.args.get("nik", ""))
    return paginate_select(stmt, rounds.proposal_dict)


@bp.route("/update-proposals", methods=["POST"])
@roles_required(Role.coop_rep)
def create_update_proposal():
    """Propose changes for your own cooperative (JSON, or multipart with `payload` + `minutes`).
    ---
    post:
      tags: [update round]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                profile: {type: object, description: "Profile fields to change (alamat, phone, …)."}
                officers: {type: array, items: {type: object}}
                figures: {type: object, description: "book_year and yearly figures."}
                rat: {type: object, description: "book_year, held_on, notes; needs the minutes file."}
                confirm: {type: array, items: {type: string, enum: [identitas, pengurus]}}
                note: {type: string}
          multipart/form-data:
            schema:
              type: object
              properties:
                payload: {type: string, description: "The JSON object above."}
                minutes: {type: string, format: binary, description: "RAT minutes: PDF, JPEG or PNG."}
      responses:
        201: {description: "The stored proposal, pending review."}
        403: {description: "Not a pengurus of a cooperative."}
        422: {description: "Refused: details.fields says what, by field."}
    """
    data, upload = _proposal_payload()
    coop = (
        db.session.get(services.Cooperative, current_user.cooperative_id)
        if current_user.cooperative_id
        else None
    )
    if coop is None:
        raise Forbidden("not_your_cooperative", _("Akun ini tidak terhubung dengan koperasi."))
    try:
        proposal = rounds.submit_proposal(coop, data, minutes=upload, by=current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(rounds.proposal_dict(proposal)), 201


@bp.route("/update-proposals/<int:proposal_id>")
@roles_required(Role.admin, Role.coop_rep)
def get_update_proposal(proposal_id: int):
    """One proposal (the office, or a pengurus of its cooperative; others get 404).
    ---
    get:
      tags: [update round]
      responses:
        200: {description: "The proposal."}
        404: {description: "proposal_not_found"}
    """
    return jsonify(rounds.proposal_dict(rounds.get_proposal(proposal_id, viewer=current_user)))


@bp.route("/update-proposals/<int:proposal_id>/minutes")
@roles_required(Role.admin, Role.coop_rep)
def get_update_proposal_minutes(proposal_id: int):
    """The RAT minutes file of a proposal (the office, or a pengurus of its cooperative).
    ---
    get:
      tags: [update round]
      responses:
        200: {description: "The file (PDF, JPEG or PNG) as an attachment."}
        404: {description: "No such proposal, or no file."}
    """
    return minutes_response(rounds.get_proposal(proposal_id, viewer=current_user))


@bp.route("/update-proposals/<int:proposal_id>/approve", methods=["POST"])
@admin_required
def approve_update_proposal(proposal_id: int):
    """Apply a pending proposal to the registry, all or nothing.
    ---
    post:
      tags: [update round]
      responses:
        200: {description: "The approved proposal."}
        409: {description: "proposal_decided"}
        422: {description: "proposal_apply_failed: nothing was changed."}
    """
    proposal = rounds.get_proposal(proposal_id, viewer=current_user)
    try:
        rounds.approve_proposal(proposal, by=current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(rounds.proposal_dict(proposal))


@bp.route("/update-proposals/<int:proposal_id>/reject", methods=["POST"])
@admin_required
def reject_update_proposal(proposal_id: int):
    """Refuse a pending proposal with a reason the pengurus reads.
    ---
    post:
      tags: [update round]
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [reason], properties: {reason: {type: string, minLength: 5}}}
      responses:
        200: {description: "The rejected proposal."}
        409: {description: "proposal_decided"}
        422: {description: "reason_required"}
    """
    proposal = rounds.get_proposal(proposal_id, viewer=current_user)
    data = json_body()
    try:
        rounds.reject_proposal(proposal, reason=as_text(data.get("reason"), field="reason"), by=current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(rounds.proposal_dict(proposal))


@bp.route("/cooperatives/<nik>/field-checks")
@admin_required
def list_field_checks(nik: str):
    """A cooperative's field checks, newest first, and when each fact group was last verified.
    ---
    get:
      tags: [update round]
      responses:
        200: {description: "items and verified_at per fact group."}
    """
    coop = services.cooperative_by_nik(nik)
    verified = rounds.verification_for(coop.id)
    return jsonify(
        {
            "items": [rounds.field_check_dict(c) for c in rounds.field_checks_for(coop)],
            "verified_at": {
                g.value: (verified[g].verified_at.isoformat() if g in verified else None)
                for g in rounds.FactGroup
            },
        }
    )


@bp.route("/cooperatives/<nik>/field-checks", methods=["POST"])
@admin_required
def create_field_check(nik: str):
    """Record a clerk's field check.
    ---
    post:
      tags: [update round]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                checked_on: {type: string, format: date}
                found_at_address: {type: boolean, nullable: true}
                operating: {type: boolean, nullable: true}
                management_in_place: {type: boolean, nullable: true}
                rat_minutes_seen: {type: boolean, nullable: true}
                notes: {type: string}
                set_reasons: {type: boolean, description: "Set the inactive reason of each 'no'."}
      responses:
        201: {description: "The recorded field check."}
        422: {description: "invalid_field_check"}
    """
    coop = services.cooperative_by_nik(nik)
    data = json_body()
    allowed = {"checked_on", "notes", "set_reasons", *rounds.FINDINGS}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(
            "invalid_field_check", _("Isian tidak dikenal: %(f)s.", f=", ".join(unknown)[:80])
        )
    try:
        check = rounds.record_field_check(
            coop,
            checked_on=data.get("checked_on"),
            **{k: data.get(k) for k in rounds.FINDINGS},
            notes=data.get("notes"),
            set_reasons=bool(data.get("set_reasons")),
            by=current_user,
        )
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(rounds.field_check_dict(check)), 201


@bp.route("/update-round/progress")
@admin_required
def update_round_progress():
    """Of the active cooperatives, how many have verified data this year, by kecamatan.
    ---
    get:
      tags: [update round]
      responses:
        200: {description: "year, per-kecamatan rows and the total."}
    """
    progress = rounds.round_progress()

    def row(r):
        return {
            "kecamatan": r.kecamatan,
            "label": r.label,
            "active": r.active,
            "verified": r.verified,
            "missing": r.missing,
        }

    return jsonify(
        {"year": progress.year, "kecamatan": [row(r) for r in progress.rows], "total": row(progress.total)}
    )


@bp.route("/warning-letters")
@admin_required
def list_warning_letters():
    """The register of warning letters (drafts, issued, dismissed).
    ---
    get:
      tags: [warning letters]
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [draft, issued, dismissed]}}
        - {name: kind, in: query, schema: {type: string, enum: [teguran_1, teguran_2, pembubaran]}}
        - {name: book_year, in: query, schema: {type: integer}}
      responses:
        200: {description: "The list envelope of letters."}
    """
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    if status and status not in {s.value for s in LetterStatus}:
        raise ValidationFailed("invalid_filter", _("status tidak dikenal."), status=400)
    if kind and kind not in {k.value for k in LetterKind}:
        raise ValidationFailed("invalid_filter", _("kind tidak dikenal."), status=400)
    year = request.args.get("book_year", "")
    stmt = letters.register_query(status=status, kind=kind, book_year=int(year) if year.isdigit() else None)
    return paginate_select(stmt, letters.letter_dict)


@bp.route("/warning-letters/<int:letter_id>/issue", methods=["POST"])
@admin_required
def issue_warning_letter(letter_id: int):
    """Issue a draft letter: number, date and deadline.
    ---
    post:
      tags: [warning letters]
      responses:
        200: {description: "The issued letter."}
        409: {description: "letter_not_draft"}
    """
    letter = letters.letter_or_404(letter_id)
    try:
        letters.issue_letter(letter, by=current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(letters.letter_dict(letter))


@bp.route("/registry/dashboard")
@admin_required
def registry_dashboard():
    """The dashboard's numbers: status by kecamatan, predikat, RAT compliance, grades, ODS differences.
    ---
    get:
      tags: [dashboard]
      responses:
        200: {description: "Aggregates as on the dashboard page."}
    """
    counts = dashboard.registry_counts()
    diff = dashboard.disagreements(counts)
    return jsonify(
        {
            "status_by_kecamatan": [
                {"kecamatan": r.label, "aktif": r.active, "tidak_aktif": r.inactive}
                for r in dashboard.status_by_kecamatan(counts)
            ],
            "predikat": {value: n for value, _label, n in dashboard.predikat_distribution(counts)},
            "rat_compliance": [
                {
                    "book_year": r.book_year,
                    "existing": r.existing,
                    "on_time": r.on_time,
                    "late": r.late,
                    "none": r.none,
                }
                for r in dashboard.rat_compliance()
            ],
            "grades": [
                {"grade": g, "harkop": h, "ods": o} for g, h, o in dashboard.grade_distribution(counts)
            ],
            "disagreements": {"status": diff.status, "grade": diff.grade},
        }
    )
