"""The office's personal-data pages: what is kept until when, and one person's data on request."""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..auth.decorators import admin_required
from ..form_actions import ConfirmForm, run_button, run_form
from ..registrations.personal_data import retention_days, retention_until
from . import services
from .forms import EraseForm

bp = Blueprint("privacy", __name__)


@bp.route("/admin/data-pribadi")
@admin_required
def index():
    """How long participants' data is kept per event, and a search for one person's records."""
    query = (request.args.get("q") or "").strip()
    found = services.find_participants(query) if query else []
    return render_template(
        "privacy/index.html",
        query=query,
        found=found,
        schedule=services.retention_schedule(),
        days=retention_days(),
    )


@bp.route("/admin/data-pribadi/peserta/<int:participant_id>", methods=["GET", "POST"])
@admin_required
def person(participant_id: int):
    """Everything held about one person (their records), with export and erasure on request."""
    participant = services.get_participant(participant_id)
    form = EraseForm()
    outcome = run_form(
        form,
        lambda: services.erase_person(participant, form.reason.data, by=current_user),
        success=lambda erased: _(
            "Data pribadi %(n)d catatan dihapus dan dicatat di log audit.", n=len(erased)
        ),
    )
    if outcome:
        return redirect(url_for("privacy.person", participant_id=participant.id))
    records = services.person_records(participant)
    return render_template(
        "privacy/person.html",
        participant=participant,
        records=records,
        published={p.id: services.name_is_published(p) for p in records},
        kept_until={p.id: retention_until(p.entry.competition.event.ends_on) for p in records},
        form=form,
    ), outcome.status


@bp.route("/admin/data-pribadi/peserta/<int:participant_id>/ekspor", methods=["POST"])
@admin_required
def export(participant_id: int):
    """Download everything held about the person as JSON (a POST: the download is recorded)."""
    participant = services.get_participant(participant_id)
    outcome = run_button(ConfirmForm(), lambda: services.export_person(participant, by=current_user))
    if not outcome:
        return redirect(url_for("privacy.person", participant_id=participant.id))
    body = json.dumps(outcome.value, ensure_ascii=False, indent=2)
    name = f"data-pribadi-peserta-{participant.id}-{clock.today().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
