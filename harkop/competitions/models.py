"""Events, competitions (lomba) with their schedule, eligibility rules and rubric, and exceptions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models_base import UTCDateTime
from ..vocabulary import Badge, Choice


class Event(db.Model):
    """A celebration with its dates and venue, e.g. Hari Koperasi 2024 at Pentacity Mall."""

    __tablename__ = "event"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")

    competitions: Mapped[list[Competition]] = relationship(
        back_populates="event", order_by="Competition.id", viewonly=True
    )

    def days(self) -> list[date]:
        """Every day of the event, in order."""
        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + timedelta(days=i) for i in range(count)]


class CompetitionState(Choice):
    """The life of a competition; only the transitions in `services.TRANSITIONS` are allowed."""

    draft = "draft", _l("Draf"), Badge("warn", "✎")
    open = "open", _l("Pendaftaran dibuka"), Badge("good", "✓")
    closed = "closed", _l("Pendaftaran ditutup"), Badge("info", "■")
    judging = "judging", _l("Penilaian"), Badge("warn", "⚖")
    final = "final", _l("Hasil final"), Badge("info", "★")
    published = "published", _l("Hasil diumumkan"), Badge("good", "★")


class TeamKind(Choice):
    """An individual competition has exactly one participant per entry; a team has min..max."""

    team = "team", _l("Tim")
    individual = "individual", _l("Perorangan")


class Aggregation(Choice):
    """How the judges' totals of one entry are combined (strategies live in judging/scoring.py).

    The label names the method where it is chosen; the description says on the results page how
    the final score was computed.
    """

    mean = "mean", _l("Rata-rata"), None, _l("rata-rata nilai juri")
    median = "median", _l("Median"), None, _l("median nilai juri")
    trimmed_mean = (
        "trimmed_mean",
        _l("Rata-rata terpangkas (≥ 5 juri)"),
        None,
        _l("rata-rata terpangkas (nilai tertinggi dan terendah dibuang)"),
    )
    zscore = (
        "zscore",
        _l("Normalisasi z-score per juri"),
        None,
        _l("rata-rata skor-z per juri (menghapus kecenderungan juri yang keras atau murah)"),
    )


class Competition(db.Model):
    """A lomba of an event: schedule, place, team size, capacity, window, rules, rubric and state.

    `registration_opens_at`/`closes_at` are UTC instants (closes is exclusive); the time slot is
    the local (WITA) wall-clock time on each of the competition's days.
    """

    __tablename__ = "competition"
    __table_args__ = (
        UniqueConstraint("event_id", "slug"),
        CheckConstraint("min_team_size >= 1", name="min_team_size_positive"),
        CheckConstraint("max_team_size >= min_team_size", name="team_size_in_order"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0", name="confirmed_count_not_negative"),
        CheckConstraint("per_cooperative_limit >= 1", name="per_cooperative_limit_positive"),
        CheckConstraint("judges_per_entry >= 1", name="judges_per_entry_positive"),
        CheckConstraint("ends_at > starts_at", name="time_slot_in_order"),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="window_in_order",
        ),
        CheckConstraint(
            "max_assessment_age_years IS NULL OR max_assessment_age_years >= 0",
            name="assessment_age_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200), default="")
    team_kind: Mapped[TeamKind] = mapped_column(
        Enum(TeamKind, native_enum=False, length=20), default=TeamKind.team
    )
    min_team_size: Mapped[int] = mapped_column(default=1)
    max_team_size: Mapped[int] = mapped_column(default=1)
    capacity: Mapped[int]
    per_cooperative_limit: Mapped[int] = mapped_column(default=1)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_required: Mapped[bool] = mapped_column(default=False)
    for_children: Mapped[bool] = mapped_column(default=False)
    # Eligibility rules (see eligibility.py): plain columns so the office can read them line by line.
    require_active: Mapped[bool] = mapped_column(default=True)
    require_rat_previous_year: Mapped[bool] = mapped_column(default=True)
    min_predikat: Mapped[str | None] = mapped_column(String(40))
    max_assessment_age_years: Mapped[int | None]
    allowed_jenis: Mapped[list[str]] = mapped_column(JSON, default=list)
    judges_per_entry: Mapped[int] = mapped_column(default=3)
    aggregation: Mapped[Aggregation] = mapped_column(
        Enum(Aggregation, native_enum=False, length=20), default=Aggregation.mean
    )
    # Criterion ids, first rung first; empty means the rubric's own order. The ladder always
    # ends with the median judge total and then a shared rank (docs/domain.md §5).
    tie_break: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Judging (harkop/judging): flag an entry whose judges' totals spread more than this many
    # points (None: no flag), and publish the final results at this instant (None: by hand).
    discrepancy_threshold: Mapped[float | None] = mapped_column(default=20.0)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Confirmed entries, kept by registrations.services under the competition's row lock (it is
    # recounted from the entries on every change), so pages can show the places left cheaply.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    state: Mapped[CompetitionState] = mapped_column(
        Enum(CompetitionState, native_enum=False, length=20), default=CompetitionState.draft, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="competitions")
    day_rows: Mapped[list[CompetitionDay]] = relationship(
        back_populates="competition", cascade="all, delete-orphan", order_by="CompetitionDay.day"
    )
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="competition",
        cascade="all, delete-orphan",
        order_by="[RubricCriterion.position, RubricCriterion.id]",
    )
    exceptions: Mapped[list[EligibilityException]] = relationship(
        back_populates="competition", cascade="all, delete-orphan"
    )

    @property
    def days(self) -> list[date]:
        """The competition's days, in order."""
        return [row.day for row in self.day_rows]

    @property
    def first_day(self) -> date | None:
        """The first day the competition runs, if scheduled."""
        days = self.days
        return days[0] if days else None

    @property
    def is_team(self) -> bool:
        """True for team competitions."""
        return self.team_kind == TeamKind.team

    def slot_start(self, day: date) -> datetime:
        """The UTC instant the slot starts on one of its days (the slot is WITA wall-clock time)."""
        return clock.as_utc(datetime.combine(day, self.starts_at, tzinfo=clock.WITA))

    def slot_end(self, day: date) -> datetime:
        """The UTC instant the slot ends on one of its days."""
        return clock.as_utc(datetime.combine(day, self.ends_at, tzinfo=clock.WITA))

    def starts_first_at(self) -> datetime | None:
        """When the competition begins (first day, slot start), or None when not scheduled."""
        return self.slot_start(self.first_day) if self.first_day else None

    def window_is_open(self, now: datetime) -> bool:
        """True when `now` lies inside the registration window (opens inclusive, closes exclusive)."""
        if self.registration_opens_at is None or self.registration_closes_at is None:
            return False
        return self.registration_opens_at <= now < self.registration_closes_at

    @property
    def places_left(self) -> int:
        """Confirmed places still free (never below zero)."""
        return max(0, self.capacity - (self.confirmed_count or 0))

    def tie_break_criteria(self) -> list[RubricCriterion]:
        """Criteria in tie-break order: the stated ladder, then any criterion it leaves out."""
        by_id = {c.id: c for c in self.criteria}
        ladder = [by_id[i] for i in self.tie_break if i in by_id]
        return ladder + [c for c in self.criteria if c not in ladder]

    def rules_dict(self) -> dict[str, Any]:
        """The eligibility rules as plain data (API, audit log)."""
        return {
            "require_active": self.require_active,
            "require_rat_previous_year": self.require_rat_previous_year,
            "min_predikat": self.min_predikat,
            "max_assessment_age_years": self.max_assessment_age_years,
            "allowed_jenis": list(self.allowed_jenis or []),
            "per_cooperative_limit": self.per_cooperative_limit,
        }


class CompetitionDay(db.Model):
    """One day on which a competition runs (a competition may span several event days)."""

    __tablename__ = "competition_day"

    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True, index=True)

    competition: Mapped[Competition] = relationship(back_populates="day_rows")


class RubricCriterion(db.Model):
    """A criterion of a competition's rubric: weight, maximum score and level descriptors.

    `levels` is a list of {"score": number or null, "description": text}, best described first
    or in any order the office writes them; judges see them as touch targets.
    """

    __tablename__ = "rubric_criterion"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("max_score > 0", name="max_score_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float]
    max_score: Mapped[int]
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    competition: Mapped[Competition] = relationship(back_populates="criteria")


class EligibilityException(db.Model):
    """The office lets one cooperative past the registry rules of one competition, with a reason.

    An exception waives the registry rules (active, RAT, predikat, jenis) but never the
    per-cooperative limit or the capacity.
    """

    __tablename__ = "eligibility_exception"
    __table_args__ = (UniqueConstraint("competition_id", "cooperative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    competition: Mapped[Competition] = relationship(back_populates="exceptions")
    cooperative = relationship("Cooperative")
    granted_by = relationship("User")
