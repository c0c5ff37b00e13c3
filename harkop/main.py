"""Site-wide pages: the event's home page, role home pages, language, health check, and the
office's views of the shared services (job runs, outbox, audit log)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select, text

from . import clock
from .audit import AuditLog
from .auth.decorators import admin_required, login_required, public, roles_required
from .auth.models import Role
from .competitions.services import current_event
from .extensions import db
from .jobs import recent_runs
from .outbox import OutboxMessage, notifications_for

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    """The public home page of the current event: name, theme, venue and its days."""
    return render_template("main/index.html", event=current_event())


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
    target = request.form.get("next") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target)


@bp.route("/admin")
@admin_required
def admin_home():
    """The office's home page: what needs attention today."""
    from .backup.services import backup_status

    return render_template("main/admin_home.html", event=current_event(), backup=backup_status())


@bp.route("/koperasi-saya")
@roles_required(Role.coop_rep)
def coop_home():
    """A cooperative's pengurus: their cooperative, registrations and notifications."""
    return render_template("main/coop_home.html", cooperative=current_user.cooperative, event=current_event())


@bp.route("/checkin")
@roles_required(Role.checkin_staff, Role.admin)
def checkin_home():
    """Check-in staff's home page: today's gate work."""
    return render_template("main/checkin_home.html", event=current_event())


@bp.route("/notifikasi")
@login_required
def notifications():
    """The logged-in user's in-app notifications."""
    return render_template("main/notifications.html", items=notifications_for(current_user))


@bp.route("/admin/jobs")
@admin_required
def admin_jobs():
    """Recorded runs of the scheduled jobs (job, start, end, outcome, error)."""
    from .scheduler import job_table

    return render_template("main/jobs.html", runs=recent_runs(), jobs=job_table())


@bp.route("/admin/outbox")
@admin_required
def admin_outbox():
    """Every message in the outbox, with its delivery state."""
    status = request.args.get("status") or ""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("main/outbox.html", page=page, status=status)


@bp.route("/admin/audit")
@admin_required
def admin_audit():
    """The audit log, newest first, filterable by action or entity."""
    action = (request.args.get("action") or "").strip()
    entity = (request.args.get("entity") or "").strip()
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action))
    if entity:
        stmt = stmt.where(AuditLog.entity_type == entity)
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("main/audit.html", page=page, action=action, entity=entity)


def role_home_endpoint() -> str:
    """The home endpoint of the current user (used by the menu)."""
    from .auth.views import HOME_BY_ROLE

    if current_user.is_authenticated:
        return HOME_BY_ROLE[current_user.role]
    return "main.index"


__all__ = ["bp", "role_home_endpoint", "url_for"]
