"""The office's registry dashboard: aggregates computed in SQL (GROUP BY and conditional sums).

The registry's categorical columns (kecamatan, Harkop's status, grade and predikat, the
Ministry's ODS status and grade) are counted in **one** grouped scan (`registry_counts`): at most
a few thousand groups, whatever the registry's size, which the functions below fold into each
view. RAT compliance takes two more queries. Everything reads the cached columns (refreshed by
every change and by the daily job), so the page stays fast at a national registry's 130,000.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select

from .. import clock
from ..cooperatives import reference, rules
from ..cooperatives.labels import NO_GRADE_LABEL, NO_JENIS_LABEL, NO_KECAMATAN_LABEL, NOT_ASSESSED_LABEL
from ..cooperatives.models import Cooperative, RatRecord
from ..cooperatives.vocab import CoopStatus, Grade, Jenis, Predikat
from ..extensions import db


@dataclass(frozen=True)
class KecamatanStatus:
    """Active and inactive cooperatives in one kecamatan."""

    label: Any  # a kecamatan's name, or the lazy "no kecamatan" label
    active: int
    inactive: int

    @property
    def total(self) -> int:
        """Both together."""
        return self.active + self.inactive


# (kecamatan, status, predikat, grade, ods_status, ods_grade) -> number of cooperatives
Counts = dict[tuple[Any, ...], int]


def registry_counts() -> Counts:
    """The registry counted by its categorical columns, in one GROUP BY over the table."""
    columns = (
        Cooperative.kecamatan_code,
        Cooperative.status,
        Cooperative.predikat,
        Cooperative.grade,
        Cooperative.ods_status,
        Cooperative.ods_grade,
    )
    rows = db.session.execute(select(*columns, func.count()).group_by(*columns))
    return {tuple(row[:-1]): int(row[-1]) for row in rows}


def _tally(counts: Counts, index: int) -> Counter:
    tally: Counter = Counter()
    for key, n in counts.items():
        tally[key[index]] += n
    return tally


def status_by_kecamatan(counts: Counts | None = None) -> list[KecamatanStatus]:
    """Active and inactive cooperatives per kecamatan, in the reference order."""
    counts = registry_counts() if counts is None else counts
    per: dict[Any, Counter] = {}
    for (kec, status, *_rest), n in counts.items():
        per.setdefault(kec, Counter())[status] += n
    rows = []
    for code, name in reference.KECAMATAN.items():
        found = per.pop(code, Counter())
        rows.append(KecamatanStatus(name, found[CoopStatus.aktif], found[CoopStatus.tidak_aktif]))
    for code, found in per.items():
        label = NO_KECAMATAN_LABEL if code is None else str(code)
        rows.append(KecamatanStatus(label, found[CoopStatus.aktif], found[CoopStatus.tidak_aktif]))
    return rows


def predikat_distribution(counts: Counts | None = None) -> list[tuple[str, Any, int]]:
    """(value, label, count) per current predikat, then those never assessed."""
    tally = _tally(registry_counts() if counts is None else counts, 2)
    rows = [(p.value, p.lazy_label, tally[p]) for p in Predikat]
    rows.append(("belum_dinilai", NOT_ASSESSED_LABEL, tally[None]))
    return rows


def grade_distribution(counts: Counts | None = None) -> list[tuple[Any, int, int]]:
    """(grade, Harkop's count, the Ministry's count), plus the ungraded."""
    counts = registry_counts() if counts is None else counts
    harkop, ods = _tally(counts, 3), _tally(counts, 5)
    rows: list[tuple[Any, int, int]] = [(g.label, harkop[g], ods[g]) for g in Grade]
    rows.append((NO_GRADE_LABEL, harkop[None], ods[None]))
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
    def held(self) -> int:
        """Cooperatives whose RAT for the year is recorded, on time or late."""
        return self.on_time + self.late

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


def status_by_jenis() -> list[KecamatanStatus]:
    """Active and inactive cooperatives per jenis (one GROUP BY), in the vocabulary's order."""
    per: dict[Any, Counter] = {}
    rows = db.session.execute(
        select(Cooperative.jenis, Cooperative.status, func.count()).group_by(
            Cooperative.jenis, Cooperative.status
        )
    )
    for jenis, status, n in rows:
        per.setdefault(jenis, Counter())[status] += int(n)
    result = []
    for member in Jenis:
        found = per.pop(member, Counter())
        result.append(
            KecamatanStatus(member.lazy_label, found[CoopStatus.aktif], found[CoopStatus.tidak_aktif])
        )
    found = per.pop(None, Counter())
    if found:
        result.append(KecamatanStatus(NO_JENIS_LABEL, found[CoopStatus.aktif], found[CoopStatus.tidak_aktif]))
    return result


@dataclass(frozen=True)
class RegistryFigures:
    """The registry's headline figures, as the office dashboard and the public statistics page show them.

    Both pages read this one computation, so they cannot disagree.
    """

    today: date
    total: int
    active: int
    inactive: int
    rat: RatYear  # the latest book year whose RAT is due
    predikat: list[tuple[str, Any, int]]  # (value, label, count), "belum_dinilai" last
    by_kecamatan: list[KecamatanStatus]
    by_jenis: list[KecamatanStatus]

    @property
    def assessed(self) -> int:
        """Cooperatives with a current predikat."""
        return sum(n for value, _label, n in self.predikat if value != "belum_dinilai")

    def predikat_count(self, value: str) -> int:
        """How many cooperatives hold this predikat (or "belum_dinilai")."""
        return next((n for v, _label, n in self.predikat if v == value), 0)


def registry_figures(counts: Counts | None = None, *, today: date | None = None) -> RegistryFigures:
    """Total, active and inactive, RAT held for the latest due book year, predikat, by kecamatan and jenis."""
    counts = registry_counts() if counts is None else counts
    today = today or clock.today()
    status = _tally(counts, 1)
    return RegistryFigures(
        today=today,
        total=sum(counts.values()),
        active=status[CoopStatus.aktif],
        inactive=status[CoopStatus.tidak_aktif],
        rat=rat_compliance(today=today, years=1)[0],
        predikat=predikat_distribution(counts),
        by_kecamatan=status_by_kecamatan(counts),
        by_jenis=status_by_jenis(),
    )


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


def _ordered(pairs: Counter) -> list[tuple[str, str, int]]:
    return [(ods, ours, n) for (ods, ours), n in pairs.most_common()]


def disagreements(counts: Counts | None = None) -> Disagreements:
    """Counts and pairs of ODS vs Harkop values where both are known and differ."""
    counts = registry_counts() if counts is None else counts
    status_pairs: Counter = Counter()
    grade_pairs: Counter = Counter()
    compared_status = compared_grade = 0
    for (_kec, status, _predikat, grade, ods_status, ods_grade), n in counts.items():
        if status is not None and ods_status is not None:
            compared_status += n
            if status != ods_status:
                status_pairs[(ods_status.value, status.value)] += n
        if grade is not None and ods_grade is not None:
            compared_grade += n
            if grade != ods_grade:
                grade_pairs[(ods_grade.label, grade.label)] += n
    return Disagreements(
        status=sum(status_pairs.values()),
        grade=sum(grade_pairs.values()),
        status_pairs=_ordered(status_pairs),
        grade_pairs=_ordered(grade_pairs),
        compared_status=compared_status,
        compared_grade=compared_grade,
    )


DISAGREEMENT_KINDS = ("status", "grade")


def disagreement_query(kind: str) -> Select:
    """The cooperatives whose ODS status (or grade) differs from Harkop's, by name."""
    if kind == "grade":
        condition = _differs(Cooperative.ods_grade, Cooperative.grade)
    else:
        condition = _differs(Cooperative.ods_status, Cooperative.status)
    return select(Cooperative).where(condition).order_by(Cooperative.name, Cooperative.id)
