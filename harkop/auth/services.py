"""Account rules: creating users, deactivating them, passwords, API tokens and invitations."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..audit import record_audit
from ..db.driver import DriverStatement
from ..email_address import InvalidEmail, normalise_email
from ..errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..outbox import queue_message
from ..text import check_text
from . import sessions
from .models import ApiToken, Invitation, Role, RoleHolder, User, UserAffiliation
from .passwords import MIN_PASSWORD, password_problem

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
# A constant hash to compare against when the username is unknown, so timing tells nothing.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Hash a password (scrypt by default; the test suite picks a faster method)."""
    method = current_app.config.get("HARKOP_PASSWORD_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def hash_secret(secret: str) -> str:
    """SHA-256 of a token or invitation secret; only the hash is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _cooperative_by_nik(nik: str):
    # Auth sits left of the registry and never imports it: read the `cooperative` table by name.
    table = db.metadata.tables["cooperative"]
    coop = db.session.execute(select(table.c.id, table.c.name).where(table.c.nik == nik)).first()
    if coop is None:
        raise NotFound("cooperative_not_found", _("Koperasi dengan NIK %(nik)s tidak ditemukan.", nik=nik))
    return coop


def _snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "role": user.role.value,
        "display_name": user.display_name,
        "email": user.email,
        "cooperative_id": user.cooperative_id,
        "active": user.active,
    }


def validate_password(password: str, *, username: str | None = None) -> None:
    """Refuse a password shorter than ten characters, a common one, or one holding the username."""
    problem = password_problem(password, username=username)
    if problem is None:
        return
    messages = {
        "password_too_short": _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD),
        "password_common": _("Kata sandi ini terlalu umum (ada di daftar kata sandi yang sering dipakai)."),
        "password_has_username": _("Kata sandi tidak boleh memuat nama pengguna."),
    }
    raise ValidationFailed(problem, messages[problem], details={"field": "password"})


def clean_email(email: str | None) -> str | None:
    """An account's or invitation's e-mail as stored (None when blank), or a coded refusal naming the field."""
    if email is None or not email.strip():
        return None
    try:
        return normalise_email(email)
    except InvalidEmail as err:
        raise ValidationFailed(
            "invalid_email", _("Alamat e-mail tidak valid."), details={"field": "email"}
        ) from err


def create_user(
    *,
    username: str,
    role: Role | str,
    password: str | None = None,
    display_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    cooperative_nik: str | None = None,
    cooperative_id: int | None = None,
    affiliation_niks: list[str] | tuple[str, ...] = (),
    by=None,
    now: datetime | None = None,
) -> tuple[User, str | None]:
    """Create a user; returns it and the generated password when none was given."""
    now = now or clock.now()
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "invalid_username",
            _("Nama pengguna 3–80 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung."),
            details={"field": "username"},
        )
    try:
        role = Role(role)
    except ValueError as err:
        raise ValidationFailed("invalid_role", _("Peran tidak dikenal: %(r)s", r=role)) from err
    email = clean_email(email)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("username_taken", _("Nama pengguna %(u)s sudah dipakai.", u=username))
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    validate_password(password, username=username)
    if cooperative_nik:
        cooperative_id = _cooperative_by_nik(cooperative_nik).id
    if role == Role.coop_rep and cooperative_id is None:
        raise ValidationFailed(
            "cooperative_required",
            _("Pengurus koperasi harus terhubung ke satu koperasi (NIK)."),
            details={"field": "cooperative"},
        )
    if role != Role.coop_rep and cooperative_id is not None:
        raise ValidationFailed(
            "cooperative_only_for_coop_rep",
            _("Hanya pengurus koperasi yang terhubung ke koperasi."),
            details={"field": "cooperative"},
        )
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        display_name=display_name or "",
        email=email or None,
        phone=phone or None,
        cooperative_id=cooperative_id,
        active=True,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    for nik in affiliation_niks:
        db.session.add(UserAffiliation(user_id=user.id, cooperative_id=_cooperative_by_nik(nik).id))
    db.session.flush()
    record_audit("user.create", entity_type="user", entity_id=user.id, by=by, after=_snapshot(user), now=now)
    return user, generated


def get_user(username: str) -> User:
    """The user with this username, or a coded 404."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise NotFound("user_not_found", _("Pengguna %(u)s tidak ditemukan.", u=username))
    return user


def authenticate(username: str, password: str) -> User:
    """Check a login; the same coded refusal whether the name or the password is wrong."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise DomainError("invalid_credentials", _("Nama pengguna atau kata sandi salah."), status=401)
    if not check_password_hash(user.password_hash, password or ""):
        raise DomainError("invalid_credentials", _("Nama pengguna atau kata sandi salah."), status=401)
    if not user.active:
        raise DomainError("account_inactive", _("Akun ini sudah dinonaktifkan."), status=403)
    return user


def deactivate_user(user: User, *, by, now: datetime | None = None) -> User:
    """Deactivate a user: their sessions and tokens stop working on the next request."""
    now = now or clock.now()
    if by is not None and getattr(by, "id", None) == user.id:
        raise Conflict("cannot_deactivate_self", _("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    before = _snapshot(user)
    user.active = False
    user.deactivated_at = now
    sessions.end_user_sessions(user.id, reason="deactivated")
    revoke_user_tokens(user, reason="deactivated", by=by, now=now)
    db.session.flush()
    record_audit(
        "user.deactivate",
        entity_type="user",
        entity_id=user.id,
        by=by,
        before=before,
        after=_snapshot(user),
        now=now,
    )
    return user


def reactivate_user(user: User, *, by, now: datetime | None = None) -> User:
    """Let a deactivated user log in again (old tokens stay revoked)."""
    before = _snapshot(user)
    user.active = True
    user.deactivated_at = None
    db.session.flush()
    record_audit(
        "user.reactivate",
        entity_type="user",
        entity_id=user.id,
        by=by,
        before=before,
        after=_snapshot(user),
        now=now,
    )
    return user


def reset_password(user: User, *, by, new_password: str | None = None, now: datetime | None = None) -> str:
    """Set a new password (generated when none is given), end the user's sessions, revoke their tokens."""
    now = now or clock.now()
    password = new_password or secrets.token_urlsafe(12)
    validate_password(password, username=user.username)
    user.password_hash = hash_password(password)
    sessions.end_user_sessions(user.id, reason="password_reset")
    revoked = revoke_user_tokens(user, reason="password_reset", by=by, now=now)
    db.session.flush()
    record_audit(
        "user.reset_password",
        entity_type="user",
        entity_id=user.id,
        by=by,
        after={"tokens_revoked": revoked},
        now=now,
    )
    return password


def change_own_password(
    user: User, *, current: str, new: str, keep_session: int | None, now: datetime | None = None
) -> User:
    """A user changes their own password: the current one is asked for; their other sessions end
    and their tokens are revoked (devices fetch new ones from a live session)."""
    now = now or clock.now()
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed(
            "wrong_password", _("Kata sandi saat ini salah."), details={"field": "current_password"}
        )
    validate_password(new, username=user.username)
    user.password_hash = hash_password(new)
    sessions.end_user_sessions(user.id, reason="password_changed", keep=keep_session)
    revoked = revoke_user_tokens(user, reason="password_changed", by=user, now=now)
    db.session.flush()
    record_audit(
        "user.change_password",
        entity_type="user",
        entity_id=user.id,
        by=user,
        after={"tokens_revoked": revoked},
        now=now,
    )
    return user


def change_role(user: User, role: Role | str, *, by, now: datetime | None = None) -> User:
    """Give a user another role: their sessions end and their tokens are revoked, since what
    they were opened for no longer holds. A coop_rep's cooperative goes with the old role."""
    now = now or clock.now()
    try:
        role = Role(role)
    except ValueError as err:
        raise ValidationFailed("invalid_role", _("Peran tidak dikenal: %(r)s", r=role)) from err
    if by is not None and getattr(by, "id", None) == user.id:
        raise Conflict("cannot_change_own_role", _("Anda tidak dapat mengubah peran akun Anda sendiri."))
    if role == user.role:
        return user
    if role == Role.coop_rep:
        raise ValidationFailed(
            "cooperative_required",
            _("Akun pengurus koperasi dibuat lewat undangan atau formulir akun baru (perlu NIK koperasi)."),
            details={"field": "role"},
        )
    before = _snapshot(user)
    user.role = role
    user.cooperative_id = None
    sessions.end_user_sessions(user.id, reason="role_changed")
    revoke_user_tokens(user, reason="role_changed", by=by, now=now)
    db.session.flush()
    record_audit(
        "user.change_role",
        entity_type="user",
        entity_id=user.id,
        by=by,
        before=before,
        after=_snapshot(user),
        now=now,
    )
    return user


def confirm_acting_admin(actor: Any, password: str | None, target: User) -> None:
    """Resetting or deactivating another admin needs the acting admin's own password."""
    if target.role != Role.admin or getattr(actor, "id", None) == target.id:
        return
    if not password or not check_password_hash(getattr(actor, "password_hash", ""), password):
        raise ValidationFailed(
            "confirm_password_required",
            _("Untuk mengubah akun admin lain, masukkan kata sandi Anda sendiri."),
            details={"field": "confirm_password"},
        )


def notify_admin_changed(target: User, *, action: str, by: Any, now: datetime | None = None) -> None:
    """Tell an admin that another admin reset or deactivated their account (in the app, and by
    e-mail when the account has an address)."""
    if target.role != Role.admin or getattr(by, "id", None) == target.id:
        return
    what = {
        "reset": _(
            "Kata sandi akun Harkop Anda (%(u)s) direset oleh %(by)s.", u=target.username, by=_actor(by)
        ),
        "deactivate": _(
            "Akun Harkop Anda (%(u)s) dinonaktifkan oleh %(by)s.", u=target.username, by=_actor(by)
        ),
    }[action]
    queue_message(
        kind="account",
        user=target,
        subject=_("Perubahan pada akun Harkop Anda"),
        body=what + " " + _("Bila Anda tidak mengetahui hal ini, segera hubungi Dinas."),
        now=now,
    )


def _actor(by: Any) -> str:
    return getattr(by, "username", None) or str(by or "-")


# --- API tokens ------------------------------------------------------------------------------------

TOKEN_LABEL_MAX = 80


def default_token_expiry(now: datetime) -> datetime:
    """When a token expires unless its creator says otherwise (HARKOP_TOKEN_DAYS after now)."""
    days = current_app.config.get("HARKOP_TOKEN_DAYS", 30) if has_app_context() else 30
    return now + timedelta(days=days)


def max_token_expiry(now: datetime) -> datetime:
    """The latest expiry a token may have (HARKOP_TOKEN_MAX_DAYS after now)."""
    days = current_app.config.get("HARKOP_TOKEN_MAX_DAYS", 365) if has_app_context() else 365
    return now + timedelta(days=days)


def issue_token(
    user: User,
    *,
    label: str = "",
    expires_at: datetime | None = None,
    session_id: int | None = None,
    by=None,
    now: datetime | None = None,
) -> str:
    """Create a bearer token for the API; the plain token is returned once and never stored."""
    return issue_token_row(user, label=label, expires_at=expires_at, session_id=session_id, by=by, now=now)[1]


def issue_token_row(
    user: User,
    *,
    label: str = "",
    expires_at: datetime | None = None,
    session_id: int | None = None,
    by=None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a bearer token: its row and the plain token (shown once, only its hash is kept).

    `label` names the device; `expires_at` defaults to HARKOP_TOKEN_DAYS from now and may not be
    past HARKOP_TOKEN_MAX_DAYS; `session_id` is the browser session it was made from.
    """
    if not user.active:
        raise Conflict("account_inactive", _("Akun ini sudah dinonaktifkan."))
    now = now or clock.now()
    label = (label or "").strip() or _("perangkat")
    check_text(label, field="label")
    if len(label) > TOKEN_LABEL_MAX:
        raise ValidationFailed(
            "label_too_long",
            _("Nama perangkat paling banyak %(n)d karakter.", n=TOKEN_LABEL_MAX),
            details={"field": "label"},
        )
    expires_at = expires_at or default_token_expiry(now)
    if expires_at <= now or expires_at > max_token_expiry(now):
        raise ValidationFailed(
            "invalid_expiry",
            _(
                "Masa berlaku token harus di masa depan dan paling lama %(n)d hari.",
                n=(max_token_expiry(now) - now).days,
            ),
            details={"field": "expires_at"},
        )
    per_hour = current_app.config.get("HARKOP_TOKENS_PER_HOUR", 20) if has_app_context() else 20
    made = db.session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.created_at > now - timedelta(hours=1)
        )
    )
    if made >= per_hour:
        raise DomainError(
            "too_many_tokens",
            _("Terlalu banyak token dibuat dalam satu jam terakhir. Coba lagi nanti."),
            status=429,
        )
    token = "hk_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_secret(token),
        label=label,
        created_at=now,
        expires_at=expires_at,
        session_id=session_id,
    )
    db.session.add(row)
    db.session.flush()
    record_audit(
        "token.issue",
        entity_type="api_token",
        entity_id=row.id,
        by=by,
        after={"user": user.username, "label": label, "expires_at": expires_at},
        now=now,
    )
    return row, token


def get_token(token_id: int) -> ApiToken:
    """The token with this id, or a coded 404."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("token_not_found", _("Token tidak ditemukan."))
    return row


def revoke_token(row: ApiToken, *, by, now: datetime | None = None) -> ApiToken:
    """Revoke one token (one device), and end the browser session that created it.

    Its owner may revoke it, and so may the office; nobody else. Revoking twice changes nothing.
    """
    now = now or clock.now()
    is_office = getattr(by, "has_role", None) and by.has_role(Role.admin)
    if not is_office and getattr(by, "id", None) != row.user_id:
        raise Forbidden("not_your_token", _("Token ini milik pengguna lain."))
    if row.revoked_at is not None:
        return row
    row.revoked_at = now
    row.revoke_reason = "revoked"
    row.revoked_by_name = _actor(by)[:80]
    sessions.end_session(row.session_id, reason="device_revoked")
    db.session.flush()
    record_audit(
        "token.revoke",
        entity_type="api_token",
        entity_id=row.id,
        by=by,
        after={"user_id": row.user_id, "label": row.label},
        now=now,
    )
    return row


def revoke_user_tokens(user: User, *, reason: str, by=None, now: datetime | None = None) -> int:
    """Revoke every live token of a user (reset, deactivation, role or password change)."""
    now = now or clock.now()
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason, revoked_by_name=_actor(by)[:80])
    )
    return result.rowcount or 0


def token_state(row: ApiToken, now: datetime | None = None) -> str:
    """'active', 'expired' or 'revoked'."""
    now = now or clock.now()
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= now:
        return "expired"
    return "active"


def tokens_query(*, user_id: int | None = None, state: str = "", q: str = ""):
    """Tokens newest first: one user's (their own page) or everyone's (the office), filtered."""
    now = clock.now()
    stmt = select(ApiToken).join(User, ApiToken.user_id == User.id).order_by(ApiToken.created_at.desc())
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    if state == "active":
        stmt = stmt.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    elif state == "revoked":
        stmt = stmt.where(ApiToken.revoked_at.is_not(None))
    elif state == "expired":
        stmt = stmt.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at <= now)
    if q:
        stmt = stmt.where(User.username.contains(q.lower()) | ApiToken.label.contains(q))
    return stmt


TOKEN_TOUCH_EVERY = timedelta(minutes=5)


def _note_token_use(token_id: int, last_used_at: datetime | None, now: datetime) -> None:
    """Note a token's use at most every five minutes, after the response (sessions.defer_touch)."""
    if last_used_at is None or now - last_used_at >= TOKEN_TOUCH_EVERY:
        sessions.defer_touch(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def _token_accepted(token_hash: Any, now: Any) -> tuple[Any, ...]:
    """The conditions a bearer token passes: known, not revoked, not expired, its user active."""
    return (
        ApiToken.token_hash == token_hash,
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > now,
        User.active.is_(True),
    )


def user_for_token(token: str, *, now: datetime | None = None) -> User | None:
    """The active user a bearer token belongs to, or None (revoked, expired, unknown, deactivated).

    One joined query: every scorecard save from a device pays for this lookup.
    """
    if not token:
        return None
    now = now or clock.now()
    row = db.session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(*_token_accepted(hash_secret(token), now))
    ).first()
    if row is None:
        return None
    _note_token_use(row[1], row[2], now)
    return row[0]


@dataclass(frozen=True)
class TokenPrincipal(RoleHolder):
    """Who a bearer token speaks for, read as plain values: the identity of a device's hot requests.

    Views marked `@token_principal` (a scan at the gate) get this instead of the `User` row: one
    indexed Core query instead of an ORM load, which is most of what authenticating costs. It
    answers what those views and the permission decorators ask (id, role, name); a view that
    needs the account itself must not be marked.
    """

    id: int
    username: str
    display_name: str
    role: Role
    cooperative_id: int | None
    token_id: int | None = None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """Flask-Login's id (never stored in a session: bearer requests have none)."""
        return str(self.id)


# Run on the driver (`DriverStatement`): every scan at the gate authenticates with it.
_principal_select = DriverStatement(
    select(
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.cooperative_id,
        ApiToken.id.label("token_id"),
        ApiToken.last_used_at,
    )
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(*_token_accepted(bindparam("token_hash"), bindparam("now", type_=ApiToken.expires_at.type)))
)


def principal_for_token(token: str) -> TokenPrincipal | None:
    """The same check as `user_for_token` (revoked, unknown, deactivated: None), as plain values."""
    if not token:
        return None
    now = clock.now()
    row = _principal_select.first(db.session.connection(), {"token_hash": hash_secret(token), "now": now})
    if row is None:
        return None
    _note_token_use(row.token_id, row.last_used_at, now)
    return TokenPrincipal(
        row.id, row.username, row.display_name or "", Role(row.role), row.cooperative_id, row.token_id
    )


def create_invitation(
    cooperative_nik: str,
    *,
    by,
    name: str = "",
    email: str | None = None,
    phone: str | None = None,
    hours: int = 72,
    base_url: str = "",
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite a cooperative's pengurus: returns the invitation and its link (shown once, sent by outbox)."""
    now = now or clock.now()
    coop = _cooperative_by_nik(cooperative_nik)
    email = clean_email(email)
    secret = secrets.token_urlsafe(24)
    invitation = Invitation(
        token_hash=hash_secret(secret),
        cooperative_id=coop.id,
        name=name or "",
        email=email or None,
        phone=phone or None,
        created_by_id=getattr(by, "id", None),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(invitation)
    db.session.flush()
    link = f"{base_url.rstrip('/')}/undangan/{secret}"
    queue_message(
        kind="invitation",
        to_address=email,
        subject=_("Undangan akun Harkop untuk %(coop)s", coop=coop.name),
        body=_(
            "Anda diundang sebagai pengurus %(coop)s di Harkop. Buka tautan ini untuk membuat akun "
            "(berlaku %(h)d jam, hanya sekali pakai).",
            coop=coop.name,
            h=hours,
        ),
        link=link,
        now=now,
    )
    record_audit(
        "invitation.create",
        entity_type="cooperative",
        entity_id=coop.id,
        by=by,
        after={"invitation_id": invitation.id, "name": name, "expires_at": invitation.expires_at},
        now=now,
    )
    return invitation, link


def find_invitation(secret: str, *, now: datetime | None = None) -> Invitation:
    """The usable invitation for a link, or a coded refusal (unknown, used, expired)."""
    now = now or clock.now()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_secret(secret or ""))
    )
    if invitation is None:
        raise NotFound("invitation_not_found", _("Tautan undangan tidak dikenal."))
    if invitation.used_at is not None:
        raise Conflict("invitation_used", _("Tautan undangan ini sudah dipakai."), status=410)
    if clock.as_utc(invitation.expires_at) <= now:
        raise Conflict(
            "invitation_expired",
            _("Tautan undangan ini sudah kedaluwarsa. Minta undangan baru ke Dinas."),
            status=410,
        )
    return invitation


def accept_invitation(
    secret: str, *, username: str, password: str, display_name: str = "", now: datetime | None = None
) -> User:
    """Use an invitation once: creates the coop_rep account tied to the invited cooperative."""
    now = now or clock.now()
    invitation = find_invitation(secret, now=now)
    validate_password(password, username=username)
    # One conditional UPDATE: of two people using the same link at once, only one succeeds.
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise Conflict("invitation_used", _("Tautan undangan ini sudah dipakai."), status=410)
    user, _generated = create_user(
        username=username,
        role=Role.coop_rep,
        password=password,
        display_name=display_name or invitation.name,
        email=invitation.email,
        phone=invitation.phone,
        cooperative_id=invitation.cooperative_id,
        by=None,
        now=now,
    )
    db.session.execute(update(Invitation).where(Invitation.id == invitation.id).values(used_by_id=user.id))
    db.session.flush()
    return user
