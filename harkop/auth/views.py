"""Log in and out, the office's user management, and invitation links."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db, limiter
from ..form_actions import ConfirmForm, run_button, run_form
from . import services
from .decorators import admin_required, login_required, public
from .forms import AcceptInvitationForm, InvitationForm, LoginForm, UserForm
from .models import ROLE_LABELS, Invitation, Role, User

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {
    Role.admin: "main.admin_home",
    Role.coop_rep: "main.coop_home",
    Role.judge: "judging.judge_home",
    Role.checkin_staff: "main.checkin_home",
}


def home_url_for(user: User) -> str:
    """Where a user lands after logging in: their role's own home page."""
    endpoint = HOME_BY_ROLE[user.role]
    if endpoint not in current_app.view_functions:
        endpoint = "main.index"
    return url_for(endpoint)


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _clear_session_keeping_language() -> None:
    # A fresh session at login and logout (no fixation), but the visitor's chosen language stays.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _login_limit() -> str:
    return current_app.config["HARKOP_LOGIN_RATE_LIMIT"]


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login():
    """Log in with username and password."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except DomainError as err:
            error = err.message
        else:
            _clear_session_keeping_language()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_url_for(user))
    status = 401 if error else (400 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    """Log out (a POST, so a link cannot log anyone out)."""
    logout_user()
    _clear_session_keeping_language()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("main.index"))


@bp.route("/admin/pengguna")
@admin_required
def users():
    """The office's list of accounts, filterable by role and text."""
    role = request.args.get("role") or ""
    q = (request.args.get("q") or "").strip()
    stmt = select(User).order_by(User.role, User.username)
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    if q:
        stmt = stmt.where(User.username.contains(q.lower()) | User.display_name.contains(q))
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("auth/users.html", page=page, role=role, q=q, roles=ROLE_LABELS)


@bp.route("/admin/pengguna/baru", methods=["GET", "POST"])
@admin_required
def user_new():
    """Create an account for any role."""
    form = UserForm()
    outcome = run_form(
        form,
        lambda: services.create_user(
            username=form.username.data,
            role=form.role.data,
            password=form.password.data or None,
            display_name=form.display_name.data or "",
            email=form.email.data or None,
            cooperative_nik=form.cooperative_nik.data or None,
            by=current_user,
        ),
        success=_user_created,
        at={"cooperative": "cooperative_nik"},
        default_field="username",
    )
    if outcome:
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form), outcome.status


def _user_created(created: tuple[User, str | None]) -> str:
    user, generated = created
    if generated:
        return _("Akun %(u)s dibuat. Kata sandi awal: %(p)s", u=user.username, p=generated)
    return _("Akun %(u)s dibuat.", u=user.username)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        from flask import abort

        abort(404)
    return user


@bp.route("/admin/pengguna/<int:user_id>/nonaktifkan", methods=["POST"])
@admin_required
def user_deactivate(user_id: int):
    """Deactivate an account: its sessions and tokens stop at once."""
    user = _user_or_404(user_id)
    run_button(
        ConfirmForm(),
        lambda: services.deactivate_user(user, by=current_user),
        success=_("Akun %(u)s dinonaktifkan.", u=user.username),
        invalid=_("Formulir tidak sah."),
    )
    return redirect(url_for("auth.users"))


@bp.route("/admin/pengguna/<int:user_id>/aktifkan", methods=["POST"])
@admin_required
def user_reactivate(user_id: int):
    """Let a deactivated account log in again."""
    user = _user_or_404(user_id)
    run_button(
        ConfirmForm(),
        lambda: services.reactivate_user(user, by=current_user),
        success=_("Akun %(u)s diaktifkan kembali.", u=user.username),
    )
    return redirect(url_for("auth.users"))


@bp.route("/admin/pengguna/<int:user_id>/reset-sandi", methods=["POST"])
@admin_required
def user_reset_password(user_id: int):
    """Give an account a new generated password and end its sessions."""
    user = _user_or_404(user_id)
    run_button(
        ConfirmForm(),
        lambda: services.reset_password(user, by=current_user),
        success=lambda password: _("Kata sandi baru untuk %(u)s: %(p)s", u=user.username, p=password),
        invalid=_("Formulir tidak sah."),
    )
    return redirect(url_for("auth.users"))


@bp.route("/admin/undangan", methods=["GET", "POST"])
@admin_required
def invitations():
    """Invite a cooperative's pengurus with a single-use link that expires."""
    form = InvitationForm()
    outcome = run_form(
        form,
        lambda: services.create_invitation(
            form.cooperative_nik.data,
            by=current_user,
            name=form.name.data or "",
            email=form.email.data or None,
            phone=form.phone.data or None,
            hours=current_app.config["HARKOP_INVITE_HOURS"],
            base_url=request.host_url,
        ),
        default_field="cooperative_nik",
    )
    link = outcome.value[1] if outcome else None  # shown on the page once, not flashed
    recent = db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(20)).all()
    return render_template("auth/invitations.html", form=form, link=link, recent=recent), outcome.status


@bp.route("/undangan/<secret>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def accept_invitation(secret: str):
    """The invited pengurus creates their account (once; the link then stops working)."""
    try:
        invitation = services.find_invitation(secret)
    except DomainError as err:
        return render_template("auth/invitation_invalid.html", message=err.message), err.status
    form = AcceptInvitationForm()
    if request.method == "GET" and invitation.name:
        form.display_name.data = invitation.name
    outcome = run_form(
        form,
        lambda: services.accept_invitation(
            secret,
            username=form.username.data,
            password=form.password.data,
            display_name=form.display_name.data or "",
        ),
        success=lambda user: _("Selamat datang, %(n)s! Akun Anda sudah aktif.", n=user.label),
        default_field="username",
    )
    if outcome:
        login_user(outcome.value)
        return redirect(home_url_for(outcome.value))
    err = outcome.error
    if err is not None and err.code in {"invitation_used", "invitation_expired", "invitation_not_found"}:
        return render_template("auth/invitation_invalid.html", message=err.message), err.status
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation), outcome.status
