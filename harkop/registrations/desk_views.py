"""The office's desk pages: register a walk-in team on an event day, and upload a spreadsheet of teams.

Thin views over `desk.py`; a registered team's page (registrations.my_entry) then has each
participant's ticket PDF to print on the spot.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..auth.decorators import admin_required
from ..competitions import services as competitions
from ..extensions import db
from ..form_actions import run_form
from . import desk, services
from .forms import DeskForm, TeamImportForm
from .views import bp, participant_rows


@bp.route("/admin/meja")
@admin_required
def desk_home():
    """The event desk: today's competitions to register walk-in teams for, and the teams import."""
    event = competitions.current_event()
    now = clock.now()
    comps = competitions.list_competitions(event=event) if event is not None else []
    rows = [(c, desk.desk_closed_error(c, now)) for c in comps]
    return render_template("registrations/desk_home.html", event=event, rows=rows, form=TeamImportForm())


@bp.route("/admin/lomba/<int:competition_id>/meja", methods=["GET", "POST"])
@admin_required
def desk_register(competition_id: int):
    """Register a walk-in team at the desk (eligibility checked; an exception needs a recorded reason)."""
    comp = competitions.get_competition(competition_id)
    now = clock.now()
    if request.method == "POST":
        form = DeskForm()
    else:
        form = DeskForm(data={"participants": participant_rows(comp)})
    while len(form.participants) < len(participant_rows(comp)):
        form.participants.append_entry()
    outcome = run_form(
        form,
        lambda: desk.desk_register(
            comp,
            form.cooperative_nik.data or "",
            team_name=form.team_name.data or "",
            participants=[row.form.to_input() for row in form.participants],
            exception_reason=form.exception_reason.data or "",
            by=current_user,
            now=now,
        ),
        success=lambda entry: _(
            "“%(t)s” terdaftar di meja (%(s)s). Cetak tiketnya sekarang.",
            t=entry.team_name,
            s=entry.state.label,
        ),
        at={"team_name_required": "team_name"},
        keep=services.refusal_is_recorded,
    )
    if outcome:
        return redirect(url_for("registrations.my_entry", entry_id=outcome.value.id))
    return render_template(
        "registrations/desk_register.html",
        comp=comp,
        form=form,
        closed=desk.desk_closed_error(comp, now),
        refusal=outcome.refusal,
        min_rows=comp.min_team_size,
    ), outcome.status


@bp.route("/admin/meja/impor", methods=["GET", "POST"])
@admin_required
def desk_import():
    """Upload a CSV or XLSX of teams for the current event: every row checked, written all or nothing."""
    event = competitions.current_event()
    form = TeamImportForm()
    report = None
    if form.validate_on_submit() and event is not None:
        upload = form.file.data
        suffix = Path(upload.filename or "").suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            upload.save(handle)
            handle.flush()
            report = desk.import_teams(handle.name, event, by=current_user, filename=upload.filename or "")
        if report.written:
            db.session.commit()
            flash(_("%(n)d tim didaftarkan dari %(f)s.", n=report.written, f=report.filename), "success")
            return redirect(url_for("registrations.desk_home"))
        db.session.rollback()
    status = 422 if form.errors or (report is not None and report.rejected) else 200
    return render_template(
        "registrations/desk_import.html", event=event, form=form, report=report, header=desk.template_header()
    ), status
