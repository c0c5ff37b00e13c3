"""The outbox: e-mails and in-app notifications, written in the transaction that caused them.

A job sends pending e-mails over SMTP when it is configured; without SMTP, messages are kept
and listed for the office (and in-app messages are read by their user on the notifications page).
"""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import ForeignKey, Index, Select, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .extensions import db
from .models_base import UTCDateTime

STATUS_PENDING = "pending"
STATUS_SENT = "sent"
STATUS_KEPT = "kept"  # no SMTP configured: kept and listed, not lost
STATUS_FAILED = "failed"

MAX_ATTEMPTS = 5


class OutboxMessage(db.Model):
    """A message waiting to be delivered, or the record of one delivered."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default=STATUS_PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


def queue_message(
    *,
    kind: str,
    subject: str,
    body: str,
    user=None,
    to_address: str | None = None,
    link: str | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Put a message in the outbox in the current transaction (flushes, never commits)."""
    address = to_address or (getattr(user, "email", None) if user is not None else None)
    message = OutboxMessage(
        created_at=now or clock.now(),
        kind=kind,
        user_id=getattr(user, "id", None),
        to_address=address,
        subject=subject,
        body=body,
        link=link,
        status=STATUS_PENDING,
        attempts=0,
    )
    db.session.add(message)
    db.session.flush()
    return message


def _send_smtp(message: OutboxMessage) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    text = message.body + (f"\n\n{message.link}" if message.link else "")
    email.set_content(text)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
        if cfg.get("MAIL_STARTTLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def send_pending(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Deliver pending messages: over SMTP when configured, otherwise keep them listed.

    Idempotent: only `pending` messages are touched, so running it twice sends nothing twice.
    """
    now = now or clock.now()
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == STATUS_PENDING)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    counts = {"sent": 0, "kept": 0, "failed": 0}
    smtp = bool(current_app.config.get("MAIL_SERVER"))
    for message in db.session.scalars(stmt):
        if not smtp or not message.to_address:
            message.status = STATUS_KEPT
            counts["kept"] += 1
            continue
        message.attempts += 1
        try:
            _send_smtp(message)
        except (OSError, smtplib.SMTPException) as err:
            message.last_error = str(err)[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = STATUS_FAILED
                counts["failed"] += 1
            continue
        message.status = STATUS_SENT
        message.sent_at = now
        counts["sent"] += 1
    db.session.flush()
    return counts


def outbox_query(status: str = "") -> Select:
    """The outbox, newest first, optionally one delivery state (the office's outbox page)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return stmt.where(OutboxMessage.status == status) if status else stmt


def notifications_for(user, limit: int = 50) -> list[OutboxMessage]:
    """A user's in-app notifications, newest first."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.user_id == user.id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
