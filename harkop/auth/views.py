"""Log in and out, the office's user management, and invitation links."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import clock
from ..errors import DomainError
from ..extensions import db, limiter
from ..form_actions import ConfirmForm, run_button, run_form
from ..redirects import safe_next
from . import services, sessions, throttle
from .decorators import admin_required, login_required, public
from .forms import (
    AcceptInvitationForm,
    AdminConfirmForm,
    ChangePasswordForm,
    InvitationForm,
    LoginForm,
    RoleForm,
    TokenForm,
    UserForm,
)
from .models import ROLE_LABELS, ApiToken, Invitation, Role, User

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


def _clear_session_keeping_language() -> None:
    # A fresh session at login and logout (no fixation), but the visitor's chosen language stays.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def begin_session(user: User) -> None:
    """Log `user` in on this browser: a new server session, its key in a fresh cookie. Commits."""
    _clear_session_keeping_language()
    session[sessions.SESSION_KEY] = sessions.start_session(
        user, user_agent=request.headers.get("User-Agent", "")
    )
    db.session.commit()
    login_user(user)


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
    status = 200
    if form.validate_on_submit():
        _warn_about_a_proxy_in_front()
        username = form.username.data
        try:
            throttle.check_not_locked(username)
            user = services.authenticate(username, form.password.data)
        except DomainError as err:
            error, status = err.message, (429 if err.status == 429 else 401)
            if err.code == "invalid_credentials":
                throttle.record_failure(username)
                db.session.commit()
        else:
            throttle.clear_failures(username)
            begin_session(user)
            return redirect(safe_next(request.args.get("next")) or home_url_for(user))
    elif form.errors:
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


_proxy_warned = False


def _warn_about_a_proxy_in_front() -> None:
    """Log once when requests come through a proxy that HARKOP_PROXY_FIX does not trust: every
    client then shares the proxy's address and one per-address counter (docs/operations.md)."""
    global _proxy_warned
    if _proxy_warned or current_app.config.get("HARKOP_PROXY_FIX"):
        return
    if "X-Forwarded-For" in request.headers:
        _proxy_warned = True
        current_app.logger.warning(
            "Requests carry X-Forwarded-For but HARKOP_PROXY_FIX is off: every client shares the "
            "proxy's address for the login rate limit. Set HARKOP_PROXY_FIX=1 behind a trusted proxy."
        )


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    """Log out (a POST, so a link cannot log anyone out): the server session ends too."""
    sessions.end_session(sessions.current_session_id(), reason="logout")
    db.session.commit()
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


@bp.route("/admin/pengguna/<int:user_id>")
@admin_required
def user_detail(user_id: int):
    """One account: its role, its live sessions and tokens, and the office's actions on it."""
    user = _user_or_404(user_id)
    role_form = RoleForm(role=user.role.value)
    tokens = db.session.scalars(services.tokens_query(user_id=user.id).limit(100)).all()
    return render_template(
        "auth/user_detail.html",
        user=user,
        role_form=role_form,
        confirm=AdminConfirmForm(),
        tokens=tokens,
        live=sessions.live_sessions(user.id),
        roles=ROLE_LABELS,
        state=services.token_state,
    )


def _back_to_user(user: User):
    return redirect(safe_next(request.form.get("next"), url_for("auth.user_detail", user_id=user.id)))


def _confirmed(user: User, action):
    """The action, once the acting admin's password is checked when the target is another admin."""

    def run():
        form = request.form
        services.confirm_acting_admin(current_user, form.get("confirm_password"), user)
        return action()

    return run


@bp.route("/admin/pengguna/<int:user_id>/nonaktifkan", methods=["POST"])
@admin_required
def user_deactivate(user_id: int):
    """Deactivate an account: its sessions and tokens stop at once (another admin: password asked)."""
    user = _user_or_404(user_id)

    def deactivate():
        services.deactivate_user(user, by=current_user)
        services.notify_admin_changed(user, action="deactivate", by=current_user)

    run_button(
        AdminConfirmForm(),
        _confirmed(user, deactivate),
        success=_("Akun %(u)s dinonaktifkan.", u=user.username),
        invalid=_("Formulir tidak sah."),
    )
    return _back_to_user(user)


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
    return _back_to_user(user)


@bp.route("/admin/pengguna/<int:user_id>/reset-sandi", methods=["POST"])
@admin_required
def user_reset_password(user_id: int):
    """Give an account a new generated password, end its sessions, revoke its tokens."""
    user = _user_or_404(user_id)

    def reset():
        password = services.reset_password(user, by=current_user)
        services.notify_admin_changed(user, action="reset", by=current_user)
        return password

    run_button(
        AdminConfirmForm(),
        _confirmed(user, reset),
        success=lambda password: _("Kata sandi baru untuk %(u)s: %(p)s", u=user.username, p=password),
        invalid=_("Formulir tidak sah."),
    )
    return _back_to_user(user)


@bp.route("/admin/pengguna/<int:user_id>/peran", methods=["POST"])
@admin_required
def user_change_role(user_id: int):
    """Give an account another role: its sessions end and its tokens are revoked."""
    user = _user_or_404(user_id)
    form = RoleForm()
    run_button(
        form,
        _confirmed(user, lambda: services.change_role(user, form.role.data, by=current_user)),
        success=lambda changed: _(
            "Peran %(u)s sekarang %(r)s.", u=changed.username, r=ROLE_LABELS[changed.role]
        ),
        invalid=_("Formulir tidak sah."),
    )
    return _back_to_user(user)


# --- Tokens and the user's own account ---------------------------------------------------------------


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def account():
    """The user's own account: their devices' tokens (make, revoke) and their password."""
    form = TokenForm()
    outcome = run_form(
        form,
        lambda: services.issue_token(
            current_user,
            label=form.label.data,
            expires_at=clock.now() + timedelta(days=form.days.data),
            session_id=sessions.current_session_id(),
            by=current_user,
        ),
        success=_("Token dibuat. Salin sekarang: token ini tidak akan ditampilkan lagi."),
        default_field="label",
    )
    tokens = db.session.scalars(services.tokens_query(user_id=current_user.id).limit(100)).all()
    return render_template(
        "auth/account.html",
        form=form,
        new_token=outcome.value if outcome else None,
        tokens=tokens,
        state=services.token_state,
        password_form=ChangePasswordForm(formdata=None),
        confirm=ConfirmForm(),
    ), outcome.status


@bp.route("/akun/sandi", methods=["POST"])
@login_required
def change_password():
    """Change one's own password: other sessions end, tokens are revoked, this session stays."""
    form = ChangePasswordForm()
    outcome = run_form(
        form,
        lambda: services.change_own_password(
            current_user,
            current=form.current_password.data,
            new=form.new_password.data,
            keep_session=sessions.current_session_id(),
        ),
        success=_("Kata sandi diganti. Sesi lain dan token perangkat Anda sudah diakhiri."),
        default_field="new_password",
    )
    if outcome:
        return redirect(url_for("auth.account"))
    tokens = db.session.scalars(services.tokens_query(user_id=current_user.id).limit(100)).all()
    return render_template(
        "auth/account.html",
        form=TokenForm(formdata=None),
        new_token=None,
        tokens=tokens,
        state=services.token_state,
        password_form=form,
        confirm=ConfirmForm(),
    ), outcome.status


@bp.route("/token/<int:token_id>/cabut", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one token (one device) and end the session that made it; its owner or the office."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        abort(404)
    if row.user_id != current_user.id and not current_user.has_role(Role.admin):
        abort(404)  # another user's token: as if it did not exist
    run_button(
        ConfirmForm(),
        lambda: services.revoke_token(row, by=current_user),
        success=_("Token %(l)s dicabut.", l=row.label),
        invalid=_("Formulir tidak sah."),
    )
    return redirect(safe_next(request.form.get("next"), url_for("auth.account")))


@bp.route("/admin/token")
@admin_required
def admin_tokens():
    """Every user's tokens for the office: filter by state or name, revoke one device at a time."""
    state = request.args.get("state") or "active"
    if state not in {"active", "expired", "revoked", "all"}:
        state = "active"
    q = (request.args.get("q") or "").strip()
    stmt = services.tokens_query(state="" if state == "all" else state, q=q)
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template(
        "auth/tokens.html",
        page=page,
        state=state,
        q=q,
        token_state=services.token_state,
        confirm=ConfirmForm(),
    )


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
        begin_session(outcome.value)
        return redirect(home_url_for(outcome.value))
    err = outcome.error
    if err is not None and err.code in {"invitation_used", "invitation_expired", "invitation_not_found"}:
        return render_template("auth/invitation_invalid.html", message=err.message), err.status
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation), outcome.status
