"""Check-in pages: the gate's scanner (offline first), its service worker, the live dashboard, and
the office's list of scans and of conflicts to review."""

from __future__ import annotations

import uuid
from datetime import date, time

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..auth.decorators import admin_required, public, roles_required
from ..auth.models import ROLE_LABELS, Role
from ..errors import DomainError, NotFound
from ..extensions import db
from ..form_actions import run_button
from . import attendance_list, badges
from . import conflicts as conflict_list
from .answers import VERDICT_STYLE, reason_label, scan_message, verdict_label
from .dashboard import dashboard as checkin_dashboard
from .forms import CodeForm, ReviewForm, StaffCodeForm
from .models import Scan, ScanMethod, Verdict
from .scans import ScanInput, check_in, parse_day

bp = Blueprint("checkin", __name__)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = (Role.checkin_staff, Role.admin)


@bp.app_context_processor
def _checkin_helpers():
    return {
        "verdict_label": verdict_label,
        "verdict_style": VERDICT_STYLE,
        "reason_label": reason_label,
        "scan_message": scan_message,
        # Not `jam`: competitions already gives every template a `jam` for times of day.
        "jam_wita": lambda value: clock.format_time(value) + " WITA",
        "role_labels": ROLE_LABELS,
    }


def _day_arg() -> date:
    try:
        return parse_day(request.args.get("date")) or clock.today()
    except DomainError:
        return clock.today()


def _fresh_code_form() -> CodeForm:
    form = CodeForm(formdata=None)
    form.nonce.data = uuid.uuid4().hex
    return form


@bp.route("/checkin/pindai", methods=["GET", "POST"])
@roles_required(*STAFF)
def scanner():
    """The gate's scanner: camera, typed code, hardware scanner and search; works offline.

    Without JavaScript the typed-code form posts here and the verdict is drawn by the server.
    """
    scan = None
    form = CodeForm()
    status = 200
    if request.method == "POST":
        outcome = run_button(
            form,
            lambda: check_in(
                ScanInput(
                    code=form.code.data,
                    device_id=form.device_id.data or f"web-{current_user.id}",
                    gate=form.gate.data or "",
                    nonce=form.nonce.data,
                    method=ScanMethod.manual,
                ),
                by=current_user,
                now=clock.now(),
            ),
            invalid="",  # a fresh form is drawn below: a post without a code is answered 422 only
        )
        scan = outcome.value
        if not outcome:
            status = outcome.status
        elif scan.verdict != Verdict.checked_in:
            status = 409
        gate = form.gate.data
        form = _fresh_code_form()
        form.gate.data = gate
    else:
        form = _fresh_code_form()
    return (
        render_template(
            "checkin/scanner.html",
            form=form,
            scan=scan,
            today=clock.today(),
            sw_url=url_for("checkin.service_worker"),
        ),
        status,
    )


@bp.route("/checkin/sw.js")
@public
def service_worker():
    """The check-in service worker: its scope is /checkin (the landing page, the scanner, the dashboard)."""
    response = send_from_directory(
        current_app.static_folder, "js/checkin/sw.js", mimetype="text/javascript", max_age=0
    )
    # A new version must reach devices at once: the browser checks this script on every visit.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/checkin"
    return response


def _dashboard_context():
    day = _day_arg()
    return {"board": checkin_dashboard(day), "day": day, "as_of": clock.now()}


@bp.route("/checkin/dasbor")
@roles_required(*STAFF)
def dashboard():
    """Live check-in figures: per day, per competition, per hour, no-shows; refreshes itself."""
    return render_template("checkin/dashboard.html", **_dashboard_context())


@bp.route("/checkin/dasbor/isi")
@roles_required(*STAFF)
def dashboard_fragment():
    """The dashboard's figures alone, for the page's periodic refresh."""
    return render_template("checkin/_dashboard_body.html", **_dashboard_context())


@bp.route("/admin/checkin/pindaian")
@admin_required
def scans():
    """Every recorded scan of a day, refusals too, filterable by verdict."""
    day = _day_arg()
    verdict = request.args.get("verdict") or ""
    stmt = (
        select(Scan)
        .where(Scan.day == day)
        .options(joinedload(Scan.by), joinedload(Scan.ticket), joinedload(Scan.admission))
        .order_by(Scan.received_at.desc(), Scan.id.desc())
    )
    if verdict in Verdict.__members__:
        stmt = stmt.where(Scan.verdict == Verdict(verdict))
    else:
        verdict = ""
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("checkin/scans.html", page=page, day=day, verdict=verdict, verdicts=list(Verdict))


@bp.route("/admin/checkin/konflik")
@admin_required
def conflicts():
    """Offline admissions the server could not keep, for the office to review."""
    show_all = request.args.get("semua") == "1"
    page = db.paginate(conflict_list.conflicts(include_reviewed=show_all), per_page=30, error_out=False)
    return render_template(
        "checkin/conflicts.html",
        page=page,
        show_all=show_all,
        open_count=conflict_list.count_open_conflicts(),
        review_form=ReviewForm(formdata=None),
    )


@bp.route("/admin/checkin/konflik/<int:scan_id>/tinjau", methods=["POST"])
@admin_required
def review_conflict(scan_id: int):
    """Mark a conflict reviewed, with a note."""
    form = ReviewForm()
    run_button(
        form,
        lambda: conflict_list.review_conflict(scan_id, form.note.data, by=current_user),
        success=_("Konflik ditandai sudah ditinjau."),
        invalid=_("Tulis catatan peninjauan (minimal 3 karakter)."),
    )
    return redirect(url_for("checkin.conflicts"))


# --- attendance lists (daftar hadir) ---------------------------------------------------------------


@bp.route("/admin/checkin/daftar-hadir")
@roles_required(*STAFF)
def attendance_lists():
    """Every competition of the events with its days, each with its attendance list as PDF and XLSX."""
    from ..competitions.models import Competition, CompetitionState

    comps = db.session.scalars(
        select(Competition)
        .where(Competition.state != CompetitionState.draft)
        .order_by(Competition.event_id, Competition.starts_at, Competition.name)
    ).all()
    rows = [(comp, day) for comp in comps for day in comp.days]
    rows.sort(key=lambda pair: (pair[1], pair[0].starts_at or time.min, pair[0].name))
    return render_template("checkin/attendance_lists.html", rows=rows, today=clock.today())


def _attendance_target(competition_id: int, day: str):
    from ..competitions.services import get_competition

    comp = get_competition(competition_id)
    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        raise NotFound("not_a_competition_day", _("Tanggal tidak dikenal.")) from None
    attendance_list.check_day(comp, the_day)
    return comp, the_day


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/admin/checkin/daftar-hadir/<int:competition_id>/<day>.pdf")
@roles_required(*STAFF)
def attendance_list_pdf(competition_id: int, day: str):
    """A competition's signable attendance list for one of its days (PDF, A4)."""
    comp, the_day = _attendance_target(competition_id, day)
    pdf = attendance_list.attendance_pdf(comp, the_day)
    return _download(pdf, "application/pdf", attendance_list.file_name(comp, the_day, "pdf"))


@bp.route("/admin/checkin/daftar-hadir/<int:competition_id>/<day>.xlsx")
@roles_required(*STAFF)
def attendance_list_xlsx(competition_id: int, day: str):
    """The same list as a spreadsheet (XLSX) for the accountability report."""
    comp, the_day = _attendance_target(competition_id, day)
    data = attendance_list.attendance_xlsx(comp, the_day)
    return _download(data, XLSX_MIMETYPE, attendance_list.file_name(comp, the_day, "xlsx"))


# --- badges for judges, staff and the committee, and their own check-in -------------------------


def _badge_roles() -> list[Role]:
    wanted = [Role(r) for r in request.args.getlist("peran") if r in {x.value for x in badges.BADGE_ROLES}]
    return wanted or list(badges.BADGE_ROLES)


@bp.route("/admin/lencana")
@admin_required
def badge_list():
    """The people who get a badge (judges, gate staff, the committee) and the PDFs to print them."""
    from ..competitions.services import current_event

    return render_template(
        "checkin/badges.html",
        people=badges.badge_people(),
        roles=badges.BADGE_ROLES,
        event=current_event(),
    )


@bp.route("/admin/lencana.pdf", methods=["GET", "POST"])
@admin_required
def badges_pdf():
    """Badges of the current event as one PDF (`?peran=judge&peran=admin`, `?tata=a6|a4`); more than
    HARKOP_PRINT_BACKGROUND_ITEMS badges are made in the background (registrations/print_views.py)."""
    from ..competitions.services import current_event
    from ..registrations.print_views import bulk_pdf

    event = current_event()
    if event is None:
        raise NotFound("event_not_found", _("Belum ada acara."))
    layout = request.args.get("tata") or "a6"
    layout = layout if layout in badges.LAYOUTS else "a6"
    roles = _badge_roles()
    people = badges.badge_people(roles)
    filename = f"lencana-{event.slug}-{layout}.pdf"

    def draw() -> Response:
        pdf = badges.badges_pdf(people, event, layout=layout)
        db.session.commit()  # passes issued for the printed badges
        return _download(pdf, "application/pdf", filename)

    return bulk_pdf(
        badges.BADGES,
        cards=len(people),
        params={"event_id": event.id, "roles": [role.value for role in roles], "layout": layout},
        filename=filename,
        heading=_("Lencana %(name)s", name=event.name),
        back=url_for("checkin.badge_list"),
        draw=draw,
    )


@bp.route("/checkin/staf", methods=["GET", "POST"])
@roles_required(*STAFF)
def staff_checkin():
    """The gate admits the event's own people by their badge (scan with a hardware scanner, or type)."""
    form = StaffCodeForm()
    answer = None
    status = 200
    if request.method == "POST":
        outcome = run_button(
            form,
            lambda: badges.check_in_staff(
                form.code.data, by=current_user, gate=form.gate.data or "", now=clock.now()
            ),
            invalid="",
        )
        answer = outcome.value
        if not outcome:
            status = outcome.status or 422
        elif answer.verdict != badges.StaffVerdict.checked_in:
            status = 409
        gate = form.gate.data
        form = StaffCodeForm(formdata=None)
        form.gate.data = gate
    today = clock.today()
    return (
        render_template(
            "checkin/staff.html", form=form, answer=answer, today=today, rows=badges.staff_checkins(today)
        ),
        status,
    )
