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
from sqlalchemy import bindparam, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..audit import record_audit
from ..db.driver import DriverStatement
from ..email_address import InvalidEmail, normalise_email
from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..outbox import queue_message
from .models import ApiToken, Invitation, Role, RoleHolder, User, UserAffiliation

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
MIN_PASSWORD = 8
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


def validate_password(password: str) -> None:
    """Refuse passwords shorter than eight characters."""
    if not password or len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            "password_too_short",
            _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD),
            details={"field": "password"},
        )


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
    validate_password(password)
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
        session_version=1,
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
    user.session_version += 1
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
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
    """Set a new password (generated when none is given) and end the user's sessions."""
    password = new_password or secrets.token_urlsafe(12)
    validate_password(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.flush()
    record_audit("user.reset_password", entity_type="user", entity_id=user.id, by=by, now=now)
    return password


def issue_token(user: User, *, label: str = "", by=None, now: datetime | None = None) -> str:
    """Create a bearer token for the API; the plain token is returned once and never stored."""
    if not user.active:
        raise Conflict("account_inactive", _("Akun ini sudah dinonaktifkan."))
    now = now or clock.now()
    token = "hk_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_secret(token), label=label, created_at=now))
    db.session.flush()
    record_audit("token.issue", entity_type="user", entity_id=user.id, by=by, detail=label or None, now=now)
    return token


def _token_accepted(token_hash: Any) -> tuple[Any, ...]:
    """The conditions a bearer token passes: known, not revoked, its user active."""
    return (ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None), User.active.is_(True))


def user_for_token(token: str, *, now: datetime | None = None) -> User | None:
    """The active user a bearer token belongs to, or None (revoked, unknown, deactivated).

    One joined query: every scan and scorecard save from a device pays for this lookup.
    """
    if not token:
        return None
    return db.session.scalar(
        select(User).join(ApiToken, ApiToken.user_id == User.id).where(*_token_accepted(hash_secret(token)))
    )


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

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """Flask-Login's id (never stored in a session: bearer requests have none)."""
        return str(self.id)


# Run on the driver (`DriverStatement`): every scan at the gate authenticates with it.
_principal_select = DriverStatement(
    select(User.id, User.username, User.display_name, User.role, User.cooperative_id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(*_token_accepted(bindparam("token_hash")))
)


def principal_for_token(token: str) -> TokenPrincipal | None:
    """The same check as `user_for_token` (revoked, unknown, deactivated: None), as plain values."""
    if not token:
        return None
    row = _principal_select.first(db.session.connection(), {"token_hash": hash_secret(token)})
    if row is None:
        return None
    return TokenPrincipal(row.id, row.username, row.display_name or "", Role(row.role), row.cooperative_id)


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
    validate_password(password)
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
