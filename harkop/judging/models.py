"""Judging: a competition's judges, who scores which entry, attendance, scorecards and results.

Scorecards are kept twice, on purpose: `ScorecardEvent` is the append-only record of every
change (nothing in it is ever updated or deleted), and `Scorecard` is the current state cached
from those events (one row per judge and entry, locked while a save is applied), so pages and the
revision check read one row instead of replaying a history. `replay` in services.py rebuilds the
cache from the events, and the tests check that the two agree.
"""

from __future__ import annotations

import enum
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
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, partial_index
from ..vocabulary import Badge, Choice


class CompetitionJudge(db.Model):
    """A judge (a user with the judge role) on a competition's panel; at most one head judge."""

    __tablename__ = "competition_judge"
    __table_args__ = (
        UniqueConstraint("competition_id", "user_id"),
        # One ketua juri per competition: the database refuses a second.
        partial_index("uq_competition_judge_one_head", "competition_id", where="is_head", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    is_head: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    competition = relationship("Competition")
    user = relationship("User", foreign_keys=[user_id])


class AssignmentSource(enum.StrEnum):
    """Who put a judge on an entry: the balancing algorithm or the office by hand."""

    auto = "auto"
    manual = "manual"


class Assignment(db.Model):
    """A judge is to score an entry. Hand-made ones (`manual`) are kept by a new automatic run."""

    __tablename__ = "judge_assignment"
    __table_args__ = (
        UniqueConstraint("entry_id", "judge_id"),
        Index("ix_judge_assignment_competition_judge", "competition_id", "judge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    source: Mapped[AssignmentSource] = mapped_column(Enum(AssignmentSource, native_enum=False, length=10))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    entry = relationship("Entry")
    judge = relationship("User", foreign_keys=[judge_id])


class AttendanceStatus(enum.StrEnum):
    """Whether anyone of an entry came on the competition's day."""

    present = "present"
    no_show = "no_show"


class AttendanceSource(enum.StrEnum):
    """`checkin`: derived from the gate's admissions; `office`: set by hand, never overwritten by a rerun."""

    checkin = "checkin"
    office = "office"


class EntryAttendance(db.Model):
    """The attendance decision for one entry: a no-show is not judged."""

    __tablename__ = "entry_attendance"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(Enum(AttendanceStatus, native_enum=False, length=10))
    source: Mapped[AttendanceSource] = mapped_column(Enum(AttendanceSource, native_enum=False, length=10))
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    entry = relationship("Entry")


class CardState(Choice):
    """draft → submitted → finalised; an unlock takes a submitted (or finalised) card back to draft.

    Badges after docs/ui.md: submitted is done (green), a draft is not final (amber).
    """

    draft = "draft", _l("Draf"), Badge("warn", "✎")
    submitted = "submitted", _l("Terkirim"), Badge("good", "✓")
    finalised = "finalised", _l("Final"), Badge("good", "★")


# A judge's entry without a scorecard yet: no state of a card, shown beside them.
NO_CARD_LABEL = _l("Belum dinilai")
NO_CARD_BADGE = Badge("info", "○")


def card_look(state: Any) -> tuple[str, Badge]:
    """The label and badge of a scorecard's state ("empty", or None: no card yet)."""
    card = CardState.of(state)
    return (card.label, card.badge) if card is not None else (str(NO_CARD_LABEL), NO_CARD_BADGE)


class Scorecard(db.Model):
    """One judge's current scores for one entry, cached from the events.

    `revision` is the highest device revision accepted: a save must carry a higher one (or the
    same one with the same content, which is a replay), so an older save never overwrites a newer.
    `scores` maps criterion id (as a string, JSON keys are strings) to the value.
    """

    __tablename__ = "scorecard"
    __table_args__ = (
        UniqueConstraint("entry_id", "judge_id"),
        Index("ix_scorecard_competition_state", "competition_id", "state"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    state: Mapped[CardState] = mapped_column(Enum(CardState, native_enum=False, length=12))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry = relationship("Entry")
    judge = relationship("User", foreign_keys=[judge_id])
    events: Mapped[list[ScorecardEvent]] = relationship(
        back_populates="scorecard", order_by="ScorecardEvent.id", viewonly=True
    )


class ResultStanding(Choice):
    """Where an entry stands in a published competition, as its cooperative's results page says it.

    Only `no_show` is "tidak hadir": a withdrawn, waitlisted, rejected or never-approved entry
    did not compete for another reason, and the page says which.
    """

    ranked = "ranked", _l("Dinilai"), Badge("good", "✓")
    no_show = "no_show", _l("Tidak hadir"), Badge("bad", "✗")
    withdrawn = "withdrawn", _l("Mengundurkan diri"), Badge("info", "–")
    waitlisted = "waitlisted", _l("Tidak mendapat tempat (daftar tunggu)"), Badge("info", "⏳")
    rejected = "rejected", _l("Ditolak"), Badge("bad", "✗")
    pending = "pending", _l("Tidak disetujui sebelum lomba"), Badge("info", "–")
    not_judged = "not_judged", _l("Tidak dinilai"), Badge("info", "–")


class CardEventKind(Choice):
    """What happened to a scorecard (its history page lists them by these labels)."""

    draft_saved = "draft_saved", _l("Draf disimpan")
    submitted = "submitted", _l("Dikirim")
    unlocked = "unlocked", _l("Kunci dibuka")
    finalised = "finalised", _l("Ditetapkan")


class ScorecardEvent(db.Model):
    """One change to a scorecard, append-only: the full scores after it, who, when, and why."""

    __tablename__ = "scorecard_event"
    __table_args__ = (Index("ix_scorecard_event_card", "scorecard_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id", ondelete="RESTRICT"))
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CardEventKind] = mapped_column(Enum(CardEventKind, native_enum=False, length=12))
    revision: Mapped[int]
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(String(500))
    device_id: Mapped[str | None] = mapped_column(String(64))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    by_name: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Typed in from the judge's paper score sheet by the head judge or the office (`by_*`).
    from_paper: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    scorecard: Mapped[Scorecard] = relationship(back_populates="events")


@event.listens_for(ScorecardEvent, "before_update")
def _events_are_append_only(_mapper, _connection, target: ScorecardEvent) -> None:
    """The event log is a record: an attempt to change a row is a bug, so it fails loudly."""
    raise RuntimeError(f"scorecard_event {target.id} is append-only")


@event.listens_for(ScorecardEvent, "before_delete")
def _events_are_never_deleted(_mapper, _connection, target: ScorecardEvent) -> None:
    """See `_events_are_append_only`."""
    raise RuntimeError(f"scorecard_event {target.id} is append-only")


class ScoreRefusal(db.Model):
    """A save a judge's tablet queued and the server refused for good, as the tablet reported it.

    The tablet keeps the item (values and reason) until the judge dismisses it; this row is what
    the judging monitor shows the office and the head judge, so nothing refused goes unseen.
    """

    __tablename__ = "score_refusal"
    __table_args__ = (Index("ix_score_refusal_competition", "competition_id", "reported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(64), default="")
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    submit: Mapped[bool] = mapped_column(default=False)
    code: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    entry = relationship("Entry")
    judge = relationship("User")


class SnapshotKind(enum.StrEnum):
    """`final`: stored when the head judge finalises; `correction`: a corrected result by the office."""

    final = "final"
    correction = "correction"


class ResultSnapshot(db.Model):
    """A competition's results as they were computed, versioned; old versions stay readable.

    `data` is the scoring result (`Results.to_dict()`) with the names needed to show it, so the
    public page reads it as it is, whatever happens to the rows later.
    """

    __tablename__ = "result_snapshot"
    __table_args__ = (
        UniqueConstraint("competition_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    kind: Mapped[SnapshotKind] = mapped_column(Enum(SnapshotKind, native_enum=False, length=12))
    reason: Mapped[str | None] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_name: Mapped[str | None] = mapped_column(String(80))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_name: Mapped[str | None] = mapped_column(String(80))

    competition = relationship("Competition")


class Certificate(db.Model):
    """A certificate as issued: one per participant of a judged entry, and one for the team when a team
    wins an award. Its random `code` (printed with a QR) opens the public verification page, which
    reads the facts stored here, so they stay what was printed whatever changes later.

    A correction that changes a holder's facts (award, names) withdraws the certificate
    (`withdrawn_at`, `withdrawn_reason`, `replaced_by_id`) and issues a new one with a new code; a
    withdrawn code still verifies, as withdrawn. `holder` is "team" or "p<participant id>": at most
    one valid certificate per entry and holder.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        partial_index(
            "uq_certificate_one_valid_per_holder",
            "entry_id",
            "holder",
            where="withdrawn_at IS NULL",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    holder: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    team_name: Mapped[str] = mapped_column(String(120))
    cooperative_name: Mapped[str] = mapped_column(String(200))
    competition_name: Mapped[str] = mapped_column(String(200))
    event_name: Mapped[str] = mapped_column(String(200))
    award: Mapped[str | None] = mapped_column(String(40))
    snapshot_version: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id", ondelete="SET NULL"))

    competition = relationship("Competition")
    entry = relationship("Entry")
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    @property
    def is_team(self) -> bool:
        """True for the team's certificate (not one person's)."""
        return self.holder == "team"

    @property
    def is_valid(self) -> bool:
        """True until a correction withdraws it."""
        return self.withdrawn_at is None
