"""Entries (a cooperative's registration for a competition), their participants and tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, partial_index
from ..vocabulary import Badge, Choice


class EntryState(Choice):
    """pending -> confirmed | waitlisted | rejected | withdrawn; waitlisted -> confirmed on promotion.

    Badges after docs/ui.md's table: colour is never the only signal.
    """

    pending = "pending", _l("Menunggu persetujuan"), Badge("warn", "⏳")
    confirmed = "confirmed", _l("Terdaftar"), Badge("good", "✓")
    waitlisted = "waitlisted", _l("Daftar tunggu"), Badge("warn", "⏳")
    rejected = "rejected", _l("Ditolak"), Badge("bad", "✗")
    withdrawn = "withdrawn", _l("Mengundurkan diri"), Badge("info", "–")


# Entries that still hold (or wait for) a place and count against the per-cooperative limit.
ACTIVE_STATES = frozenset({EntryState.pending, EntryState.confirmed, EntryState.waitlisted})


class Entry(db.Model):
    """One cooperative's team (or individual) in one competition.

    `decision` keeps the eligibility decision that let the entry in (stage, reasons, waived
    rules and the exception, if any); `state_reason` the office's reason for a rejection.
    `waitlist_position` orders the waiting list; it is set only while waitlisted.
    """

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("competition_id", "waitlist_position"),
        CheckConstraint(
            "(state = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name="waitlist_position_iff_waitlisted",
        ),
        Index("ix_entry_competition_state", "competition_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="RESTRICT"))
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="RESTRICT"), index=True)
    team_name: Mapped[str] = mapped_column(String(120))
    state: Mapped[EntryState] = mapped_column(Enum(EntryState, native_enum=False, length=20))
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state_reason: Mapped[str | None] = mapped_column(Text)
    waitlist_position: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    competition = relationship("Competition")
    cooperative = relationship("Cooperative")
    created_by = relationship("User", foreign_keys=[created_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    participants: Mapped[list[Participant]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        order_by="[Participant.position, Participant.id]",
    )

    @property
    def current_participants(self) -> list[Participant]:
        """Participants not replaced by someone else, in their order in the team."""
        current = [p for p in self.participants if p.replaced_at is None]
        return sorted(current, key=lambda p: (p.position, p.id or 0))

    @property
    def is_active(self) -> bool:
        """True while the entry holds or waits for a place."""
        return self.state in ACTIVE_STATES


class Participant(db.Model):
    """A person in an entry: name, phone, role and consent (a guardian's for a child).

    A replaced participant stays as a record (`replaced_at`, `replaced_by_id`) with a revoked ticket.
    Personal data is erased (UU PDP 27/2022) after the retention period or at the person's request:
    the phone becomes empty, the guardian and the consent details go, `erased_at` and `erasure`
    ("retention" or "request") say when and why; the name stays where results and certificates
    were published with it (privacy/services.py).
    """

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(60), default="")
    consent: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    guardian_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erasure: Mapped[str | None] = mapped_column(String(20))

    entry: Mapped[Entry] = relationship(back_populates="participants")
    replaced_by: Mapped[Participant | None] = relationship(remote_side=[id])
    tickets: Mapped[list[Ticket]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="Ticket.id"
    )

    @property
    def ticket(self) -> Ticket | None:
        """The participant's valid ticket, if one is issued and not revoked."""
        for ticket in reversed(self.tickets):
            if ticket.revoked_at is None:
                return ticket
        return None


class Ticket(db.Model):
    """A participant's admission: a secret for the QR code and a separate token for its web page.

    Both are random (>= 128 bits), never derived from a database id. At most one valid
    (unrevoked) ticket per participant.
    """

    __tablename__ = "ticket"
    __table_args__ = (
        partial_index(
            "uq_ticket_one_valid_per_participant", "participant_id", where="revoked_at IS NULL", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    page_token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    participant: Mapped[Participant] = relationship(back_populates="tickets")

    @property
    def is_valid(self) -> bool:
        """True unless revoked (the entry's state is checked at the gate)."""
        return self.revoked_at is None
