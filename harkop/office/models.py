"""Office workflow models: field checks, update proposals, verified-at per fact group, reminders
and the register of warning letters (surat teguran).

These sit beside the registry's own models (models.py) and point at `cooperative` and `user` by
foreign key. Enumerations are stored as their lower-case values (`native_enum=False`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime
from ..vocabulary import Badge, Choice


def _enum(cls: type, length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class FactGroup(Choice):
    """The groups of facts whose last verification the profile shows."""

    identitas = "identitas", _l("Identitas & alamat")  # identity and address
    pengurus = "pengurus", _l("Pengurus")  # management
    angka = "angka", _l("Angka tahunan")  # annual figures
    rat = "rat", _l("RAT")  # the RAT held


class VerificationSource(Choice):
    """What verified a fact group: a clerk's visit or an approved proposal."""

    cek_lapangan = "cek_lapangan", _l("cek lapangan")
    usulan = "usulan", _l("usulan pengurus")


class ProposalStatus(Choice):
    """Where a proposal stands in the office's review queue."""

    pending = "pending", _l("Menunggu persetujuan"), Badge("warn", "●")
    approved = "approved", _l("Disetujui"), Badge("good", "✓")
    rejected = "rejected", _l("Ditolak"), Badge("bad", "✕")


class LetterKind(Choice):
    """The rungs of the sanction ladder (docs/domain.md §3), lowest first; the label is the letter's title."""

    teguran_1 = "teguran_1", _l("Teguran Tertulis")  # one late RAT: written warning
    # two late in a row: warning copied to the Ministry's Deputi Pengawasan
    teguran_2 = "teguran_2", _l("Teguran Tertulis Kedua")
    # RAT missed two years in a row: warning + dissolution-plan letter
    pembubaran = "pembubaran", _l("Teguran Tertulis dan Rencana Pembubaran Koperasi")


class LetterStatus(Choice):
    """A letter is found due as a draft, then issued (numbered) or dismissed by the office."""

    draft = "draft", _l("Draf"), Badge("warn", "●")
    issued = "issued", _l("Terbit"), Badge("good", "✓")
    dismissed = "dismissed", _l("Dibatalkan"), Badge("info", "–")


class FieldCheck(db.Model):
    """A clerk's visit to a cooperative during the update round, with what was found.

    Each finding is yes, no, or not checked (None).
    """

    __tablename__ = "field_check"
    __table_args__ = (
        Index("ix_field_check_cooperative", "cooperative_id", "checked_on"),
        Index("ix_field_check_checked_on", "checked_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    checked_on: Mapped[date]
    found_at_address: Mapped[bool | None]
    operating: Mapped[bool | None]
    management_in_place: Mapped[bool | None]
    rat_minutes_seen: Mapped[bool | None]
    notes: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    checked_by_name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    cooperative = relationship("Cooperative")


class UpdateProposal(db.Model):
    """Changes a cooperative's pengurus proposes for their own cooperative, awaiting review.

    `changes` holds the proposal as plain values: {"profile": {field: value}, "officers": [...],
    "figures": {"book_year": …, field: value}, "rat": {"book_year", "held_on", "notes"},
    "confirm": [fact groups confirmed unchanged]}. The RAT minutes are a file under the upload
    folder with a generated name; the user's file name is kept for display only.
    """

    __tablename__ = "update_proposal"
    __table_args__ = (
        Index("ix_update_proposal_status", "status", "submitted_at"),
        Index("ix_update_proposal_cooperative", "cooperative_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    status: Mapped[ProposalStatus] = mapped_column(_enum(ProposalStatus), default=ProposalStatus.pending)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)  # the pengurus' message to the office
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_by_name: Mapped[str | None] = mapped_column(String(80))

    minutes_file: Mapped[str | None] = mapped_column(String(80), unique=True)  # generated name
    minutes_type: Mapped[str | None] = mapped_column(String(40))  # detected from the content
    minutes_size: Mapped[int | None] = mapped_column(Integer)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    minutes_name: Mapped[str | None] = mapped_column(String(200))  # the user's name, display only

    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_name: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected

    cooperative = relationship("Cooperative")


class FactVerification(db.Model):
    """When a fact group of a cooperative was last verified, and by what (one row per group)."""

    __tablename__ = "fact_verification"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "fact_group"),
        Index("ix_fact_verification_verified_at", "verified_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    fact_group: Mapped[FactGroup] = mapped_column(_enum(FactGroup))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[VerificationSource] = mapped_column(_enum(VerificationSource))
    source_id: Mapped[int | None] = mapped_column(Integer)  # the field check or proposal id
    verified_by_name: Mapped[str | None] = mapped_column(String(80))


class UpdateReminder(db.Model):
    """A reminder sent to a cooperative still missing in the round, at most one per ISO week."""

    __tablename__ = "update_reminder"
    __table_args__ = (UniqueConstraint("cooperative_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))  # ISO week, e.g. "2024-W30"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(SmallInteger)


class WarningLetter(db.Model):
    """One surat teguran in the register: a breach found due, then issued with its number.

    A breach is (cooperative, kind, book year): the unique constraint means no letter is ever
    issued twice for the same breach, whatever runs the check. Numbers are given on issue, from a
    sequence per year, so dismissed drafts leave no holes in the office's numbering.
    """

    __tablename__ = "warning_letter"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "kind", "book_year"),
        UniqueConstraint("year", "seq"),
        UniqueConstraint("number"),
        CheckConstraint("(status = 'issued') = (number IS NOT NULL)", name="number_when_issued"),
        Index("ix_warning_letter_status", "status", "book_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    kind: Mapped[LetterKind] = mapped_column(_enum(LetterKind))
    book_year: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[LetterStatus] = mapped_column(_enum(LetterStatus), default=LetterStatus.draft)
    found_on: Mapped[date]
    # Set on issue: the number (e.g. 500.3/12/DKUMKMP/2024), its year and place in the sequence.
    year: Mapped[int | None] = mapped_column(SmallInteger)
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(60))
    issued_on: Mapped[date | None]
    deadline: Mapped[date | None]
    # The addressee as it was printed, so a reprint is the same letter.
    addressee: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issued_by_name: Mapped[str | None] = mapped_column(String(80))
    dismissed_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cooperative = relationship("Cooperative")


class LetterCounter(db.Model):
    """The last letter number used in a year; one row per year, updated under a row lock."""

    __tablename__ = "letter_counter"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
