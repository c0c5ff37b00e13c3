"""The office's desk pages: register a walk-in team on an event day, and upload a spreadsheet of teams.

Thin views over `desk.py` (a large teams file goes to the registry import's background queue, and
its page follows the job); a registered team's page (registrations.my_entry) then has each
participant's ticket PDF to print on the spot.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import clock
from ..auth.decorators import admin_required
from ..competitions import services as competitions
from ..cooperatives.import_jobs import job_of_kind, job_status
from ..extensions import db
from ..form_actions import run_form
from ..spreadsheets import send_spreadsheet
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
    """Upload a CSV or XLSX of teams for the current event: every row checked, written all or nothing.

    The file is held to the import limits before it is parsed; a large one is queued for the
    scheduler and the page follows its progress (desk.receive_teams_file).
    """
    event = competitions.current_event()
    form = TeamImportForm()
    report = None
    if form.validate_on_submit() and event is not None:
        upload = form.file.data
        filename = upload.filename or ""
        suffix = Path(filename).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            upload.save(handle)
            handle.flush()
            received = desk.receive_teams_file(handle.name, event, filename=filename, by=current_user)
        if received.job is not None:
            db.session.commit()
            flash(_("Berkas besar: impor tim berjalan di latar belakang."), "info")
            return redirect(url_for("registrations.desk_import_job", job_id=received.job.id))
        report = received.report
        if report.written:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d tim didaftarkan dari %(f)s.",
                    "%(num)d tim didaftarkan dari %(f)s.",
                    report.written,
                    f=report.filename,
                ),
                "success",
            )
            return redirect(url_for("registrations.desk_home"))
        db.session.rollback()
    status = 422 if form.errors or (report is not None and report.rejected) else 200
    return render_template(
        "registrations/desk_import.html",
        event=event,
        form=form,
        report=report,
        columns=desk.template_columns(),
        jobs=desk.recent_team_imports(),
    ), status


@bp.route("/admin/meja/impor/templat.<fmt>")
@admin_required
def desk_import_template(fmt: str):
    """The teams template for the current event (CSV or XLSX): the columns the import reads, an
    example row, and in XLSX notes on each column and the event's competitions."""
    event = competitions.current_event()
    return send_spreadsheet(
        fmt, lambda path: desk.write_template(path, fmt, event), f"templat-impor-tim.{fmt}"
    )


@bp.route("/admin/meja/impor/<int:job_id>")
@admin_required
def desk_import_job(job_id: int):
    """A background teams import: its progress while it runs (the page polls), its report once done."""
    job = job_of_kind(job_id, {desk.TEAM_IMPORT_JOB})
    report = desk.TeamImportReport.from_dict(job.report) if job.status == "done" and job.report else None
    return render_template(
        "registrations/desk_import_job.html", job=job, status=job_status(job), report=report
    )


@bp.route("/admin/meja/impor/<int:job_id>/status")
@admin_required
def desk_import_job_status(job_id: int):
    """A background teams import's progress as JSON, for the page's progress bar."""
    return jsonify(job_status(job_of_kind(job_id, {desk.TEAM_IMPORT_JOB})))
