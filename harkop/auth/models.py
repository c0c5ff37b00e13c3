"""User accounts, API tokens, invitations and judges' declared affiliations."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime


class Role(enum.StrEnum):
    """The four roles; the public needs no account."""

    admin = "admin"
    coop_rep = "coop_rep"
    judge = "judge"
    checkin_staff = "checkin_staff"


ROLE_LABELS = {
    Role.admin: _l("Admin Dinas"),
    Role.coop_rep: _l("Pengurus Koperasi"),
    Role.judge: _l("Juri"),
    Role.checkin_staff: _l("Petugas Check-in"),
}


class RoleHolder:
    """A role to check and a name to show: what a `User` and a token's principal both answer.

    The class using it has `role`, `display_name` and `username`.
    """

    def has_role(self, *roles: Role | str) -> bool:
        """True when the user holds one of the given roles."""
        names = {r.value if isinstance(r, Role) else r for r in roles}
        return self.role.value in names  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        """The name to show: display name or username."""
        return self.display_name or self.username  # type: ignore[attr-defined]


class User(RoleHolder, UserMixin, db.Model):
    """A person who logs in; a `coop_rep` belongs to exactly one cooperative."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperative.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cooperative = relationship("Cooperative", foreign_keys=[cooperative_id])
    affiliations: Mapped[list[UserAffiliation]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        """A deactivated user cannot log in or use a token."""
        return bool(self.active)

    def get_id(self) -> str:
        """Flask-Login's user id; which session it belongs to is the server's `UserSession`."""
        return str(self.id)


class UserSession(db.Model):
    """A browser session kept on the server: the cookie carries only its key (hashed here).

    Logging out, a password or role change, a reset, deactivation and the idle and absolute
    limits end it here, so a copied cookie stops working at once (harkop/auth/sessions.py).
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for `/api/v1`, one per device: only its SHA-256 is stored.

    It has a label (the device), creation and last-use times, and an expiry; it can be revoked
    on its own. `session_id` is the browser session that created it: revoking the token ends
    that session too, so a lost phone cannot simply fetch a new token with its cookie.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(20))
    revoked_by_name: Mapped[str | None] = mapped_column(String(80))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("user_session.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """A single-use, expiring link that lets a cooperative's pengurus create their account."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    cooperative = relationship("Cooperative")


class UserAffiliation(db.Model):
    """A cooperative a judge is tied to: they may never score its entries."""

    __tablename__ = "user_affiliation"
    __table_args__ = (UniqueConstraint("user_id", "cooperative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="affiliations")
    cooperative = relationship("Cooperative")


class LoginThrottle(db.Model):
    """Failed logins of one username (known or not), shared by every worker: the per-account
    throttle beside the per-address rate limit (harkop/auth/throttle.py)."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
