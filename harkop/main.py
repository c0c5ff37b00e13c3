"""Site-wide pages: the event's home page, role home pages, language, health check, and the
office's views of the shared services (job runs, outbox, audit log)."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false, select, text

from . import clock, pagecache
from .audit import AuditLog, audit_query, entity_types, parse_filter
from .auth.decorators import admin_required, login_required, public, roles_required
from .auth.models import Role
from .competitions.services import current_event
from .extensions import db
from .jobs import describe_trigger, failing_runs, recent_runs
from .outbox import notifications_for, outbox_query
from .redirects import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    """The public home page of the current event: name, theme, venue and its days."""
    return pagecache.public_page(
        ("home", pagecache.data_version(), clock.today()),
        lambda: render_template("main/index.html", event=current_event()),
    )


@bp.route("/healthz")
@public
def healthz():
    """200 while the process answers (liveness: no database, so a database outage restarts nothing)."""
    return jsonify({"status": "ok", "simulated_now": clock.is_simulated()})


@bp.route("/readyz")
@public
def readyz():
    """200 when the database answers and its schema is at the code's migration head, 503 otherwise.

    The load balancer's health check: an instance joins only once `flask db upgrade` has run.
    """
    from .schema import head_revision

    expected = head_revision()
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - any database failure means not ready
        db.session.rollback()
        return jsonify({"status": "error", "database": _database_state(), "expected": expected}), 503
    if revision != expected:
        body = {"status": "error", "database": "ok", "migrations": "behind", "revision": revision}
        return jsonify({**body, "expected": expected}), 503
    return jsonify({"status": "ok", "database": "ok", "migrations": "head", "revision": revision})


def _database_state() -> str:
    """After a failed look at `alembic_version`: "unmigrated" if the database answers, else "unreachable"."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unreachable
        db.session.rollback()
        return "unreachable"
    db.session.rollback()
    return "unmigrated"


@bp.route("/bahasa", methods=["POST"])
@public
def set_language():
    """Switch the page language (Bahasa Indonesia or English) and go back."""
    lang = request.form.get("lang", "id")
    if lang in current_app.config["HARKOP_LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), "/"))


@bp.route("/admin")
@admin_required
def admin_home():
    """The office's home page: what needs attention today."""
    from .backup.services import backup_status
    from .home import office_todo

    event = current_event()
    todo = office_todo(current_user, event)
    return render_template("main/admin_home.html", event=event, backup=backup_status(), todo=todo)


@bp.route("/koperasi-saya")
@roles_required(Role.coop_rep)
def coop_home():
    """A pengurus' home: the cooperative's status and what blocks it, entries and their next step,
    tickets and proposals."""
    from .home import coop_home_facts, next_step

    event = current_event()
    facts = coop_home_facts(current_user, event)
    return render_template(
        "main/coop_home.html", cooperative=current_user.cooperative, event=event, next_step=next_step, **facts
    )


@bp.route("/checkin")
@roles_required(Role.checkin_staff, Role.admin)
def checkin_home():
    """Check-in staff's home page: today's gates (the dashboard's rows for today); the roster's
    freshness and the offline queue live on the device and are read by static/js/gate-home.js."""
    from .checkin.dashboard import dashboard

    board = dashboard(clock.today())
    return render_template("main/checkin_home.html", event=current_event(), board=board)


@bp.route("/notifikasi")
@login_required
def notifications():
    """The logged-in user's in-app notifications."""
    return render_template("main/notifications.html", items=notifications_for(current_user))


@bp.route("/admin/jobs")
@admin_required
def admin_jobs():
    """Recorded runs of the scheduled jobs (job, start, end, outcome, error); `?status=gagal`
    shows only the jobs still failing (their latest run failed), as the office's home counts them."""
    from .scheduler import job_table

    failing = request.args.get("status") == "gagal"
    runs = failing_runs() if failing else recent_runs()
    return render_template(
        "main/jobs.html", runs=runs, jobs=job_table(), failing=failing, describe_trigger=describe_trigger
    )


@bp.route("/admin/outbox")
@admin_required
def admin_outbox():
    """Every message in the outbox, with its delivery state."""
    status = request.args.get("status") or ""
    page = db.paginate(outbox_query(status), per_page=50, error_out=False)
    return render_template("main/outbox.html", page=page, status=status)


AUDIT_ERRORS = {
    "invalid_date": _l("Tanggal tidak valid: tulis TTTT-BB-HH, mis. 2024-07-26."),
    "before_start": _l("Tanggal akhir tidak boleh sebelum tanggal awal."),
}


def object_links(entries: list[AuditLog]) -> dict[tuple[str, str], str]:
    """Where each object an entry names has its own page (its history), by (type, id)."""
    links: dict[tuple[str, str], str] = {}
    coop_ids = {
        int(a.entity_id) for a in entries if a.entity_type == "cooperative" and (a.entity_id or "").isdigit()
    }
    if coop_ids:
        from .cooperatives.models import Cooperative

        niks = dict(
            db.session.execute(
                select(Cooperative.id, Cooperative.nik).where(Cooperative.id.in_(coop_ids))
            ).all()
        )
        for coop_id, nik in niks.items():
            links[("cooperative", str(coop_id))] = url_for("cooperatives.admin_history", nik=nik)
    for a in entries:
        if not (a.entity_id or "").isdigit():
            continue
        key = (a.entity_type, a.entity_id)
        if a.entity_type == "entry":
            links[key] = url_for("registrations.admin_entry_history", entry_id=int(a.entity_id))
        elif a.entity_type == "scorecard":
            links[key] = url_for("judging.scorecard_history", card_id=int(a.entity_id))
        elif a.entity_type == "participant":
            links[key] = url_for("privacy.person", participant_id=int(a.entity_id))
    return links


@bp.route("/admin/audit")
@admin_required
def admin_audit():
    """The audit log, newest first: by who, what, which object and which days; a CSV of the same."""
    flt, errors = parse_filter(request.args)
    if errors:
        page = db.paginate(select(AuditLog).where(false()), per_page=50, error_out=False)
    else:
        page = db.paginate(audit_query(flt), per_page=50, error_out=False)
    return render_template(
        "main/audit.html",
        page=page,
        flt=flt,
        errors={k: str(AUDIT_ERRORS[v]) for k, v in errors.items()},
        entity_types=entity_types(),
        links=object_links(page.items),
    ), (422 if errors else 200)


@bp.route("/admin/audit.csv")
@admin_required
def admin_audit_export():
    """The filtered audit log as a CSV file (through the shared spreadsheet writer)."""
    from .cooperatives.spreadsheet import writer_for
    from .spreadsheets import send_spreadsheet

    flt, errors = parse_filter(request.args)
    if errors:
        abort(400)

    def write(path: str) -> None:
        writer = writer_for(path, "csv")
        try:
            writer.header(AUDIT_CSV_HEADER)
            for a in db.session.scalars(audit_query(flt).execution_options(yield_per=1000)):
                writer.row(
                    [
                        clock.to_wita(a.at).isoformat(timespec="seconds"),
                        a.actor_name or "",
                        a.action,
                        a.entity_type,
                        a.entity_id or "",
                        a.detail or "",
                        json.dumps(a.before, ensure_ascii=False) if a.before is not None else "",
                        json.dumps(a.after, ensure_ascii=False) if a.after is not None else "",
                    ]
                )
        finally:
            writer.close()

    return send_spreadsheet("csv", write, f"log-audit-{clock.today().isoformat()}.csv")


AUDIT_CSV_HEADER = [
    "waktu_wita",
    "oleh",
    "tindakan",
    "jenis_data",
    "id_data",
    "rincian",
    "sebelum",
    "sesudah",
]


def role_home_endpoint() -> str:
    """The home endpoint of the current user (used by the menu)."""
    from .auth.views import HOME_BY_ROLE

    if current_user.is_authenticated:
        return HOME_BY_ROLE[current_user.role]
    return "main.index"


__all__ = ["bp", "role_home_endpoint", "url_for"]


@bp.route("/referensi-api")
@public
def api_reference():
    """The API reference for integrators, rendered from the OpenAPI document (no script, no CDN)."""
    from .api import reference_sections

    return render_template("main/api_reference.html", sections=reference_sections())
