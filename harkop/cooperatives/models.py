"""Registry models: cooperatives, their address reference data, management, yearly figures,
RAT records, health assessments, inactive reasons and achievements.

Enumerations are stored as their lower-case values (strings, `native_enum=False`). The columns
`status`, `grade`, `rat_terlambat`, `rat_missed_in_a_row`, `predikat` and `predikat_examined_on`
are Harkop's computed values, cached on the row so the directory can filter 130,000 cooperatives
by index; `services.recompute_*` refreshes them after every change and the daily job refreshes
them when a RAT deadline passes. `ods_status` and `ods_grade` are the Ministry's record, kept as
imported beside them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, partial_index
from .vocab import (
    Aspect,
    Bentuk,
    CoopStatus,
    Grade,
    Jenis,
    PolaPengelolaan,
    Position,
    Predikat,
    ReasonCode,
    StatusNik,
)


def _enum(cls: type, length: int = 30) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Kecamatan(db.Model):
    """One of Balikpapan's six districts (reference data, see reference.py)."""

    __tablename__ = "kecamatan"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kemendagri_code: Mapped[str | None] = mapped_column(String(20))


class Kelurahan(db.Model):
    """One of Balikpapan's 34 urban villages, inside its kecamatan (reference data)."""

    __tablename__ = "kelurahan"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("kecamatan.code"), index=True)
    kemendagri_code: Mapped[str | None] = mapped_column(String(20))


FILTER_COLUMNS = ("status", "kecamatan_code", "jenis", "grade", "predikat")


class Cooperative(db.Model):
    """A cooperative, identified by its 16-digit NIK Koperasi (kept as a string)."""

    __tablename__ = "cooperative"
    __table_args__ = (
        CheckConstraint("length(nik) = 16", name="nik_16_digits"),
        # Directory filters: one index per filter, leading with it and then the name (a filtered
        # page reads the index in name order), followed by the other filter columns so that a
        # count with two or more filters is answered from the index alone (130,000 rows: see
        # docs/benchmarks.md). The planner picks the most selective one (ANALYZE after imports).
        *(
            Index(f"ix_cooperative_{key}_name", column, "name", *[c for c in FILTER_COLUMNS if c != column])
            for key, column in (
                ("status", "status"),
                ("kecamatan", "kecamatan_code"),
                ("jenis", "jenis"),
                ("grade", "grade"),
                ("predikat", "predikat"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    status_nik: Mapped[StatusNik | None] = mapped_column(_enum(StatusNik))

    # Legal identity (free text numbers: old regional and AHU formats both occur).
    badan_hukum_no: Mapped[str | None] = mapped_column(String(120))
    badan_hukum_on: Mapped[date | None]
    perubahan_ad_no: Mapped[str | None] = mapped_column(String(120))
    perubahan_ad_on: Mapped[date | None]
    nib: Mapped[str | None] = mapped_column(String(20))
    npwp: Mapped[str | None] = mapped_column(String(30))
    # Founding date for grade C1/C2; when empty the badan hukum date stands in (rules.founding_date).
    founded_on: Mapped[date | None]

    bentuk: Mapped[Bentuk | None] = mapped_column(_enum(Bentuk))
    jenis: Mapped[Jenis | None] = mapped_column(_enum(Jenis))
    pola_pengelolaan: Mapped[PolaPengelolaan | None] = mapped_column(_enum(PolaPengelolaan))
    kelompok: Mapped[str | None] = mapped_column(String(40))  # vocab.KELOMPOK_LABELS key
    sektor_usaha: Mapped[str | None] = mapped_column(String(40))  # vocab.SEKTOR key
    kuk: Mapped[int | None] = mapped_column(SmallInteger)  # as the Ministry supplies it, 1–4

    alamat: Mapped[str | None] = mapped_column(String(300))
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("kelurahan.code"))
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("kecamatan.code"))
    kode_pos: Mapped[str | None] = mapped_column(String(5))
    # The cooperative's office contact: for the office only, never on public pages.
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))

    # The Ministry's record as imported (ODS StatusKoperasi and Grade).
    ods_status: Mapped[CoopStatus | None] = mapped_column(_enum(CoopStatus))
    ods_grade: Mapped[Grade | None] = mapped_column(_enum(Grade, 4))
    digital_since: Mapped[int | None] = mapped_column(SmallInteger)

    # Harkop's computed values (cache; see module docstring).
    status: Mapped[CoopStatus] = mapped_column(
        _enum(CoopStatus), default=CoopStatus.aktif, server_default="aktif"
    )
    grade: Mapped[Grade | None] = mapped_column(_enum(Grade, 4))
    rat_terlambat: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    rat_missed_in_a_row: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    predikat: Mapped[Predikat | None] = mapped_column(_enum(Predikat))
    predikat_examined_on: Mapped[date | None]
    computed_on: Mapped[date | None]

    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kecamatan = relationship("Kecamatan")
    kelurahan = relationship("Kelurahan")
    rat_records: Mapped[list[RatRecord]] = relationship(
        back_populates="cooperative", order_by="RatRecord.book_year.desc()", cascade="all, delete-orphan"
    )
    assessments: Mapped[list[HealthAssessment]] = relationship(
        back_populates="cooperative",
        order_by="(HealthAssessment.examined_on.desc(), HealthAssessment.id.desc())",
        cascade="all, delete-orphan",
    )
    reasons: Mapped[list[InactiveReason]] = relationship(
        back_populates="cooperative", order_by="InactiveReason.set_at.desc()", cascade="all, delete-orphan"
    )
    achievements: Mapped[list[Achievement]] = relationship(
        back_populates="cooperative",
        order_by="(Achievement.year.desc(), Achievement.id.desc())",
        cascade="all, delete-orphan",
    )
    officers: Mapped[list[Officer]] = relationship(
        back_populates="cooperative",
        order_by="(Officer.term_start.desc(), Officer.id.desc())",
        cascade="all, delete-orphan",
    )
    figures: Mapped[list[AnnualFigure]] = relationship(
        back_populates="cooperative", order_by="AnnualFigure.book_year.desc()", cascade="all, delete-orphan"
    )

    @property
    def open_reasons(self) -> list[InactiveReason]:
        """The office's reasons that are still in force."""
        return [r for r in self.reasons if r.cleared_at is None]


class Officer(db.Model):
    """One person's term in one seat of the management; a new term is a new row (history kept)."""

    __tablename__ = "cooperative_officer"
    __table_args__ = (
        CheckConstraint("term_end IS NULL OR term_end >= term_start", name="term_in_order"),
        Index("ix_cooperative_officer_coop", "cooperative_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    position: Mapped[Position] = mapped_column(_enum(Position, 20))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))  # personal data: office pages only
    term_start: Mapped[date]
    term_end: Mapped[date | None]
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cooperative: Mapped[Cooperative] = relationship(back_populates="officers")


class AnnualFigure(db.Model):
    """Members, staff, capital, assets, turnover and surplus for one book year."""

    __tablename__ = "cooperative_annual_figure"
    __table_args__ = (UniqueConstraint("cooperative_id", "book_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    book_year: Mapped[int] = mapped_column(SmallInteger)
    anggota_pria: Mapped[int | None] = mapped_column(Integer)
    anggota_wanita: Mapped[int | None] = mapped_column(Integer)
    karyawan: Mapped[int | None] = mapped_column(Integer)
    manajer: Mapped[int | None] = mapped_column(Integer)
    # Money in whole rupiah.
    modal_sendiri: Mapped[int | None] = mapped_column(BigInteger)
    modal_luar: Mapped[int | None] = mapped_column(BigInteger)
    aset: Mapped[int | None] = mapped_column(BigInteger)
    volume_usaha: Mapped[int | None] = mapped_column(BigInteger)
    shu: Mapped[int | None] = mapped_column(BigInteger)

    cooperative: Mapped[Cooperative] = relationship(back_populates="figures")


class RatRecord(db.Model):
    """A held annual members' meeting (RAT) for one book year, with the date it was held."""

    __tablename__ = "rat_record"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "book_year"),
        Index("ix_rat_record_book_year", "book_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    book_year: Mapped[int] = mapped_column(SmallInteger)
    held_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cooperative: Mapped[Cooperative] = relationship(back_populates="rat_records")

    @property
    def is_late(self) -> bool:
        """Held after 30 June of the following year (the legal deadline)."""
        return self.held_on is not None and self.held_on > date(self.book_year + 1, 6, 30)


class HealthAssessment(db.Model):
    """One examination of a cooperative's health for a book year (Permenkop UKM 9/2020)."""

    __tablename__ = "health_assessment"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "book_year"),
        Index("ix_health_assessment_examined_on", "examined_on"),
        CheckConstraint("final_score >= 0 AND final_score <= 100", name="final_0_100"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    book_year: Mapped[int] = mapped_column(SmallInteger)
    examined_on: Mapped[date]
    examiner: Mapped[str | None] = mapped_column(String(120))
    tata_kelola: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    profil_risiko: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    kinerja_keuangan: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    permodalan: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    final_score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    predikat: Mapped[Predikat] = mapped_column(_enum(Predikat))
    # Indicator-level entry: {code: {"fulfilled", "items"} or {"value"}, plus "nilai", "skor", "kategori"}.
    indicator_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    cooperative: Mapped[Cooperative] = relationship(back_populates="assessments")

    def aspect_scores(self) -> dict[Aspect, Decimal]:
        """The four aspect percentages in the order of the regulation."""
        return {a: getattr(self, a.value) for a in Aspect}


class InactiveReason(db.Model):
    """An office finding that makes a cooperative inactive, until someone clears it."""

    __tablename__ = "inactive_reason"
    __table_args__ = (
        # One open reason per code per cooperative (a cleared one may be set again later).
        partial_index(
            "uq_inactive_reason_open", "cooperative_id", "code", where="cleared_at IS NULL", unique=True
        ),
        Index("ix_inactive_reason_cooperative_id", "cooperative_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    code: Mapped[ReasonCode] = mapped_column(_enum(ReasonCode, 40))
    note: Mapped[str | None] = mapped_column(Text)  # office-internal, not shown publicly
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    set_by_name: Mapped[str | None] = mapped_column(String(80))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cleared_by_name: Mapped[str | None] = mapped_column(String(80))

    cooperative: Mapped[Cooperative] = relationship(back_populates="reasons")


class Achievement(db.Model):
    """A placing won at a competition, written by the judging domain through record_achievement."""

    __tablename__ = "achievement"
    __table_args__ = (UniqueConstraint("cooperative_id", "source_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    competition_name: Mapped[str | None] = mapped_column(String(200))
    event_name: Mapped[str | None] = mapped_column(String(200))
    rank_label: Mapped[str | None] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(SmallInteger)
    # Who wrote it, so a corrected result updates the same row (e.g. "result:12:entry:34").
    source_ref: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cooperative: Mapped[Cooperative] = relationship(back_populates="achievements")


class ImportJob(db.Model):
    """A registry import the office started on the web, run by the scheduler process in the
    background (harkop/cooperatives/import_jobs.py): the file waits in the upload folder, the row
    says where it stands, and the report is kept for the page."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "import", or another kind a package registered (import_jobs.register_runner), e.g. the
    # office's "inactive_report": the same queue, progress and page machinery for both.
    kind: Mapped[str] = mapped_column(String(20), default="import", server_default="import")
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80))
    fmt: Mapped[str] = mapped_column(String(4))
    dry_run: Mapped[bool] = mapped_column(default=False)
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(String(120))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
