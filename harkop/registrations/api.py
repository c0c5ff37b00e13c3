"""Entries in the API: list, register, withdraw, approve, reject, and an entry's ticket codes.

A full competition is not an error: the entry comes back `waitlisted` (201). A refusal by the
eligibility rules is `not_eligible` (422) with every reason in `error.details.reasons`, and it is
recorded in the audit log (committed before the error is answered).
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields, validate

from ..api import Answer, Body, Bool, Text, bp, errors, list_envelope, page_of, paged, paginate_select
from ..auth.actors import acts_for_cooperative, acts_for_office
from ..auth.decorators import admin_required, login_required, roles_required
from ..auth.models import Role
from ..competitions.services import visible_competition
from ..cooperatives.services import cooperative_by_nik
from ..errors import DomainError, Forbidden, ValidationFailed
from ..extensions import db
from . import services
from .models import Entry, EntryState, Participant, Ticket
from .tickets import qr_payload


def participant_json(p: Participant, *, private: bool) -> dict[str, Any]:
    """A participant; phone and guardian only for the office and the entry's own cooperative."""
    data: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "role": p.role,
        "replaced_at": p.replaced_at.isoformat() if p.replaced_at else None,
        "replaced_by_id": p.replaced_by_id,
    }
    if private:
        data.update(
            phone=p.phone,
            guardian_name=p.guardian_name,
            consent=p.consent,
            guardian_consent=p.guardian_consent,
        )
    return data


def entry_json(entry: Entry, *, user: Any = None) -> dict[str, Any]:
    """An entry with its state, waiting-list position, decision and participants."""
    private = acts_for_cooperative(user, entry.cooperative_id)
    return {
        "id": entry.id,
        "competition_id": entry.competition_id,
        "cooperative": {"nik": entry.cooperative.nik, "name": entry.cooperative.name},
        "team_name": entry.team_name,
        "state": entry.state.value,
        "waitlist_position": entry.waitlist_position,
        "state_reason": entry.state_reason,
        "decision": entry.decision,
        "created_at": entry.created_at.isoformat(),
        "confirmed_at": entry.confirmed_at.isoformat() if entry.confirmed_at else None,
        "participants": [participant_json(p, private=private) for p in entry.participants],
    }


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """A ticket: the QR payload (the code), its page and PDF links, and whether it is valid."""
    return {
        "id": ticket.id,
        "participant_id": ticket.participant_id,
        "participant_name": ticket.participant.name,
        "code": qr_payload(ticket),
        "valid": ticket.is_valid and ticket.participant.entry.state.value == "confirmed",
        "issued_at": ticket.issued_at.isoformat(),
        "revoked_at": ticket.revoked_at.isoformat() if ticket.revoked_at else None,
        "revoked_reason": ticket.revoked_reason,
        "page_url": url_for("registrations.ticket_page", token=ticket.page_token, _external=True),
        "pdf_url": url_for("registrations.ticket_pdf", token=ticket.page_token, _external=True),
        "qr_png_url": url_for("registrations.ticket_qr_png", token=ticket.page_token, _external=True),
    }


def _commit_or_keep(action):
    """Run a service: commit on success; on refusal keep only what the refusal recorded."""
    try:
        result = action()
    except DomainError as err:
        if services.refusal_is_recorded(err):
            db.session.commit()
        else:
            db.session.rollback()
        raise
    db.session.commit()
    return result


class ParticipantSchema(Answer):
    """A participant; phone, guardian and consent only for the office and the entry's cooperative."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(allow_none=True)
    replaced_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    replaced_by_id = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True)
    guardian_name = fields.String(allow_none=True)
    consent = fields.Boolean(allow_none=True)
    guardian_consent = fields.Boolean(allow_none=True)


class EntrySchema(Answer):
    """An entry: state, waiting-list position, decision and participants."""

    id = fields.Integer(required=True)
    competition_id = fields.Integer(required=True)
    cooperative = fields.Dict(required=True, metadata={"description": "{nik, name}"})
    team_name = fields.String(allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in EntryState]))
    waitlist_position = fields.Integer(allow_none=True)
    state_reason = fields.String(allow_none=True)
    decision = fields.Raw(allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    confirmed_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)


class TicketSchema(Answer):
    """A ticket: its QR payload, links, and whether it is valid."""

    id = fields.Integer(required=True)
    participant_id = fields.Integer(required=True)
    participant_name = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "HK1:<secret>"})
    valid = fields.Boolean(required=True)
    issued_at = fields.String(required=True, metadata={"format": "date-time"})
    revoked_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    revoked_reason = fields.String(allow_none=True)
    page_url = fields.String(required=True)
    pdf_url = fields.String(required=True)
    qr_png_url = fields.String(required=True)


class EntriesQuerySchema(paged(50)):
    """Filters of a competition's entries."""

    state = fields.String(
        validate=validate.OneOf([s.value for s in EntryState]), metadata={"code": "invalid_state"}
    )


class ParticipantRequestSchema(Body):
    """One participant as registered."""

    name = Text(allow_none=True)
    phone = Text(allow_none=True)
    role = Text(allow_none=True)
    consent = Bool(allow_none=True)
    guardian_name = Text(allow_none=True)
    guardian_consent = Bool(allow_none=True)


class RegisterRequestSchema(Body):
    """A team to register."""

    cooperative_nik = Text(
        allow_none=True,
        metadata={
            "code": "invalid_nik",
            "description": "required for admin; a coop_rep may give only their own",
        },
    )
    team_name = Text(allow_none=True)
    participants = fields.List(fields.Nested(ParticipantRequestSchema), required=True)


class ReasonSchema(Body):
    """A reason, for the record and for the people it concerns."""

    reason = Text(
        validate=validate.Length(min=5), metadata={"code": "reason_required", "missing": "reason_required"}
    )


@bp.route("/competitions/<int:competition_id>/entries", tags=["registrations"])
@login_required
@bp.arguments(EntriesQuerySchema, location="query")
@bp.response(200, page_of(EntrySchema))
@errors((403, "forbidden"), (404, "competition_not_found"))
def competition_entries(query: dict[str, Any], competition_id: int):
    """A competition's entries: all for the office, a `coop_rep`'s own cooperative's for them."""
    comp = visible_competition(competition_id, user=current_user)
    states = [EntryState(query["state"])] if query.get("state") else None
    if services.can_read_entries(current_user, comp):
        stmt = services.entries_of(comp, states=states)
    elif current_user.has_role("coop_rep") and current_user.cooperative_id is not None:
        stmt = services.entries_of(comp, cooperative_id=current_user.cooperative_id, states=states)
    else:
        raise Forbidden("forbidden", _("Anda tidak dapat melihat pendaftar lomba ini."))
    return paginate_select(stmt, lambda e: entry_json(e, user=current_user), query["page"], query["per_page"])


@bp.route("/competitions/<int:competition_id>/entries", methods=["POST"], tags=["registrations"])
@roles_required(Role.coop_rep, Role.admin)
@bp.arguments(RegisterRequestSchema)
@bp.response(
    201,
    EntrySchema,
    description="The entry: confirmed, waitlisted (competition full) or pending (approval required)",
)
@errors(
    (403, "forbidden (another cooperative)"),
    (404, "competition_not_found, cooperative_not_found"),
    (409, "registration_closed"),
    (
        422,
        "not_eligible (details.reasons), team_size, consent_required, guardian_consent_required, "
        "invalid_phone, name_required, team_name_required, cooperative_required, invalid_participants",
    ),
)
def competition_register(body: dict[str, Any], competition_id: int):
    """Register a team (coop_rep: own cooperative; admin: any, by `cooperative_nik`)."""
    comp = visible_competition(competition_id, user=current_user)
    nik = body.get("cooperative_nik")
    if acts_for_office(current_user):
        if not nik:
            raise ValidationFailed(
                "cooperative_required", _("Sebutkan cooperative_nik."), details={"field": "cooperative_nik"}
            )
        cooperative_id = cooperative_by_nik(nik).id
    else:
        cooperative_id = current_user.cooperative_id
        if cooperative_id is None or (nik and cooperative_by_nik(nik).id != cooperative_id):
            raise Forbidden("forbidden", _("Anda hanya dapat mendaftarkan koperasi Anda sendiri."))
    people = body["participants"]
    entry = _commit_or_keep(
        lambda: services.register_entry(
            comp,
            cooperative_id,
            team_name=body.get("team_name") or "",
            participants=[services.ParticipantInput.from_dict(p) for p in people],
            by=current_user,
        )
    )
    return entry_json(entry, user=current_user)


def _entry_for_api(entry_id: int) -> Entry:
    return services.get_entry_for(entry_id, current_user)


@bp.route("/entries/<int:entry_id>/withdraw", methods=["POST"], tags=["registrations"])
@roles_required(Role.coop_rep, Role.admin)
@bp.response(200, EntrySchema, description="The withdrawn entry")
@errors((403, "forbidden"), (404, "entry_not_found"), (409, "invalid_entry_state, too_late"))
def entry_withdraw(entry_id: int):
    """Withdraw an entry (before the competition starts); the next waitlisted entry is promoted."""
    entry = _entry_for_api(entry_id)
    _commit_or_keep(lambda: services.withdraw_entry(entry, by=current_user))
    return entry_json(entry, user=current_user)


@bp.route("/entries/<int:entry_id>/approve", methods=["POST"], tags=["registrations"])
@admin_required
@bp.response(200, EntrySchema, description="The entry, confirmed or waitlisted")
@errors((404, "entry_not_found"), (409, "invalid_entry_state"), (422, "not_eligible (details.reasons)"))
def entry_approve(entry_id: int):
    """Approve a pending entry: eligibility is checked again; it becomes confirmed or waitlisted."""
    entry = services.get_entry(entry_id)
    _commit_or_keep(lambda: services.approve_entry(entry, by=current_user))
    return entry_json(entry, user=current_user)


@bp.route("/entries/<int:entry_id>/reject", methods=["POST"], tags=["registrations"])
@admin_required
@bp.arguments(ReasonSchema)
@bp.response(200, EntrySchema, description="The rejected entry")
@errors((404, "entry_not_found"), (409, "invalid_entry_state"), (422, "reason_required"))
def entry_reject(body: dict[str, Any], entry_id: int):
    """Reject an entry with a reason (`{"reason"}`); the cooperative is notified."""
    entry = services.get_entry(entry_id)
    _commit_or_keep(lambda: services.reject_entry(entry, body.get("reason") or "", by=current_user))
    return entry_json(entry, user=current_user)


@bp.route("/entries/<int:entry_id>/tickets", tags=["registrations"])
@roles_required(Role.coop_rep, Role.admin)
@bp.response(200, page_of(TicketSchema), description="Every ticket of the entry, revoked ones included")
@errors((403, "forbidden"), (404, "entry_not_found"))
def entry_tickets(entry_id: int):
    """An entry's tickets: code (`HK1:<secret>`), page and PDF links, valid or revoked."""
    entry = _entry_for_api(entry_id)
    if not acts_for_cooperative(current_user, entry.cooperative_id):
        raise Forbidden("forbidden", _("Anda hanya dapat melihat tiket koperasi Anda sendiri."))
    items = [ticket_json(t) for t in services.tickets_of(entry)]
    return list_envelope(items, len(items), 1, max(1, len(items)))
