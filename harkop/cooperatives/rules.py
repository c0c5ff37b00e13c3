"""RAT deadlines, grade and active status (docs/domain.md §3): pure functions of plain data and `today`.

- A RAT for book year Y is due by 30 June of Y+1 (UU 25/1992 ps. 22–26; Permenkop 19/2015).
- The last three book years on a day are the three latest whose deadline has passed:
  on 26 July 2024 they are 2023, 2022, 2021; on 1 June 2024 they are 2022, 2021, 2020
  (on 30 June itself the RAT may still be held that day, so the deadline has not passed).
- Grade (RAT reporting, never health): A = RAT for each of the last three book years; B = two of
  three; C1 = one, founded within the last three years; C2 = one, older than three years;
  D = none. A cooperative founded after the latest of those book years has no grade yet (None).
- `rat_terlambat`: no RAT for the latest book year whose deadline has passed.
- Inactive (tidak aktif): no RAT three book years in a row (only years the cooperative existed
  count as missed), or any reason the office has set and not cleared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .vocab import CoopStatus, Grade, ReasonCode

DEADLINE_MONTH, DEADLINE_DAY = 6, 30
MISSED_FOR_INACTIVE = 3
# How far back the missed-in-a-row count looks (the sanction ladder needs no more).
MISSED_COUNT_CAP = 10


def rat_deadline(book_year: int) -> date:
    """The last day a RAT for this (calendar) book year may be held: 30 June of the next year."""
    return date(book_year + 1, DEADLINE_MONTH, DEADLINE_DAY)


def latest_due_book_year(today: date) -> int:
    """The most recent book year whose RAT deadline has passed on `today`."""
    return today.year - 1 if today > date(today.year, DEADLINE_MONTH, DEADLINE_DAY) else today.year - 2


def last_three_book_years(today: date) -> tuple[int, int, int]:
    """The three most recent book years whose RAT deadline has passed, newest first."""
    latest = latest_due_book_year(today)
    return (latest, latest - 1, latest - 2)


def founding_date(founded_on: date | None, badan_hukum_on: date | None) -> date | None:
    """The founding date the rules use: the recorded one, else the badan hukum date."""
    return founded_on or badan_hukum_on


def _three_years_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 3)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 3, day=28)


def founded_within_three_years(founded: date | None, today: date) -> bool:
    """True when founded less than three years before `today` (unknown founding counts as older)."""
    return founded is not None and founded > _three_years_before(today)


def existed_in(book_year: int, founded: date | None) -> bool:
    """True when a cooperative founded then existed in that book year (unknown founding: yes)."""
    return founded is None or founded.year <= book_year


def compute_grade(rat_years: Iterable[int], *, founded: date | None, today: date) -> Grade | None:
    """Grade A/B/C1/C2/D from RAT book years over the last three book years; None when too new."""
    window = last_three_book_years(today)
    if founded is not None and founded.year > window[0]:
        return None
    years = set(rat_years)
    held = sum(1 for y in window if y in years)
    if held == 3:
        return Grade.a
    if held == 2:
        return Grade.b
    if held == 1:
        return Grade.c1 if founded_within_three_years(founded, today) else Grade.c2
    return Grade.d


def missed_in_a_row(rat_years: Iterable[int], *, founded: date | None, today: date) -> int:
    """How many book years in a row, back from the latest due one, have no RAT (capped at 10)."""
    years = set(rat_years)
    count = 0
    year = latest_due_book_year(today)
    while count < MISSED_COUNT_CAP and existed_in(year, founded) and year not in years:
        count += 1
        year -= 1
    return count


@dataclass(frozen=True)
class StatusResult:
    """Harkop's computed standing of a cooperative on one day."""

    status: CoopStatus
    reasons: tuple[str, ...]  # office reasons in force, plus `tidak_rat` when computed
    rat_terlambat: bool
    missed_in_a_row: int
    grade: Grade | None
    book_years: tuple[int, int, int]


def compute_status(
    rat_years: Iterable[int],
    *,
    founded: date | None,
    open_reasons: Iterable[str],
    today: date,
) -> StatusResult:
    """Status, reasons, lateness and grade from RAT book years, founding date and office reasons."""
    years = frozenset(rat_years)
    window = last_three_book_years(today)
    missed = missed_in_a_row(years, founded=founded, today=today)
    reasons = list(dict.fromkeys(str(r) for r in open_reasons))
    if missed >= MISSED_FOR_INACTIVE and ReasonCode.tidak_rat.value not in reasons:
        reasons.insert(0, ReasonCode.tidak_rat.value)
    late = existed_in(window[0], founded) and window[0] not in years
    status = CoopStatus.tidak_aktif if reasons else CoopStatus.aktif
    return StatusResult(
        status=status,
        reasons=tuple(reasons),
        rat_terlambat=late,
        missed_in_a_row=missed,
        grade=compute_grade(years, founded=founded, today=today),
        book_years=window,
    )
