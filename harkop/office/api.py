"""Office workflow routes on `/api/v1`: update proposals, field checks, the round's progress,
the warning-letter register and the dashboard's numbers.

A `coop_rep` sees and submits only their own cooperative's proposals; another cooperative's
proposal answers 404 (`proposal_not_found`), exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields, validate

from ..api import (
    Answer,
    Body,
    Bool,
    Text,
    bp,
    errors,
    load_json_object,
    page_of,
    paged,
    paginate_select,
    validate_body,
)
from ..auth.decorators import admin_required, roles_required
from ..auth.models import Role
from ..cooperatives import services
from ..errors import DomainError, Forbidden
from ..extensions import db
from . import dashboard, letters, rounds
from .models import LetterKind, LetterStatus, ProposalStatus
from .uploads import minutes_response


class ProposalSchema(Answer):
    """An update proposal."""

    id = fields.Integer(required=True)
    cooperative = fields.Dict(required=True, metadata={"description": "{nik, name}"})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in ProposalStatus]))
    changes = fields.Dict(required=True)
    note = fields.String(allow_none=True)
    submitted_at = fields.String(required=True, metadata={"format": "date-time"})
    submitted_by = fields.String(allow_none=True)
    minutes = fields.Dict(
        allow_none=True, metadata={"description": "{name, content_type, size, sha256, url}"}
    )
    decided_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    decided_by = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class ProposalRequestSchema(Body):
    """Changes a pengurus proposes for their own cooperative."""

    profile = fields.Dict(
        allow_none=True, metadata={"description": "profile fields to change (alamat, phone, …)"}
    )
    officers = fields.List(fields.Dict(), allow_none=True)
    figures = fields.Dict(allow_none=True, metadata={"description": "book_year and yearly figures"})
    rat = fields.Dict(
        allow_none=True, metadata={"description": "book_year, held_on, notes; needs the minutes file"}
    )
    confirm = fields.List(fields.String(validate=validate.OneOf(["identitas", "pengurus"])), allow_none=True)
    note = Text(allow_none=True)


PROPOSAL_MULTIPART = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "payload": {
                            "$ref": "#/components/schemas/ProposalRequest",
                            "description": "the proposal, as JSON text (the same object as the JSON body)",
                        },
                        "minutes": {
                            "type": "string",
                            "format": "binary",
                            "description": "RAT minutes: PDF, JPEG or PNG",
                        },
                    },
                },
                "encoding": {"payload": {"contentType": "application/json"}},
            }
        }
    }
}


class ProposalsQuerySchema(paged(50)):
    """Filters of the proposals list."""

    status = fields.String(
        validate=validate.OneOf([s.value for s in ProposalStatus]), metadata={"code": "invalid_filter"}
    )
    nik = Text(validate=validate.Length(max=40))


class RejectProposalSchema(Body):
    """Why a proposal is refused (the pengurus reads it)."""

    reason = Text(
        validate=validate.Length(min=5), metadata={"code": "reason_required", "missing": "reason_required"}
    )


class FieldCheckSchema(Answer):
    """A clerk's field check."""

    id = fields.Integer(required=True)
    checked_on = fields.String(required=True, metadata={"format": "date"})
    found_at_address = fields.Boolean(allow_none=True)
    operating = fields.Boolean(allow_none=True)
    management_in_place = fields.Boolean(allow_none=True)
    rat_minutes_seen = fields.Boolean(allow_none=True)
    notes = fields.String(allow_none=True)
    checked_by = fields.String(allow_none=True)


class FieldChecksSchema(Answer):
    """A cooperative's field checks and when each fact group was last verified."""

    items = fields.List(fields.Nested(FieldCheckSchema), required=True)
    verified_at = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)


class FieldCheckRequestSchema(ma.Schema):
    """A field check as the clerk records it; an unknown field is refused."""

    class Meta:
        """marshmallow's options."""

        unknown = ma.RAISE
        error_code = "invalid_field_check"

    checked_on = Text(allow_none=True, metadata={"format": "date"})
    found_at_address = Bool(allow_none=True)
    operating = Bool(allow_none=True)
    management_in_place = Bool(allow_none=True)
    rat_minutes_seen = Bool(allow_none=True)
    notes = Text(allow_none=True)
    set_reasons = Bool(allow_none=True, metadata={"description": "set the inactive reason of each no"})


class ProgressRowSchema(Answer):
    """Active and verified cooperatives of one kecamatan."""

    kecamatan = fields.String(allow_none=True)
    label = fields.String(required=True)
    active = fields.Integer(required=True)
    verified = fields.Integer(required=True)
    missing = fields.Integer(required=True)


class ProgressSchema(Answer):
    """The update round's progress this year."""

    year = fields.Integer(required=True)
    kecamatan = fields.List(fields.Nested(ProgressRowSchema), required=True)
    total = fields.Nested(ProgressRowSchema, required=True)


class LetterSchema(Answer):
    """A warning letter of the register."""

    id = fields.Integer(required=True)
    cooperative = fields.Dict(required=True, metadata={"description": "{nik, name}"})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in LetterKind]))
    book_year = fields.Integer(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in LetterStatus]))
    number = fields.String(allow_none=True)
    found_on = fields.String(required=True, metadata={"format": "date"})
    issued_on = fields.String(allow_none=True, metadata={"format": "date"})
    deadline = fields.String(allow_none=True, metadata={"format": "date"})
    dismissed_reason = fields.String(allow_none=True)


class LettersQuerySchema(paged(50)):
    """Filters of the letter register."""

    status = fields.String(
        validate=validate.OneOf([s.value for s in LetterStatus]), metadata={"code": "invalid_filter"}
    )
    kind = fields.String(
        validate=validate.OneOf([k.value for k in LetterKind]), metadata={"code": "invalid_filter"}
    )
    book_year = fields.Integer(validate=validate.Range(1900, 2999), metadata={"code": "invalid_filter"})


class RegistryDashboardSchema(Answer):
    """The registry dashboard's numbers."""

    status_by_kecamatan = fields.List(
        fields.Dict(), required=True, metadata={"description": "{kecamatan, aktif, tidak_aktif}"}
    )
    predikat = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    rat_compliance = fields.List(
        fields.Dict(), required=True, metadata={"description": "{book_year, existing, on_time, late, none}"}
    )
    grades = fields.List(fields.Dict(), required=True, metadata={"description": "{grade, harkop, ods}"})
    disagreements = fields.Dict(
        required=True, metadata={"description": "{status, grade}: Harkop and ODS disagree"}
    )


def _proposal_payload(body: dict[str, Any]) -> tuple[dict, rounds.Upload | None]:
    """The JSON body, or multipart with a `payload` JSON field (checked like a body) and a `minutes` file."""
    if request.mimetype != "multipart/form-data":
        return body, None
    data = load_json_object(request.form.get("payload") or "{}", where="payload")
    data = validate_body(ProposalRequestSchema(), data)
    file = request.files.get("minutes")
    upload = rounds.Upload(file.stream, file.filename) if file is not None else None
    return data, upload


@bp.route("/update-proposals", tags=["update round"])
@roles_required(Role.admin, Role.coop_rep)
@bp.arguments(ProposalsQuerySchema, location="query")
@bp.response(200, page_of(ProposalSchema))
def list_update_proposals(query: dict[str, Any]):
    """Update proposals: all for the office, their own cooperative's for a pengurus."""
    stmt = rounds.proposals_query(
        viewer=current_user, status=query.get("status", ""), nik=query.get("nik", "")
    )
    return paginate_select(stmt, rounds.proposal_dict, query["page"], query["per_page"])


@bp.route("/update-proposals", methods=["POST"], tags=["update round"])
@roles_required(Role.coop_rep)
@bp.arguments(ProposalRequestSchema, required=False)
@bp.doc(**PROPOSAL_MULTIPART)
@bp.response(201, ProposalSchema, description="The stored proposal, pending review")
@errors(
    (403, "not_your_cooperative: not a pengurus of a cooperative"),
    (413, "payload_too_large: the minutes file is too large"),
    (422, "refused: details.fields says what, by field"),
)
def create_update_proposal(body: dict[str, Any]):
    """Propose changes for your own cooperative (JSON, or multipart with `payload` + `minutes`)."""
    data, upload = _proposal_payload(body)
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
    return rounds.proposal_dict(proposal)


@bp.route("/update-proposals/<int:proposal_id>", tags=["update round"])
@roles_required(Role.admin, Role.coop_rep)
@bp.response(200, ProposalSchema)
@errors((404, "proposal_not_found"))
def get_update_proposal(proposal_id: int):
    """One proposal (the office, or a pengurus of its cooperative; others get 404)."""
    return rounds.proposal_dict(rounds.get_proposal(proposal_id, viewer=current_user))


@bp.route("/update-proposals/<int:proposal_id>/minutes", tags=["update round"])
@roles_required(Role.admin, Role.coop_rep)
@bp.doc(
    responses={
        "200": {
            "description": "The file (PDF, JPEG or PNG) as an attachment",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("application/pdf", "image/jpeg", "image/png")
            },
        }
    }
)
@errors((404, "proposal_not_found, or no file"))
def get_update_proposal_minutes(proposal_id: int):
    """The RAT minutes file of a proposal (the office, or a pengurus of its cooperative)."""
    return minutes_response(rounds.get_proposal(proposal_id, viewer=current_user))


@bp.route("/update-proposals/<int:proposal_id>/approve", methods=["POST"], tags=["update round"])
@admin_required
@bp.response(200, ProposalSchema, description="The approved proposal")
@errors(
    (404, "proposal_not_found"),
    (409, "proposal_decided"),
    (422, "proposal_apply_failed: nothing was changed"),
)
def approve_update_proposal(proposal_id: int):
    """Apply a pending proposal to the registry, all or nothing."""
    proposal = rounds.get_proposal(proposal_id, viewer=current_user)
    try:
        rounds.approve_proposal(proposal, by=current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return rounds.proposal_dict(proposal)


@bp.route("/update-proposals/<int:proposal_id>/reject", methods=["POST"], tags=["update round"])
@admin_required
@bp.arguments(RejectProposalSchema)
@bp.response(200, ProposalSchema, description="The rejected proposal")
@errors((404, "proposal_not_found"), (409, "proposal_decided"), (422, "reason_required"))
def reject_update_proposal(body: dict[str, Any], proposal_id: int):
    """Refuse a pending proposal with a reason the pengurus reads."""
    proposal = rounds.get_proposal(proposal_id, viewer=current_user)
    try:
        rounds.reject_proposal(proposal, reason=body.get("reason") or "", by=current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return rounds.proposal_dict(proposal)


@bp.route("/cooperatives/<nik:nik>/field-checks", tags=["update round"])
@admin_required
@bp.response(200, FieldChecksSchema)
@errors((404, "cooperative_not_found"))
def list_field_checks(nik: str):
    """A cooperative's field checks, newest first, and when each fact group was last verified."""
    coop = services.cooperative_by_nik(nik)
    verified = rounds.verification_for(coop.id)
    return {
        "items": [rounds.field_check_dict(c) for c in rounds.field_checks_for(coop)],
        "verified_at": {
            g.value: (verified[g].verified_at.isoformat() if g in verified else None)
            for g in rounds.FactGroup
        },
    }


@bp.route("/cooperatives/<nik:nik>/field-checks", methods=["POST"], tags=["update round"])
@admin_required
@bp.arguments(FieldCheckRequestSchema)
@bp.response(201, FieldCheckSchema, description="The recorded field check")
@errors((404, "cooperative_not_found"), (422, "invalid_field_check"))
def create_field_check(body: dict[str, Any], nik: str):
    """Record a clerk's field check."""
    coop = services.cooperative_by_nik(nik)
    try:
        check = rounds.record_field_check(
            coop,
            checked_on=body.get("checked_on"),
            **{k: body.get(k) for k in rounds.FINDINGS},
            notes=body.get("notes"),
            set_reasons=bool(body.get("set_reasons")),
            by=current_user,
        )
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return rounds.field_check_dict(check)


@bp.route("/update-round/progress", tags=["update round"])
@admin_required
@bp.response(200, ProgressSchema)
def update_round_progress():
    """Of the active cooperatives, how many have verified data this year, by kecamatan."""
    progress = rounds.round_progress()

    def row(r):
        return {
            "kecamatan": r.kecamatan,
            "label": r.label,
            "active": r.active,
            "verified": r.verified,
            "missing": r.missing,
        }

    return {"year": progress.year, "kecamatan": [row(r) for r in progress.rows], "total": row(progress.total)}


@bp.route("/warning-letters", tags=["warning letters"])
@admin_required
@bp.arguments(LettersQuerySchema, location="query")
@bp.response(200, page_of(LetterSchema))
def list_warning_letters(query: dict[str, Any]):
    """The register of warning letters (drafts, issued, dismissed)."""
    stmt = letters.register_query(
        status=query.get("status", ""), kind=query.get("kind", ""), book_year=query.get("book_year")
    )
    return paginate_select(stmt, letters.letter_dict, query["page"], query["per_page"])


@bp.route("/warning-letters/<int:letter_id>/issue", methods=["POST"], tags=["warning letters"])
@admin_required
@bp.response(200, LetterSchema, description="The issued letter")
@errors((404, "letter_not_found"), (409, "letter_not_draft"))
def issue_warning_letter(letter_id: int):
    """Issue a draft letter: number, date and deadline."""
    letter = letters.letter_or_404(letter_id)
    try:
        letters.issue_letter(letter, by=current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return letters.letter_dict(letter)


@bp.route("/registry/dashboard", tags=["dashboard"])
@admin_required
@bp.response(200, RegistryDashboardSchema)
def registry_dashboard():
    """The dashboard's numbers: status by kecamatan, predikat, RAT compliance, grades, ODS differences."""
    counts = dashboard.registry_counts()
    diff = dashboard.disagreements(counts)
    return {
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
        "grades": [{"grade": g, "harkop": h, "ods": o} for g, h, o in dashboard.grade_distribution(counts)],
        "disagreements": {"status": diff.status, "grade": diff.grade},
    }
