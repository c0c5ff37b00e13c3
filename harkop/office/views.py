"""Office workflow pages: the update round (progress, missing list, field checks, review queue),
the pengurus' own proposals, the dashboard, the reports and the warning-letter register.

Thin views: load and authorise, validate the form, call one service, commit, flash, redirect.
A pengurus only ever reaches their own cooperative's proposals: another cooperative's answers 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import clock
from ..auth.decorators import admin_required, roles_required
from ..auth.models import Role
from ..cooperatives import reference, rules
from ..cooperatives.models import Cooperative, ImportJob
from ..cooperatives.views import coop_or_404
from ..errors import DomainError
from ..extensions import db
from ..form_actions import ConfirmForm, run_button, run_form
from . import charts, dashboard, letters, reports, rounds
from .forms import FINDING_FIELDS, DecisionForm, FieldCheckForm, proposal_form_class
from .labels import OfficeLabels
from .models import LetterKind, LetterStatus, ProposalStatus, UpdateProposal, WarningLetter
from .uploads import max_bytes, megabytes, minutes_response

bp = Blueprint("office", __name__)

PER_PAGE = 25


@bp.record_once
def _office_labels(state) -> None:
    # A Jinja global (not a context processor) so included fragments in other blueprints see it.
    state.app.jinja_env.globals["office"] = OfficeLabels


def _proposal_or_404(proposal_id: int):
    try:
        return rounds.get_proposal(proposal_id, viewer=current_user)
    except DomainError:
        abort(404)


# --- The round: progress and missing list ----------------------------------------------------------


@bp.route("/admin/pemutakhiran")
@admin_required
def round_progress():
    """Progress of the update round: active cooperatives verified this year, by kecamatan."""
    progress = rounds.round_progress()
    chart = charts.bar_chart(
        [(r.label, [r.verified, r.missing]) for r in progress.rows],
        [(_("Sudah diverifikasi"), "chart-s-good"), (_("Belum"), "chart-s-missing")],
    )
    recent = rounds.recent_field_checks()
    return render_template(
        "office/round_progress.html",
        progress=progress,
        chart=chart,
        pending=rounds.pending_count(),
        recent=recent,
    )


@bp.route("/admin/pemutakhiran/belum")
@admin_required
def round_missing():
    """Active cooperatives with no verified data this year (filters in the URL, paginated)."""
    kecamatan = request.args.get("kecamatan", "")
    if kecamatan not in reference.KECAMATAN and kecamatan != "tidak_ada":
        kecamatan = ""
    q = " ".join(request.args.get("q", "").split())[:100]
    page = db.paginate(rounds.missing_query(kecamatan=kecamatan, q=q), per_page=PER_PAGE, error_out=False)
    return render_template(
        "office/round_missing.html",
        page=page,
        details=rounds.missing_details([c.id for c in page.items]),
        kecamatan=kecamatan,
        q=q,
        year=clock.today().year,
        kecamatan_options=list(reference.KECAMATAN.items()),
    )


# --- Field checks --------------------------------------------------------------------------------


@bp.route("/admin/koperasi/<nik>/cek-lapangan", methods=["GET", "POST"])
@admin_required
def field_check(nik: str):
    """Record a clerk's visit to a cooperative; its earlier visits and verification below."""
    coop = coop_or_404(nik)
    form = FieldCheckForm()
    if request.method == "GET":
        form.checked_on.data = clock.today()
    outcome = run_form(
        form,
        lambda: rounds.record_field_check(coop, **form.service_data(), by=current_user),
        success=_("Cek lapangan %(n)s dicatat.", n=coop.name),
    )
    if outcome:
        return redirect(url_for("office.field_check", nik=coop.nik))
    return render_template(
        "office/field_check.html",
        form=form,
        coop=coop,
        findings=FINDING_FIELDS,
        checks=rounds.field_checks_for(coop),
    ), outcome.status


# --- Review queue (office) -----------------------------------------------------------------------


@bp.route("/admin/pemutakhiran/usulan")
@admin_required
def proposal_queue():
    """Proposals from the pengurus: pending first by default, filterable by status."""
    status = request.args.get("status", "pending")
    if status not in {s.value for s in ProposalStatus} | {"semua"}:
        status = "pending"
    stmt = rounds.proposals_query(viewer=current_user, status="" if status == "semua" else status)
    if status == "pending":
        stmt = stmt.order_by(None).order_by(UpdateProposal.submitted_at, UpdateProposal.id)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("office/proposal_queue.html", page=page, status=status, groups_of=rounds.groups_of)


@bp.route("/admin/pemutakhiran/usulan/<int:proposal_id>")
@admin_required
def proposal_review(proposal_id: int):
    """One proposal beside the registry's current data, with approve and reject."""
    proposal = _proposal_or_404(proposal_id)
    coop = db.session.get(Cooperative, proposal.cooperative_id)
    return render_template(
        "office/proposal_review.html",
        proposal=proposal,
        coop=coop,
        current=rounds.current_values(coop, proposal.changes),
        confirm=ConfirmForm(),
        reject=DecisionForm(),
    )


@bp.route("/admin/pemutakhiran/usulan/<int:proposal_id>/setujui", methods=["POST"])
@admin_required
def proposal_approve(proposal_id: int):
    """Apply a proposal to the registry (all or nothing) and notify the pengurus."""
    proposal = _proposal_or_404(proposal_id)
    if not run_button(
        ConfirmForm(),
        lambda: rounds.approve_proposal(proposal, by=current_user),
        success=_("Usulan #%(id)d disetujui; data registri diperbarui.", id=proposal_id),
    ):
        return redirect(url_for("office.proposal_review", proposal_id=proposal_id))
    return redirect(url_for("office.proposal_queue"))


@bp.route("/admin/pemutakhiran/usulan/<int:proposal_id>/tolak", methods=["POST"])
@admin_required
def proposal_reject(proposal_id: int):
    """Refuse a proposal with a reason the pengurus reads."""
    proposal = _proposal_or_404(proposal_id)
    form = DecisionForm()
    outcome = run_form(
        form,
        lambda: rounds.reject_proposal(proposal, reason=form.reason.data, by=current_user),
        success=_("Usulan #%(id)d ditolak; pengurus diberi tahu.", id=proposal_id),
    )
    if outcome:
        return redirect(url_for("office.proposal_queue"))
    coop = db.session.get(Cooperative, proposal.cooperative_id)
    return render_template(
        "office/proposal_review.html",
        proposal=proposal,
        coop=coop,
        current=rounds.current_values(coop, proposal.changes),
        confirm=ConfirmForm(),
        reject=form,
    ), 422  # a GET is answered by proposal_review: whatever reaches here was refused


# --- The pengurus' own proposals -----------------------------------------------------------------


def _own_cooperative() -> Cooperative:
    coop = db.session.get(Cooperative, current_user.cooperative_id) if current_user.cooperative_id else None
    if coop is None:
        abort(404)
    return coop


@bp.route("/koperasi-saya/pemutakhiran")
@roles_required(Role.coop_rep)
def my_proposals():
    """A pengurus' proposals for their cooperative and when each fact was last verified."""
    coop = _own_cooperative()
    status = request.args.get("status", "")
    status = status if status in {s.value for s in ProposalStatus} else ""
    stmt = rounds.proposals_query(viewer=current_user, status=status)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template(
        "office/my_proposals.html",
        coop=coop,
        page=page,
        groups_of=rounds.groups_of,
    )


def _prefill(form, coop: Cooperative) -> None:
    for name in rounds.PROFILE_FIELDS:
        value = getattr(coop, name)
        getattr(form, name).data = getattr(value, "value", value) if value is not None else ""
    form.perubahan_ad_on.data = coop.perubahan_ad_on


@bp.route("/koperasi-saya/pemutakhiran/baru", methods=["GET", "POST"])
@roles_required(Role.coop_rep)
def my_proposal_new():
    """A pengurus proposes changes for their own cooperative (with the RAT minutes as a file)."""
    coop = _own_cooperative()
    form = proposal_form_class()()
    if request.method == "GET":
        _prefill(form, coop)

    def submit():
        upload = None
        if form.minutes.data is not None and getattr(form.minutes.data, "filename", None):
            upload = rounds.Upload(form.minutes.data.stream, form.minutes.data.filename)
        return rounds.submit_proposal(coop, form.service_data(), minutes=upload, by=current_user)

    outcome = run_form(
        form, submit, success=_("Usulan terkirim. Dinas akan memeriksanya; Anda mendapat notifikasi.")
    )
    if outcome:
        return redirect(url_for("office.my_proposal", proposal_id=outcome.value.id))
    max_mb = megabytes(max_bytes())
    return render_template(
        "office/my_proposal_form.html", form=form, coop=coop, max_mb=max_mb
    ), outcome.status


@bp.route("/koperasi-saya/pemutakhiran/<int:proposal_id>")
@roles_required(Role.coop_rep)
def my_proposal(proposal_id: int):
    """One of the pengurus' own proposals and the office's decision."""
    proposal = _proposal_or_404(proposal_id)
    return render_template("office/my_proposal.html", proposal=proposal, coop=proposal.cooperative)


@bp.route("/pemutakhiran/<int:proposal_id>/berita-acara")
@roles_required(Role.admin, Role.coop_rep)
def proposal_minutes(proposal_id: int):
    """The RAT minutes of a proposal: for the office and the proposing cooperative's pengurus only."""
    proposal = _proposal_or_404(proposal_id)
    return minutes_response(proposal)


# --- Dashboard -----------------------------------------------------------------------------------


@bp.route("/admin/dasbor")
@admin_required
def dashboard_page():
    """Registry dashboard: status by kecamatan, predikat, RAT compliance, grades, round, ODS vs Harkop."""
    counts = dashboard.registry_counts()  # one grouped scan feeds four of the views
    status_rows = dashboard.status_by_kecamatan(counts)
    predikat = dashboard.predikat_distribution(counts)
    rat = dashboard.rat_compliance()
    grades = dashboard.grade_distribution(counts)
    progress = rounds.round_progress()
    diff = dashboard.disagreements(counts)
    figures = dashboard.registry_figures(counts)  # the same summary as the public /statistik
    chart_set = {
        "status": charts.bar_chart(
            [(r.label, [r.active, r.inactive]) for r in status_rows],
            [(_("Aktif"), "chart-s-good"), (_("Tidak aktif"), "chart-s-bad")],
        ),
        "predikat": charts.bar_chart(
            [(label, [n]) for _v, label, n in predikat],
            [(_("Koperasi"), "chart-s-info")],
        ),
        "rat": charts.bar_chart(
            [(str(r.book_year), [r.on_time, r.late, r.none]) for r in rat],
            [
                (_("Tepat waktu"), "chart-s-good"),
                (_("Terlambat"), "chart-s-warn"),
                (_("Tidak ada"), "chart-s-bad"),
            ],
        ),
        "grade": charts.bar_chart(
            [(label, [h, o]) for label, h, o in grades],
            [(_("Harkop"), "chart-s-info"), (_("ODS (Kementerian)"), "chart-s-alt")],
            grouped=True,
        ),
        "round": charts.bar_chart(
            [(r.label, [r.verified, r.missing]) for r in progress.rows],
            [(_("Sudah diverifikasi"), "chart-s-good"), (_("Belum"), "chart-s-missing")],
        ),
    }
    return render_template(
        "office/dashboard.html",
        figures=figures,
        status_rows=status_rows,
        predikat=predikat,
        rat=rat,
        grades=grades,
        progress=progress,
        diff=diff,
        charts=chart_set,
        today=clock.today(),
    )


@bp.route("/admin/dasbor/selisih")
@admin_required
def disagreements():
    """Cooperatives whose ODS status or grade differs from Harkop's (paginated)."""
    kind = request.args.get("jenis", "status")
    if kind not in dashboard.DISAGREEMENT_KINDS:
        kind = "status"
    page = db.paginate(dashboard.disagreement_query(kind), per_page=PER_PAGE, error_out=False)
    return render_template("office/disagreements.html", page=page, kind=kind)


# --- Reports -------------------------------------------------------------------------------------


@bp.route("/admin/laporan")
@admin_required
def reports_page():
    """The report for the Province and the Ministry: numbers, the XLSX and PDF downloads, and the
    whole package (report and this year's letters) made in the background."""
    stats = reports.summary()
    jobs = db.session.scalars(
        select(ImportJob).where(ImportJob.kind == reports.REPORT_JOB).order_by(ImportJob.id.desc()).limit(5)
    ).all()
    return render_template("office/reports.html", stats=stats, jobs=jobs, confirm=ConfirmForm())


@bp.route("/admin/laporan/buat", methods=["POST"])
@admin_required
def report_job_new():
    """Start the inactive-cooperatives report with this year's letters as a background job."""
    outcome = run_button(ConfirmForm(), lambda: reports.enqueue_inactive_report(by=current_user))
    if not outcome:
        return redirect(url_for("office.reports_page"))
    return redirect(url_for("office.report_job", job_id=outcome.value.id))


@bp.route("/admin/laporan/tugas/<int:job_id>")
@admin_required
def report_job(job_id: int):
    """A report job: its progress while it runs (the page polls), its download once done."""
    from ..cooperatives.import_jobs import job_files_days, job_of_kind, job_status, output_kept

    job = job_of_kind(job_id, {reports.REPORT_JOB})
    return render_template(
        "office/report_job.html",
        job=job,
        status=job_status(job),
        kept=output_kept(job),
        job_files_days=job_files_days(),
    )


@bp.route("/admin/laporan/tugas/<int:job_id>/status")
@admin_required
def report_job_status(job_id: int):
    """A report job's progress as JSON, for the page's progress bar (static/js/import-progress.js)."""
    from ..cooperatives.import_jobs import job_of_kind, job_status

    return jsonify(job_status(job_of_kind(job_id, {reports.REPORT_JOB})))


@bp.route("/admin/laporan/tugas/<int:job_id>/unduh")
@admin_required
def report_job_download(job_id: int):
    """The finished job's ZIP: the XLSX, the PDF and this year's letters."""
    from ..cooperatives.import_jobs import finished_output, job_of_kind

    job = job_of_kind(job_id, {reports.REPORT_JOB})
    path = finished_output(job)
    return send_file(path, as_attachment=True, download_name=job.filename, mimetype="application/zip")


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/admin/laporan/koperasi-tidak-aktif.xlsx")
@admin_required
def report_inactive_xlsx():
    """The inactive cooperatives with reasons and last RAT book year, as XLSX."""
    data = reports.inactive_xlsx(reports.inactive_rows(), reports.summary())
    return _download(
        data,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"koperasi-tidak-aktif-{clock.today().isoformat()}.xlsx",
    )


@bp.route("/admin/laporan/koperasi-tidak-aktif.pdf")
@admin_required
def report_inactive_pdf():
    """The summary letter to the Province and the Ministry with the inactive list, as PDF."""
    data = reports.inactive_pdf(reports.inactive_rows(), reports.summary())
    return _download(data, "application/pdf", f"laporan-koperasi-tidak-aktif-{clock.today().isoformat()}.pdf")


# --- Warning letters -----------------------------------------------------------------------------


@bp.route("/admin/surat-teguran")
@admin_required
def letters_page():
    """The register of warning letters: drafts to issue or dismiss, issued letters to print."""
    status = request.args.get("status", "")
    status = status if status in {s.value for s in LetterStatus} else ""
    kind = request.args.get("jenis", "")
    kind = kind if kind in {k.value for k in LetterKind} else ""
    year_arg = request.args.get("tahun_buku", "")
    book_year = int(year_arg) if year_arg.isdigit() and len(year_arg) == 4 else None
    q = " ".join(request.args.get("q", "").split())[:100]
    stmt = letters.register_query(status=status, kind=kind, book_year=book_year, q=q)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    drafts = db.session.scalar(
        select(func.count()).select_from(WarningLetter).where(WarningLetter.status == LetterStatus.draft)
    )
    return render_template(
        "office/letters.html",
        page=page,
        filters={"status": status, "jenis": kind, "tahun_buku": str(book_year or ""), "q": q},
        drafts=drafts,
        confirm=ConfirmForm(),
        latest_year=rules.latest_due_book_year(clock.today()),
    )


@bp.route("/admin/surat-teguran/periksa", methods=["POST"])
@admin_required
def letters_find():
    """Look for breaches now (the daily job does the same) and list the new drafts."""
    run_button(
        ConfirmForm(),
        lambda: letters.find_due_warnings(by=current_user),
        success=lambda counts: _(
            "Tahun buku %(y)d: %(b)d pelanggaran, %(c)d draf baru, %(w)d draf dibatalkan otomatis.",
            y=counts["book_year"],
            b=counts["breaches"],
            c=counts["created"],
            w=counts["withdrawn"],
        ),
    )
    return redirect(url_for("office.letters_page", status="draft"))


@bp.route("/admin/surat-teguran/terbitkan-semua", methods=["POST"])
@admin_required
def letters_issue_all():
    """Issue every draft, numbered in order."""
    if not run_button(
        ConfirmForm(),
        lambda: letters.issue_drafts(by=current_user),
        success=lambda count: _("%(n)d surat teguran diterbitkan.", n=count),
    ):
        return redirect(url_for("office.letters_page"))
    return redirect(url_for("office.letters_page", status="issued"))


@bp.route("/admin/surat-teguran/<int:letter_id>/terbitkan", methods=["POST"])
@admin_required
def letter_issue(letter_id: int):
    """Issue one draft: its number, date, deadline; the pengurus are notified."""
    letter = letters.letter_or_404(letter_id)
    if not run_button(
        ConfirmForm(),
        lambda: letters.issue_letter(letter, by=current_user),
        success=lambda issued: _("Surat nomor %(n)s diterbitkan.", n=issued.number),
    ):
        return redirect(url_for("office.letters_page"))
    return redirect(url_for("office.letters_page", status="issued"))


@bp.route("/admin/surat-teguran/<int:letter_id>/batalkan", methods=["POST"])
@admin_required
def letter_dismiss(letter_id: int):
    """Set a draft aside with a reason (it stays in the register)."""
    letter = letters.letter_or_404(letter_id)
    form = DecisionForm()
    outcome = run_button(
        form,
        lambda: letters.dismiss_letter(letter, reason=form.reason.data, by=current_user),
        success=_("Draf surat untuk %(c)s dibatalkan.", c=letter.cooperative.name),
        invalid=_("Tulis alasan pembatalan (paling sedikit 5 karakter)."),
    )
    if outcome.error is not None:
        return redirect(url_for("office.letters_page"))
    return redirect(url_for("office.letters_page", status="draft"))


@bp.route("/admin/surat-teguran/<int:letter_id>.pdf")
@admin_required
def letter_pdf(letter_id: int):
    """An issued warning letter as PDF."""
    letter = letters.letter_or_404(letter_id)
    if letter.status != LetterStatus.issued:
        abort(404)
    return _download(reports.letter_pdf(letter), "application/pdf", reports.letter_file_name(letter))
