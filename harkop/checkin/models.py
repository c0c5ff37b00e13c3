"""Check-in at the venue: every scan as a recorded fact, and at most one admission per ticket per day.

`Scan` keeps every scan, refused ones too (verdict, who, which device and gate, the device's time
and the server's time). `CheckIn` is the admission itself: its UNIQUE (ticket_id, day) is what
decides, in one atomic INSERT, which of several simultaneous scans of a ticket wins.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, partial_index


class Verdict(enum.StrEnum):
    """The one answer a scan gets."""

    checked_in = "checked_in"
    already_checked_in = "already_checked_in"
    not_valid_today = "not_valid_today"
    entry_not_confirmed = "entry_not_confirmed"
    unknown_ticket = "unknown_ticket"


class ScanMethod(enum.StrEnum):
    """How the code reached the page: camera, typed by hand, a hardware (keyboard-wedge) scanner, or search."""

    camera = "camera"
    manual = "manual"
    wedge = "wedge"
    search = "search"
    api = "api"


class CheckIn(db.Model):
    """A ticket admitted on one event day: at most one per (ticket, day), enforced by the database.

    `admitted_at` is when the person came in: the server's time for online scans, the device's
    time for offline ones (never later than when the server received it). The scan that won
    points here (`Scan.admission_id`, verdict `checked_in`); later scans of the ticket that day
    point here too, with `already_checked_in`.
    """

    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("ticket_id", "day"),
        Index("ix_checkin_day_admitted", "day", "admitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    day: Mapped[date]
    admitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    device_id: Mapped[str] = mapped_column(String(64))
    gate: Mapped[str] = mapped_column(String(60), default="")
    offline: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket = relationship("Ticket")
    by = relationship("User")


class Scan(db.Model):
    """One scan as it happened: code (as a hash), verdict, who, device, gate, device and server times.

    `nonce` is the client's id of the scan: a repeated nonce returns this row and writes nothing.
    `day` is the event day the scan counts for. `admission_id` points at the admission the scan
    made (`checked_in`) or met (`already_checked_in`). `conflict` marks an offline admission that
    the server could not keep (the ticket was already admitted by another device, or the entry
    was no longer confirmed): the office reviews it (`reviewed_*`).
    """

    __tablename__ = "checkin_scan"
    __table_args__ = (
        Index("ix_checkin_scan_day_verdict", "day", "verdict"),
        Index("ix_checkin_scan_ticket_day", "ticket_id", "day"),
        partial_index(
            "ix_checkin_scan_open_conflict", "received_at", where="conflict AND reviewed_at IS NULL"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    code_hash: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[Verdict] = mapped_column(Enum(Verdict, native_enum=False, length=30))
    # Why a refusal: the entry's state (withdrawn, rejected, waitlisted, pending), `ticket_revoked`,
    # `malformed` or `not_found`; for not_valid_today nothing (the ticket's days say it).
    reason: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[ScanMethod] = mapped_column(Enum(ScanMethod, native_enum=False, length=20))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    gate: Mapped[str] = mapped_column(String(60), default="")
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date]
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the device showed when it decided alone (offline); None for online scans.
    local_verdict: Mapped[str | None] = mapped_column(String(30))
    admission_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin.id", ondelete="RESTRICT"), index=True
    )
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    # An offline scan whose device time (corrected) fell outside its day: the admission time was
    # clamped into the day, and the office reviews it like a conflict.
    clock_suspect: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)

    ticket = relationship("Ticket")
    by = relationship("User", foreign_keys=[by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    admission: Mapped[CheckIn | None] = relationship()

    # Not columns: set by the service. `replayed` when a repeated nonce returned this (earlier)
    # scan; `gate_view` carries what the gate shows (ticket facts, admission) from the scan itself.
    replayed = False
    gate_view = None

    @property
    def admitted(self) -> bool:
        """True when this scan let the person in."""
        return self.verdict == Verdict.checked_in


class StaffPass(db.Model):
    """A badge for someone who works the event (a judge, gate staff, the committee): its QR carries
    `HKS:<secret>` so the gate can check them in too. One valid pass per person and event; a
    reprinted badge keeps its pass, a revoked one (`revoked_at`) no longer checks in."""

    __tablename__ = "staff_pass"
    __table_args__ = (
        partial_index(
            "uq_staff_pass_one_valid", "user_id", "event_id", where="revoked_at IS NULL", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    event = relationship("Event")


class StaffCheckIn(db.Model):
    """A staff pass admitted on one day: at most one per (pass, day), enforced by the database."""

    __tablename__ = "staff_checkin"
    __table_args__ = (UniqueConstraint("pass_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("staff_pass.id", ondelete="CASCADE"))
    day: Mapped[date]
    admitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    gate: Mapped[str] = mapped_column(String(60), default="")

    staff_pass = relationship("StaffPass")
    by = relationship("User", foreign_keys=[by_id])
