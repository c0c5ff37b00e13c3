"""Log in and out, the office's user management, and invitation links."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db, limiter
from . import services
from .decorators import admin_required, login_required, public
from .forms import AcceptInvitationForm, ConfirmForm, InvitationForm, LoginForm, UserForm
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
    if form.validate_on_submit():
        try:
            user, generated = services.create_user(
                username=form.username.data,
                role=form.role.data,
                password=form.password.data or None,
                display_name=form.display_name.data or "",
                email=form.email.data or None,
                cooperative_nik=form.cooperative_nik.data or None,
                by=current_user,
            )
        except DomainError as err:
            db.session.rollback()
            field = (err.details or {}).get("field") if isinstance(err.details, dict) else None
            target = getattr(form, field, None) if field else None
            if target is not None and field != "cooperative":
                target.errors.append(err.message)
            elif field == "cooperative":
                form.cooperative_nik.errors.append(err.message)
            else:
                form.username.errors.append(err.message)
        else:
            db.session.commit()
            if generated:
                flash(_("Akun %(u)s dibuat. Kata sandi awal: %(p)s", u=user.username, p=generated), "success")
            else:
                flash(_("Akun %(u)s dibuat.", u=user.username), "success")
            return redirect(url_for("auth.users"))
    status = 422 if form.errors else 200
    return render_template("auth/user_form.html", form=form), status


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
    if not ConfirmForm().validate_on_submit():
        flash(_("Formulir tidak sah."), "error")
        return redirect(url_for("auth.users"))
    try:
        services.deactivate_user(user, by=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Akun %(u)s dinonaktifkan.", u=user.username), "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/pengguna/<int:user_id>/aktifkan", methods=["POST"])
@admin_required
def user_reactivate(user_id: int):
    """Let a deactivated account log in again."""
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        services.reactivate_user(user, by=current_user)
        db.session.commit()
        flash(_("Akun %(u)s diaktifkan kembali.", u=user.username), "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/pengguna/<int:user_id>/reset-sandi", methods=["POST"])
@admin_required
def user_reset_password(user_id: int):
    """Give an account a new generated password and end its sessions."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Formulir tidak sah."), "error")
        return redirect(url_for("auth.users"))
    password = services.reset_password(user, by=current_user)
    db.session.commit()
    flash(_("Kata sandi baru untuk %(u)s: %(p)s", u=user.username, p=password), "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/undangan", methods=["GET", "POST"])
@admin_required
def invitations():
    """Invite a cooperative's pengurus with a single-use link that expires."""
    form = InvitationForm()
    link = None
    if form.validate_on_submit():
        try:
            _inv, link = services.create_invitation(
                form.cooperative_nik.data,
                by=current_user,
                name=form.name.data or "",
                email=form.email.data or None,
                phone=form.phone.data or None,
                hours=current_app.config["HARKOP_INVITE_HOURS"],
                base_url=request.host_url,
            )
        except DomainError as err:
            db.session.rollback()
            form.cooperative_nik.errors.append(err.message)
        else:
            db.session.commit()
    recent = db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(20)).all()
    status = 422 if form.errors else 200
    return render_template("auth/invitations.html", form=form, link=link, recent=recent), status


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
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                secret,
                username=form.username.data,
                password=form.password.data,
                display_name=form.display_name.data or "",
            )
        except DomainError as err:
            db.session.rollback()
            if err.code in {"invitation_used", "invitation_expired", "invitation_not_found"}:
                return render_template("auth/invitation_invalid.html", message=err.message), err.status
            form.username.errors.append(err.message)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Selamat datang, %(n)s! Akun Anda sudah aktif.", n=user.label), "success")
            return redirect(home_url_for(user))
    status = 422 if form.errors else 200
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation), status
