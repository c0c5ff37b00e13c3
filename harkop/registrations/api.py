"""Entries in the API: list, register, withdraw, approve, reject, and an entry's ticket codes.

A full competition is not an error: the entry comes back `waitlisted` (201). A refusal by the
eligibility rules is `not_eligible` (422) with every reason in `error.details.reasons`, and it is
recorded in the audit log (committed before the error is answered).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..api import bp, json_body, paginate_select
from ..auth.actors import acts_for_cooperative, acts_for_office
from ..auth.decorators import admin_required, login_required, roles_required
from ..auth.models import Role
from ..competitions.services import visible_competition
from ..cooperatives.services import cooperative_by_nik
from ..errors import DomainError, Forbidden, ValidationFailed
from ..extensions import db
from ..text import as_text
from . import services
from .models import Entry, Participant, Ticket
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


@bp.route("/competitions/<int:competition_id>/entries")
@login_required
def competition_entries(competition_id: int):
    """A competition's entries: all for the office, a `coop_rep`'s own cooperative's for them.
    ---
    get:
      tags: [registrations]
      parameters:
        - {name: state, in: query, schema: {type: string, enum: [pending, confirmed, waitlisted, rejected, withdrawn]}}
        - {name: page, in: query, schema: {type: integer}}
      responses:
        200: {description: "{items, total, page, per_page}"}
        403: {description: "forbidden"}
        404: {description: "competition_not_found"}
    """
    from flask import request

    from .models import EntryState

    comp = visible_competition(competition_id, user=current_user)
    states = None
    if request.args.get("state"):
        try:
            states = [EntryState(request.args["state"])]
        except ValueError as err:
            raise ValidationFailed("invalid_state", _("Status tidak dikenal."), status=400) from err
    if services.can_read_entries(current_user, comp):
        stmt = services.entries_of(comp, states=states)
    elif current_user.has_role("coop_rep") and current_user.cooperative_id is not None:
        stmt = services.entries_of(comp, cooperative_id=current_user.cooperative_id, states=states)
    else:
        raise Forbidden("forbidden", _("Anda tidak dapat melihat pendaftar lomba ini."))
    return paginate_select(stmt, lambda e: entry_json(e, user=current_user))


@bp.route("/competitions/<int:competition_id>/entries", methods=["POST"])
@roles_required(Role.coop_rep, Role.admin)
def competition_register(competition_id: int):
    """Register a team (coop_rep: own cooperative; admin: any, by `cooperative_nik`).
    ---
    post:
      tags: [registrations]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [participants]
              properties:
                cooperative_nik: {type: string, description: "required for admin; a coop_rep may give only their own"}
                team_name: {type: string}
                participants:
                  type: array
                  items:
                    type: object
                    required: [name, phone, consent]
                    properties:
                      name: {type: string}
                      phone: {type: string}
                      role: {type: string}
                      consent: {type: boolean}
                      guardian_name: {type: string}
                      guardian_consent: {type: boolean}
      responses:
        201: {description: "The entry: confirmed, waitlisted (competition full) or pending (approval required)."}
        403: {description: "forbidden (another cooperative)"}
        409: {description: "registration_closed"}
        422: {description: "not_eligible (details.reasons), team_size, consent_required, guardian_consent_required, invalid_phone, name_required, team_name_required"}
    """
    body = json_body()
    comp = visible_competition(competition_id, user=current_user)
    nik = body.get("cooperative_nik")
    if nik is not None and not isinstance(nik, str):
        raise ValidationFailed(
            "invalid_nik", _("cooperative_nik harus berupa teks."), details={"field": "cooperative_nik"}
        )
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
    people = body.get("participants")
    if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
        raise ValidationFailed(
            "invalid_participants",
            _("participants harus berupa daftar objek."),
            details={"field": "participants"},
        )
    team_name = body.get("team_name") or ""
    if not isinstance(team_name, str):
        raise ValidationFailed(
            "invalid_team_name", _("team_name harus berupa teks."), details={"field": "team_name"}
        )
    entry = _commit_or_keep(
        lambda: services.register_entry(
            comp,
            cooperative_id,
            team_name=team_name,
            participants=[services.ParticipantInput.from_dict(p) for p in people],
            by=current_user,
        )
    )
    return jsonify(entry_json(entry, user=current_user)), 201


def _entry_for_api(entry_id: int) -> Entry:
    return services.get_entry_for(entry_id, current_user)


@bp.route("/entries/<int:entry_id>/withdraw", methods=["POST"])
@roles_required(Role.coop_rep, Role.admin)
def entry_withdraw(entry_id: int):
    """Withdraw an entry (before the competition starts); the next waitlisted entry is promoted.
    ---
    post:
      tags: [registrations]
      responses:
        200: {description: "The withdrawn entry."}
        403: {description: "forbidden"}
        409: {description: "invalid_entry_state or too_late"}
    """
    entry = _entry_for_api(entry_id)
    _commit_or_keep(lambda: services.withdraw_entry(entry, by=current_user))
    return jsonify(entry_json(entry, user=current_user))


@bp.route("/entries/<int:entry_id>/approve", methods=["POST"])
@admin_required
def entry_approve(entry_id: int):
    """Approve a pending entry: eligibility is checked again; it becomes confirmed or waitlisted.
    ---
    post:
      tags: [registrations]
      responses:
        200: {description: "The entry, confirmed or waitlisted."}
        409: {description: "invalid_entry_state"}
        422: {description: "not_eligible (details.reasons)"}
    """
    entry = services.get_entry(entry_id)
    _commit_or_keep(lambda: services.approve_entry(entry, by=current_user))
    return jsonify(entry_json(entry, user=current_user))


@bp.route("/entries/<int:entry_id>/reject", methods=["POST"])
@admin_required
def entry_reject(entry_id: int):
    """Reject an entry with a reason (`{"reason"}`); the cooperative is notified.
    ---
    post:
      tags: [registrations]
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [reason], properties: {reason: {type: string}}}
      responses:
        200: {description: "The rejected entry."}
        409: {description: "invalid_entry_state"}
        422: {description: "reason_required"}
    """
    body = json_body()
    entry = services.get_entry(entry_id)
    _commit_or_keep(
        lambda: services.reject_entry(entry, as_text(body.get("reason"), field="reason"), by=current_user)
    )
    return jsonify(entry_json(entry, user=current_user))


@bp.route("/entries/<int:entry_id>/tickets")
@roles_required(Role.coop_rep, Role.admin)
def entry_tickets(entry_id: int):
    """An entry's tickets: code (`HK1:<secret>`), page and PDF links, valid or revoked.
    ---
    get:
      tags: [registrations]
      responses:
        200: {description: "{items: [...]} every ticket of the entry, revoked ones included."}
        403: {description: "forbidden"}
    """
    entry = _entry_for_api(entry_id)
    if not acts_for_cooperative(current_user, entry.cooperative_id):
        raise Forbidden("forbidden", _("Anda hanya dapat melihat tiket koperasi Anda sendiri."))
    items = [ticket_json(t) for t in services.tickets_of(entry)]
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": max(1, len(items))})
