"""The office's registry dashboard: aggregates computed in SQL (GROUP BY and conditional sums).

Each function runs one or two queries whatever the registry's size, and reads Harkop's cached
status, grade and predikat columns (refreshed by every change and by the daily job), so the
dashboard stays fast at a national registry's 130,000 cooperatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, or_, select

from .. import clock
from ..extensions import db
from . import reference, rules
from .models import Cooperative, RatRecord
from .vocab import GRADE_LABELS, PREDIKAT_LABELS, CoopStatus, Grade, Predikat


@dataclass(frozen=True)
class KecamatanStatus:
    """Active and inactive cooperatives in one kecamatan."""

    label: str
    active: int
    inactive: int

    @property
    def total(self) -> int:
        """Both together."""
        return self.active + self.inactive


def status_by_kecamatan() -> list[KecamatanStatus]:
    """Active and inactive cooperatives per kecamatan, in the reference order (one query)."""
    counts: dict[str | None, dict[CoopStatus, int]] = {}
    stmt = select(Cooperative.kecamatan_code, Cooperative.status, func.count()).group_by(
        Cooperative.kecamatan_code, Cooperative.status
    )
    for kec, status, n in db.session.execute(stmt):
        counts.setdefault(kec, {})[status] = int(n)
    rows = []
    for code, name in reference.KECAMATAN.items():
        found = counts.pop(code, {})
        rows.append(
            KecamatanStatus(name, found.get(CoopStatus.aktif, 0), found.get(CoopStatus.tidak_aktif, 0))
        )
    for code, found in counts.items():
        label = "Tanpa kecamatan" if code is None else str(code)
        rows.append(
            KecamatanStatus(label, found.get(CoopStatus.aktif, 0), found.get(CoopStatus.tidak_aktif, 0))
        )
    return rows


def predikat_distribution() -> list[tuple[str, str, int]]:
    """(value, label, count) per current predikat, then those never assessed (one query)."""
    counts = dict(
        db.session.execute(select(Cooperative.predikat, func.count()).group_by(Cooperative.predikat)).all()
    )
    rows = [(p.value, PREDIKAT_LABELS[p], int(counts.get(p, 0))) for p in Predikat]
    rows.append(("belum_dinilai", "Belum dinilai", int(counts.get(None, 0))))
    return rows


def grade_distribution() -> list[tuple[str, int, int]]:
    """(grade, Harkop's count, the Ministry's count), plus the ungraded (two grouped queries)."""
    harkop = dict(
        db.session.execute(select(Cooperative.grade, func.count()).group_by(Cooperative.grade)).all()
    )
    ods = dict(
        db.session.execute(select(Cooperative.ods_grade, func.count()).group_by(Cooperative.ods_grade)).all()
    )
    rows = [(GRADE_LABELS[g], int(harkop.get(g, 0)), int(ods.get(g, 0))) for g in Grade]
    rows.append(("Tanpa grade", int(harkop.get(None, 0)), int(ods.get(None, 0))))
    return rows


@dataclass(frozen=True)
class RatYear:
    """RAT compliance for one book year among the cooperatives that existed in it."""

    book_year: int
    existing: int
    on_time: int
    late: int

    @property
    def none(self) -> int:
        """Cooperatives with no RAT recorded for the year."""
        return max(self.existing - self.on_time - self.late, 0)

    @property
    def percent_on_time(self) -> float:
        """On-time share in percent."""
        return round(100.0 * self.on_time / self.existing, 1) if self.existing else 0.0


def rat_compliance(*, today: date | None = None, years: int = 5) -> list[RatYear]:
    """On time, late and missing RATs for the last `years` due book years, newest first (two queries)."""
    today = today or clock.today()
    latest = rules.latest_due_book_year(today)
    book_years = [latest - i for i in range(years)]
    founding = func.coalesce(Cooperative.founded_on, Cooperative.badan_hukum_on)
    existing_row = db.session.execute(
        select(
            *[
                func.coalesce(
                    func.sum(case((or_(founding.is_(None), founding < date(y + 1, 1, 1)), 1), else_=0)), 0
                )
                for y in book_years
            ]
        ).select_from(Cooperative)
    ).one()
    deadline = case({y: rules.rat_deadline(y) for y in book_years}, value=RatRecord.book_year)
    late = case((and_(RatRecord.held_on.is_not(None), RatRecord.held_on > deadline), 1), else_=0)
    held = {
        int(y): (int(n), int(n_late or 0))
        for y, n, n_late in db.session.execute(
            select(RatRecord.book_year, func.count(), func.sum(late))
            .where(RatRecord.book_year.in_(book_years))
            .group_by(RatRecord.book_year)
        )
    }
    result = []
    for index, year in enumerate(book_years):
        n, n_late = held.get(year, (0, 0))
        result.append(RatYear(year, int(existing_row[index]), n - n_late, n_late))
    return result


@dataclass(frozen=True)
class Disagreements:
    """Where the Ministry's record (ODS) and Harkop's computation differ."""

    status: int
    grade: int
    status_pairs: list[tuple[str, str, int]]  # (ODS, Harkop, count)
    grade_pairs: list[tuple[str, str, int]]
    compared_status: int
    compared_grade: int


def _differs(ods, ours):
    return and_(ods.is_not(None), ours.is_not(None), ods != ours)


def disagreements() -> Disagreements:
    """Counts and pairs of ODS vs Harkop values where both are known and differ (four small queries)."""
    status_pairs = [
        (str(o.value), str(h.value), int(n))
        for o, h, n in db.session.execute(
            select(Cooperative.ods_status, Cooperative.status, func.count())
            .where(_differs(Cooperative.ods_status, Cooperative.status))
            .group_by(Cooperative.ods_status, Cooperative.status)
            .order_by(func.count().desc())
        )
    ]
    grade_pairs = [
        (GRADE_LABELS[o], GRADE_LABELS[h], int(n))
        for o, h, n in db.session.execute(
            select(Cooperative.ods_grade, Cooperative.grade, func.count())
            .where(_differs(Cooperative.ods_grade, Cooperative.grade))
            .group_by(Cooperative.ods_grade, Cooperative.grade)
            .order_by(func.count().desc())
        )
    ]
    compared_status = db.session.scalar(
        select(func.count()).where(Cooperative.ods_status.is_not(None), Cooperative.status.is_not(None))
    )
    compared_grade = db.session.scalar(
        select(func.count()).where(Cooperative.ods_grade.is_not(None), Cooperative.grade.is_not(None))
    )
    return Disagreements(
        status=sum(n for _o, _h, n in status_pairs),
        grade=sum(n for _o, _h, n in grade_pairs),
        status_pairs=status_pairs,
        grade_pairs=grade_pairs,
        compared_status=compared_status or 0,
        compared_grade=compared_grade or 0,
    )


DISAGREEMENT_KINDS = ("status", "grade")


def disagreement_query(kind: str) -> Select:
    """The cooperatives whose ODS status (or grade) differs from Harkop's, by name."""
    if kind == "grade":
        condition = _differs(Cooperative.ods_grade, Cooperative.grade)
    else:
        condition = _differs(Cooperative.ods_status, Cooperative.status)
    return select(Cooperative).where(condition).order_by(Cooperative.name, Cooperative.id)
