"""The office's registry pages (admin): list, create and edit, RAT, assessments, reasons, history.

Thin views: load and authorise, validate the form, call one service, commit, flash, redirect.
Public pages (directory and profile) are in public_views.py on the same blueprint (blueprint.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..auth.decorators import admin_required
from ..extensions import db
from ..form_actions import ConfirmForm, run_button, run_form
from ..spreadsheets import send_spreadsheet
from . import services
from .blueprint import bp
from .forms import (
    AspectAssessmentForm,
    CooperativeForm,
    FiguresForm,
    ImportForm,
    OfficerForm,
    RatForm,
    ReasonForm,
    indicator_form_class,
)
from .labels import Labels
from .models import Cooperative, InactiveReason

PER_PAGE = 25
ASPECTS = ("tata_kelola", "profil_risiko", "kinerja_keuangan", "permodalan")


def coop_or_404(nik: str) -> Cooperative:
    """The cooperative with this NIK, or a 404 page."""
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == nik))
    if coop is None:
        abort(404)
    return coop


@bp.route("/admin/koperasi")
@admin_required
def admin_list():
    """The registry for the office: search, filters in the URL, pagination."""
    filters = services.parse_filters(request.args)
    page = services.directory_page(filters, per_page=PER_PAGE)
    return render_template(
        "cooperatives/admin_list.html", page=page, filters=filters, today=clock.today(), confirm=ConfirmForm()
    )


@bp.route("/admin/koperasi/baru", methods=["GET", "POST"])
@admin_required
def admin_new():
    """Add a cooperative to the registry."""
    form = CooperativeForm()
    outcome = run_form(
        form,
        lambda: services.create_cooperative(form.service_data(), by=current_user),
        success=lambda coop: _("Koperasi %(n)s ditambahkan.", n=coop.name),
    )
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=outcome.value.nik))
    return render_template("cooperatives/admin_form.html", form=form, coop=None), outcome.status


@bp.route("/admin/koperasi/<nik>")
@admin_required
def admin_detail(nik: str):
    """Everything the office knows about one cooperative, with its actions."""
    coop = coop_or_404(nik)
    return render_template(
        "cooperatives/admin_detail.html",
        coop=coop,
        standing=services.standing_for(coop),
        latest=services.latest_assessment(coop),
        confirm=ConfirmForm(),
    )


@bp.route("/admin/koperasi/<nik>/ubah", methods=["GET", "POST"])
@admin_required
def admin_edit(nik: str):
    """Edit a cooperative's identity, legal data and address."""
    coop = coop_or_404(nik)
    form = CooperativeForm(obj=None if request.method == "POST" else _form_values(coop))
    outcome = run_form(
        form,
        lambda: services.update_cooperative(coop, form.service_data(), by=current_user),
        success=_("Data koperasi disimpan."),
    )
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))
    return render_template("cooperatives/admin_form.html", form=form, coop=coop), outcome.status


class _Values:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _form_values(coop: Cooperative) -> _Values:
    values = {}
    for name in services.AUDITED_FIELDS:
        value = getattr(coop, name)
        values[name] = value.value if hasattr(value, "value") else ("" if value is None else value)
    values["kuk"] = "" if coop.kuk is None else str(coop.kuk)
    values["digital_since"] = coop.digital_since
    for name in ("badan_hukum_on", "perubahan_ad_on", "founded_on"):
        values[name] = getattr(coop, name)
    return _Values(values)


@bp.route("/admin/koperasi/<nik>/rat", methods=["GET", "POST"])
@admin_required
def admin_rat(nik: str):
    """Record the RAT held for a book year."""
    coop = coop_or_404(nik)
    form = RatForm()
    if request.method == "GET":
        form.book_year.data = services.rules.latest_due_book_year(clock.today())
    outcome = run_form(
        form,
        lambda: services.record_rat(
            coop,
            book_year=form.book_year.data,
            held_on=form.held_on.data,
            notes=form.notes.data,
            by=current_user,
        ),
        success=lambda _row: _("RAT tahun buku %(y)s dicatat.", y=form.book_year.data),
    )
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))
    return render_template("cooperatives/admin_rat.html", form=form, coop=coop), outcome.status


@bp.route("/admin/koperasi/<nik>/penilaian", methods=["GET", "POST"])
@admin_required
def admin_assessment(nik: str):
    """Enter a health assessment as the four aspect scores."""
    coop = coop_or_404(nik)
    form = AspectAssessmentForm()
    if request.method == "GET":
        form.book_year.data = clock.today().year - 1
    outcome = run_form(
        form,
        lambda: services.add_assessment(
            coop,
            book_year=form.book_year.data,
            examined_on=form.examined_on.data,
            examiner=form.examiner.data,
            aspects={a: getattr(form, a).data for a in ASPECTS},
            replace=form.replace.data,
            by=current_user,
        ),
        success=_assessment_saved,
    )
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))
    return render_template("cooperatives/admin_assessment.html", form=form, coop=coop), outcome.status


def _assessment_saved(row) -> str:
    return _(
        "Penilaian disimpan: skor akhir %(s)s, %(p)s.",
        s=Labels.score(row.final_score),
        p=Labels.predikat(row.predikat),
    )


@bp.route("/admin/koperasi/<nik>/penilaian/indikator", methods=["GET", "POST"])
@admin_required
def admin_assessment_indicators(nik: str):
    """Enter a health assessment indicator by indicator (checklists and ratios)."""
    coop = coop_or_404(nik)
    indicators = services.indicator_set()
    form = indicator_form_class(indicators)()
    if request.method == "GET":
        form.book_year.data = clock.today().year - 1
    aliases = {
        ind.code: f"{ind.code}__fulfilled" if ind.kind == "checklist" else f"{ind.code}__value"
        for ind in indicators.indicators
    }
    answers: dict[str, Any] = {}

    def add() -> Any:
        for ind in indicators.indicators:
            if ind.kind == "checklist":
                fulfilled = getattr(form, f"{ind.code}__fulfilled").data
                items = getattr(form, f"{ind.code}__items").data
                if fulfilled is not None or items is not None:
                    answers[ind.code] = {"fulfilled": fulfilled, "items": items}
            else:
                value = getattr(form, f"{ind.code}__value").data
                if value is not None:
                    answers[ind.code] = {"value": value}
        return services.add_assessment(
            coop,
            book_year=form.book_year.data,
            examined_on=form.examined_on.data,
            examiner=form.examiner.data,
            indicators=answers,
            replace=form.replace.data,
            by=current_user,
        )

    outcome = run_form(form, add, success=_assessment_saved, at=aliases)
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))
    if outcome.error is not None and outcome.error.code == "assessment_indicator_missing":
        # The message lists every unanswered indicator: it goes on top, "required" at each one.
        for ind in indicators.indicators:
            if ind.code not in answers:
                getattr(form, aliases[ind.code]).errors = [_("Wajib diisi.")]
        flash(outcome.error.message, "error")
    return (
        render_template("cooperatives/admin_indicators.html", form=form, coop=coop, indicators=indicators),
        outcome.status,
    )


@bp.route("/admin/koperasi/<nik>/alasan", methods=["GET", "POST"])
@admin_required
def admin_reason(nik: str):
    """Mark a cooperative inactive for a reason found by the office."""
    coop = coop_or_404(nik)
    form = ReasonForm()
    outcome = run_form(
        form,
        lambda: services.set_inactive_reason(coop, form.code.data, note=form.note.data, by=current_user),
        success=_("Alasan tidak aktif dicatat."),
        at={"reason_already_open": "code"},
    )
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))
    return render_template("cooperatives/admin_reason.html", form=form, coop=coop), outcome.status


@bp.route("/admin/koperasi/<nik>/alasan/<int:reason_id>/cabut", methods=["POST"])
@admin_required
def admin_reason_clear(nik: str, reason_id: int):
    """Lift one of the office's reasons (it stays in the history)."""
    coop = coop_or_404(nik)
    if db.session.get(InactiveReason, reason_id) is None:
        abort(404)
    run_button(
        ConfirmForm(),
        lambda: services.clear_inactive_reason(coop, reason_id, by=current_user),
        success=_("Alasan dicabut."),
        invalid=_("Formulir tidak sah."),
    )
    return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))


@bp.route("/admin/koperasi/<nik>/pengurus", methods=["GET", "POST"])
@admin_required
def admin_officer(nik: str):
    """Start a management term; the history of terms is kept."""
    coop = coop_or_404(nik)
    form = OfficerForm()
    outcome = run_form(
        form,
        lambda: services.record_officer(
            coop,
            position=form.position.data,
            name=form.name.data,
            phone=form.phone.data,
            term_start=form.term_start.data,
            term_end=form.term_end.data,
            by=current_user,
        ),
        success=_("Pengurus dicatat."),
    )
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))
    return render_template("cooperatives/admin_officer.html", form=form, coop=coop), outcome.status


@bp.route("/admin/koperasi/<nik>/angka-tahunan", methods=["GET", "POST"])
@admin_required
def admin_figures(nik: str):
    """Members, staff and money figures for a book year."""
    coop = coop_or_404(nik)
    form = FiguresForm()
    if request.method == "GET":
        form.book_year.data = clock.today().year - 1
    outcome = run_form(
        form,
        lambda: services.record_annual_figures(
            coop,
            book_year=form.book_year.data,
            values={
                k: f.data
                for k, f in form._fields.items()
                if k in services.FIGURE_FIELDS and f.data is not None
            },
            by=current_user,
        ),
        success=_("Angka tahunan disimpan."),
    )
    if outcome:
        return redirect(url_for("cooperatives.admin_detail", nik=coop.nik))
    return render_template("cooperatives/admin_figures.html", form=form, coop=coop), outcome.status


@bp.route("/admin/koperasi/<nik>/riwayat")
@admin_required
def admin_history(nik: str):
    """Every change to this cooperative: who, when, before and after."""
    coop = coop_or_404(nik)
    return render_template(
        "cooperatives/admin_history.html", coop=coop, entries=services.cooperative_history(coop)
    )


@bp.route("/admin/koperasi/hitung-ulang", methods=["POST"])
@admin_required
def admin_recompute():
    """Recompute every cooperative's status, grade and predikat for today (the nightly job, now)."""
    run_button(
        ConfirmForm(),
        services.recompute_registry,
        success=lambda changed: _(
            "Status dihitung ulang untuk %(d)s: %(n)d koperasi berubah.",
            d=Labels.date(clock.today()),
            n=changed,
        ),
    )
    return redirect(url_for("cooperatives.admin_list"))


@bp.route("/admin/koperasi/impor", methods=["GET", "POST"])
@admin_required
def admin_import():
    """Upload a CSV or XLSX file in the ODS layout; the same checks as the command line.

    The file is held to the import limits before it is parsed; a large one is queued for the
    scheduler and the page follows its progress (harkop/cooperatives/import_jobs.py).
    """
    from .import_jobs import enqueue_import, runs_in_background
    from .importer import ImportReport, RowError, import_cooperatives, tidy_after_import
    from .spreadsheet import FileFormatError, check_limits, import_limits

    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        suffix = Path(upload.filename or "").suffix.lower()
        fmt = suffix.lstrip(".")
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            upload.save(handle)
            handle.flush()
            try:
                rows = check_limits(handle.name, fmt, import_limits())
            except FileFormatError as err:
                report = ImportReport(filename=upload.filename or "", error_count=1)
                report.errors.append(RowError(0, "", str(err)))
            else:
                if runs_in_background(rows):
                    job = enqueue_import(
                        handle.name,
                        filename=upload.filename or "",
                        fmt=fmt,
                        dry_run=form.dry_run.data,
                        skip_invalid=form.skip_invalid.data,
                        by=current_user,
                    )
                    db.session.commit()
                    flash(_("Berkas besar: impor berjalan di latar belakang."), "info")
                    return redirect(url_for("cooperatives.admin_import_job", job_id=job.id))
                report = import_cooperatives(
                    handle.name,
                    by=current_user,
                    dry_run=form.dry_run.data,
                    skip_invalid=form.skip_invalid.data,
                    filename=upload.filename,
                )
        if report.written:
            db.session.commit()
            tidy_after_import(report)
        else:
            db.session.rollback()
    status = 422 if form.errors or (report is not None and report.rejected) else 200
    from .spreadsheet import COLUMNS, DATE_FORMATS_HELP, REQUIRED_HEADERS

    return render_template(
        "cooperatives/admin_import.html",
        form=form,
        report=report,
        columns=COLUMNS,
        required=REQUIRED_HEADERS,
        date_help=DATE_FORMATS_HELP,
    ), status


@bp.route("/admin/koperasi/impor/<int:job_id>")
@admin_required
def admin_import_job(job_id: int):
    """A background import: its progress while it runs (the page polls), its report once done."""
    from .import_jobs import IMPORT, job_of_kind, job_status, report_of

    job = job_of_kind(job_id, {IMPORT})
    return render_template(
        "cooperatives/admin_import_job.html", job=job, status=job_status(job), report=report_of(job)
    )


@bp.route("/admin/koperasi/impor/<int:job_id>/status")
@admin_required
def admin_import_job_status(job_id: int):
    """A background import's progress as JSON, for the page's progress bar."""
    from flask import jsonify

    from .import_jobs import IMPORT, job_of_kind, job_status

    return jsonify(job_status(job_of_kind(job_id, {IMPORT})))


@bp.route("/admin/koperasi/impor/templat.<fmt>")
@admin_required
def admin_import_template(fmt: str):
    """An empty file in the import's layout: the header row of every column (CSV or XLSX),
    written through the shared spreadsheet writer."""
    from .spreadsheet import HEADERS, writer_for

    def write(path: str) -> None:
        writer = writer_for(path, fmt)
        writer.header(list(HEADERS))
        writer.close()

    return send_spreadsheet(fmt, write, f"templat-impor-koperasi.{fmt}")


@bp.route("/admin/koperasi/ekspor")
@admin_required
def admin_export():
    """Download the registry in the ODS layout (?format=csv or xlsx)."""
    from .exporter import export_cooperatives

    fmt = request.args.get("format", "csv")
    return send_spreadsheet(
        fmt,
        lambda path: export_cooperatives(path, fmt=fmt),
        f"registri-koperasi-{clock.today().isoformat()}.{fmt}",
    )
