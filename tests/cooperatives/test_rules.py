"""RAT deadline, grade and status rules (docs/domain.md §3), before and after each deadline."""

from __future__ import annotations

from datetime import date

import pytest

from harkop.cooperatives.rules import (
    compute_grade,
    compute_status,
    founded_within_three_years,
    last_three_book_years,
    missed_in_a_row,
    rat_deadline,
)
from harkop.cooperatives.vocab import CoopStatus, Grade

OLD = date(2010, 3, 1)


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (date(2024, 7, 26), (2023, 2022, 2021)),
        (date(2024, 6, 1), (2022, 2021, 2020)),
        (date(2024, 6, 30), (2022, 2021, 2020)),  # the deadline day itself: RAT may still be held
        (date(2024, 7, 1), (2023, 2022, 2021)),
        (date(2024, 1, 1), (2022, 2021, 2020)),
        (date(2024, 12, 31), (2023, 2022, 2021)),
    ],
)
def test_last_three_book_years(today, years):
    """The three latest book years whose 30 June deadline has passed."""
    assert last_three_book_years(today) == years


def test_rat_deadline_is_30_june_of_the_next_year():
    """A calendar book year's RAT is due six months after it ends."""
    assert rat_deadline(2023) == date(2024, 6, 30)


@pytest.mark.parametrize(
    ("rats", "founded", "today", "grade"),
    [
        ({2021, 2022, 2023}, OLD, date(2024, 7, 26), Grade.a),
        ({2021, 2022, 2023}, OLD, date(2024, 6, 1), Grade.b),  # 2023 not yet in the window
        ({2020, 2021, 2022}, OLD, date(2024, 6, 1), Grade.a),
        ({2020, 2021, 2022}, OLD, date(2024, 7, 26), Grade.b),  # 2020 left the window
        ({2022, 2023}, OLD, date(2024, 7, 26), Grade.b),
        ({2021, 2023}, OLD, date(2024, 7, 26), Grade.b),
        ({2023}, OLD, date(2024, 7, 26), Grade.c2),
        ({2023}, None, date(2024, 7, 26), Grade.c2),  # unknown founding counts as older
        ({2023}, date(2022, 2, 1), date(2024, 7, 26), Grade.c1),
        ({2023}, date(2021, 7, 27), date(2024, 7, 26), Grade.c1),  # founded 2 years 364 days ago
        ({2023}, date(2021, 7, 26), date(2024, 7, 26), Grade.c2),  # exactly three years ago
        ({2019, 2020}, OLD, date(2024, 7, 26), Grade.d),
        (set(), OLD, date(2024, 7, 26), Grade.d),
        (set(), date(2024, 2, 1), date(2024, 7, 26), None),  # no book year due yet
        ({2023}, date(2023, 5, 1), date(2024, 7, 26), Grade.c1),
        ({2022}, date(2023, 5, 1), date(2024, 6, 1), None),  # founded after book year 2022
    ],
)
def test_grade(rats, founded, today, grade):
    """A/B/C1/C2/D count RATs over the last three book years; C1 vs C2 by founding date."""
    assert compute_grade(rats, founded=founded, today=today) == grade


def test_founded_within_three_years_handles_29_february():
    """Three years before 29 February is 28 February."""
    assert founded_within_three_years(date(2021, 3, 1), date(2024, 2, 29))
    assert not founded_within_three_years(date(2021, 2, 28), date(2024, 2, 29))


def test_late_rat_before_and_after_the_deadline():
    """Without a RAT for 2023: not late on 30 June 2024, late from 1 July 2024."""
    rats = {2021, 2022}
    before = compute_status(rats, founded=OLD, open_reasons=(), today=date(2024, 6, 30))
    after = compute_status(rats, founded=OLD, open_reasons=(), today=date(2024, 7, 1))
    assert not before.rat_terlambat
    assert after.rat_terlambat
    assert after.status == CoopStatus.aktif


def test_rat_held_clears_lateness():
    """With a RAT for 2023 recorded, 2023 is not late after the deadline."""
    result = compute_status({2023}, founded=OLD, open_reasons=(), today=date(2024, 7, 26))
    assert not result.rat_terlambat


def test_three_missed_rats_make_inactive_only_after_the_third_deadline():
    """Last RAT for 2020: two missed (aktif) until 30 June 2024, three missed (tidak aktif) on 1 July."""
    rats = {2018, 2019, 2020}
    before = compute_status(rats, founded=OLD, open_reasons=(), today=date(2024, 6, 30))
    after = compute_status(rats, founded=OLD, open_reasons=(), today=date(2024, 7, 1))
    assert (before.status, before.missed_in_a_row, before.reasons) == (CoopStatus.aktif, 2, ())
    assert (after.status, after.missed_in_a_row, after.reasons) == (CoopStatus.tidak_aktif, 3, ("tidak_rat",))
    assert after.grade == Grade.d


def test_missed_years_before_founding_do_not_count():
    """A cooperative founded in 2022 without any RAT has missed two years, not three: still aktif."""
    result = compute_status(set(), founded=date(2022, 3, 1), open_reasons=(), today=date(2024, 7, 26))
    assert result.missed_in_a_row == 2
    assert result.status == CoopStatus.aktif
    assert result.rat_terlambat


def test_missed_count_is_capped():
    """A cooperative that never held a RAT counts at most ten missed years."""
    assert missed_in_a_row(set(), founded=None, today=date(2024, 7, 26)) == 10


def test_an_open_office_reason_makes_inactive_whatever_the_rat_history():
    """Any reason the office set and did not clear makes the cooperative tidak aktif."""
    result = compute_status(
        {2021, 2022, 2023}, founded=OLD, open_reasons=["pengurus_tidak_kompak"], today=date(2024, 7, 26)
    )
    assert result.status == CoopStatus.tidak_aktif
    assert result.reasons == ("pengurus_tidak_kompak",)
    assert result.grade == Grade.a


def test_computed_and_office_reasons_are_listed_once():
    """A computed `tidak_rat` is not repeated when the office set it too."""
    result = compute_status(
        set(), founded=OLD, open_reasons=["tidak_rat", "tidak_melapor"], today=date(2024, 7, 26)
    )
    assert result.reasons == ("tidak_rat", "tidak_melapor")
