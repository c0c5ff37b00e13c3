"""The pages of bulk PDFs made in the background (print_jobs.py), on registrations' blueprint.

A bulk PDF's own link (a competition's tickets, its certificates, the badges) answers with
`bulk_pdf`: the PDF itself when it is small; otherwise, to a GET, a page that writes nothing and
offers a "Buat PDF" button, whose POST (to the same link) queues the job and leads to its page
here. The job's page polls its progress (static/js/import-progress.js), then offers the download,
and lists the recent print jobs. Only the office opens these pages: everyone who may print these
documents today is an admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..auth.decorators import admin_required
from ..cooperatives.import_jobs import finished_output, job_files_days, job_of_kind, job_status, output_kept
from ..form_actions import ConfirmForm, run_button
from . import print_jobs
from .views import bp


def bulk_pdf(
    kind: str,
    *,
    cards: int,
    params: dict[str, Any],
    filename: str,
    heading: str,
    back: str,
    draw: Callable[[], Response],
) -> Response:
    """Answer a bulk PDF's link: `draw()` the PDF now when it has few cards (GET); for more, the
    page offering to make it in the background (GET, writes nothing); a POST queues the job."""
    if request.method == "POST":
        outcome = run_button(
            ConfirmForm(),
            lambda: print_jobs.enqueue_print(
                kind, params=params, cards=cards, filename=filename, by=current_user
            ),
        )
        if not outcome:
            return redirect(request.full_path if request.query_string else request.path)
        return redirect(url_for("registrations.print_job", job_id=outcome.value.id))
    if not print_jobs.runs_in_background(cards):
        return draw()
    return render_template(
        "registrations/print_start.html",
        heading=heading,
        cards=cards,
        limit=print_jobs.background_limit(),
        filename=filename,
        back=back,
        form=ConfirmForm(),
        **_recent_jobs(),
    )


def _recent_jobs() -> dict[str, Any]:
    """The recent print jobs and which of them still have their PDF, for the pages' list."""
    jobs = print_jobs.recent_print_jobs()
    return {"jobs": jobs, "kept": {job.id for job in jobs if output_kept(job)}}


@bp.route("/admin/cetak/<int:job_id>")
@admin_required
def print_job(job_id: int):
    """A print job: its progress in cards while it runs (the page polls), its download once done,
    and the recent print jobs."""
    job = job_of_kind(job_id, print_jobs.PRINT_KINDS)
    return render_template(
        "registrations/print_job.html",
        job=job,
        status=job_status(job),
        job_files_days=job_files_days(),
        **_recent_jobs(),
    )


@bp.route("/admin/cetak/<int:job_id>/status")
@admin_required
def print_job_status(job_id: int):
    """A print job's progress as JSON, for the page's progress bar."""
    return jsonify(job_status(job_of_kind(job_id, print_jobs.PRINT_KINDS)))


@bp.route("/admin/cetak/<int:job_id>/unduh")
@admin_required
def print_job_download(job_id: int):
    """The finished job's PDF (404 before it is done)."""
    job = job_of_kind(job_id, print_jobs.PRINT_KINDS)
    path = finished_output(job)
    response = send_file(path, as_attachment=True, download_name=job.filename, mimetype="application/pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response
