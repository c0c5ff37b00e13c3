"""Eligibility rules as pure functions: CooperativeFacts built by hand, no database, no request."""

from __future__ import annotations

from datetime import date

import pytest

from harkop.competitions import eligibility as el
from harkop.cooperatives.services import CooperativeFacts
from harkop.cooperatives.vocab import ReasonCode

TODAY = date(2024, 7, 10)


def facts(**overrides) -> CooperativeFacts:
    values = {
        "id": 1,
        "nik": "6471010000000001",
        "name": "Koperasi Uji",
        "is_active": True,
        "inactive_reasons": (),
        "rat_book_years": frozenset({2022, 2023}),
        "predikat": "cukup_sehat",
        "predikat_examined_on": date(2024, 5, 14),
        "jenis": "konsumen",
        "grade": "A",
    }
    values.update(overrides)
    return CooperativeFacts(**values)


def check(f: CooperativeFacts, rules: el.EligibilityRules, *, today: date = TODAY, count: int = 0, **kw):
    return el.check_eligibility(f, rules, event_year=2024, today=today, entry_count=count, **kw)


RULES = el.EligibilityRules()


def test_an_active_cooperative_with_rat_passes_the_default_rules():
    """The default rules (active, RAT for the previous book year, limit 1) let a sound cooperative in."""
    decision = check(facts(), RULES)
    assert decision.eligible
    assert decision.failures == ()
    assert decision.checked_on == TODAY


def test_an_inactive_cooperative_is_refused_with_not_active_and_its_reasons():
    """An inactive cooperative gets `not_active`, and the reason names the registry's own reasons."""
    decision = check(facts(is_active=False, inactive_reasons=("tidak_rat",)), RULES)
    assert not decision.eligible
    assert decision.codes == ["not_active"]
    assert ReasonCode.tidak_rat.label in decision.failures[0].reason  # the registry's one label


def test_inactive_passes_when_the_rule_is_off():
    """With require_active off, an inactive cooperative is not refused for it."""
    rules = el.EligibilityRules(require_active=False)
    assert check(facts(is_active=False), rules).eligible


@pytest.mark.parametrize(
    ("years", "ok"),
    [({2023}, True), ({2022, 2023}, True), ({2022}, False), (set(), False), ({2024}, False)],
)
def test_rat_must_be_held_for_the_book_year_before_the_events_year(years, ok):
    """For a 2024 event the RAT of book year 2023 counts, no other year does."""
    decision = check(facts(rat_book_years=frozenset(years)), RULES)
    assert decision.eligible is ok
    if not ok:
        assert decision.codes == ["rat_missing"]
        assert "2023" in decision.failures[0].reason


def test_rat_year_follows_the_event_year():
    """A 2025 event asks for the RAT of 2024."""
    decision = el.check_eligibility(
        facts(rat_book_years=frozenset({2023})), RULES, event_year=2025, today=TODAY, entry_count=0
    )
    assert decision.codes == ["rat_missing"]
    assert "2024" in decision.failures[0].reason


@pytest.mark.parametrize(
    ("predikat", "ok"),
    [
        ("sehat", True),
        ("cukup_sehat", True),  # equal to the minimum: inside
        ("dalam_pengawasan", False),
        ("dalam_pengawasan_khusus", False),
        (None, False),
    ],
)
def test_predikat_must_be_at_least_the_minimum(predikat, ok):
    """A minimum of Cukup Sehat admits Cukup Sehat and Sehat, refuses the rest and the unassessed."""
    rules = el.EligibilityRules(min_predikat="cukup_sehat")
    decision = check(facts(predikat=predikat), rules)
    assert decision.eligible is ok
    if not ok:
        assert decision.codes == ["predikat_too_low"]


def test_an_unknown_minimum_predikat_is_a_programming_error():
    """Rules with a predikat that does not exist cannot be built."""
    with pytest.raises(ValueError):
        el.EligibilityRules(min_predikat="luar_biasa")


@pytest.mark.parametrize(
    ("examined", "ok"),
    [
        (date(2022, 7, 9), False),  # one day before the boundary: too old
        (date(2022, 7, 10), True),  # exactly two years: still counts
        (date(2022, 7, 11), True),
        (date(2024, 7, 10), True),  # examined today
    ],
)
def test_assessment_may_be_at_most_n_years_old(examined, ok):
    """Two years before today is the boundary, inclusive."""
    rules = el.EligibilityRules(min_predikat="dalam_pengawasan_khusus", max_assessment_age_years=2)
    decision = check(facts(predikat_examined_on=examined), rules)
    assert decision.eligible is ok
    if not ok:
        assert decision.codes == ["assessment_too_old"]


def test_assessment_age_on_a_leap_day():
    """On 29 February, 'one year ago' is 28 February of the year before."""
    rules = el.EligibilityRules(max_assessment_age_years=1)
    leap = date(2024, 2, 29)
    assert check(facts(predikat_examined_on=date(2023, 2, 28)), rules, today=leap).eligible
    assert check(facts(predikat_examined_on=date(2023, 2, 27)), rules, today=leap).codes == [
        "assessment_too_old"
    ]


def test_age_rule_alone_refuses_a_cooperative_never_assessed():
    """With only an age limit, no assessment at all is `assessment_too_old`."""
    rules = el.EligibilityRules(max_assessment_age_years=2)
    assert check(facts(predikat=None, predikat_examined_on=None), rules).codes == ["assessment_too_old"]


def test_never_assessed_with_a_minimum_is_reported_once():
    """No assessment under a minimum predikat and an age limit gives `predikat_too_low` only."""
    rules = el.EligibilityRules(min_predikat="sehat", max_assessment_age_years=2)
    assert check(facts(predikat=None, predikat_examined_on=None), rules).codes == ["predikat_too_low"]


@pytest.mark.parametrize(
    ("jenis", "ok"), [("produsen", True), ("pemasaran", True), ("konsumen", False), (None, False)]
)
def test_jenis_must_be_in_the_list(jenis, ok):
    """Only the listed jenis may enter; an unknown jenis is refused too."""
    rules = el.EligibilityRules(allowed_jenis=frozenset({"produsen", "pemasaran"}))
    decision = check(facts(jenis=jenis), rules)
    assert decision.eligible is ok
    if not ok:
        assert decision.codes == ["jenis_not_allowed"]
        assert "Produsen" in decision.failures[0].reason


def test_an_empty_jenis_list_allows_every_jenis():
    """No list means no jenis rule."""
    assert check(facts(jenis="simpan_pinjam"), RULES).eligible


@pytest.mark.parametrize(("count", "limit", "ok"), [(0, 1, True), (1, 1, False), (1, 2, True), (2, 2, False)])
def test_per_cooperative_limit(count, limit, ok):
    """A cooperative with as many active entries as the limit gets `limit_reached`."""
    rules = el.EligibilityRules(per_cooperative_limit=limit)
    decision = check(facts(), rules, count=count)
    assert decision.eligible is ok
    if not ok:
        assert decision.codes == ["limit_reached"]


def test_every_failing_rule_is_reported_with_its_own_code_and_reason():
    """A cooperative failing all rules hears about each of them, in a stable order."""
    rules = el.EligibilityRules(
        min_predikat="sehat", max_assessment_age_years=1, allowed_jenis=frozenset({"produsen"})
    )
    bad = facts(
        is_active=False,
        rat_book_years=frozenset(),
        predikat="dalam_pengawasan",
        predikat_examined_on=date(2020, 1, 1),
        jenis="jasa",
    )
    decision = check(bad, rules, count=1)
    assert decision.codes == [
        "not_active",
        "rat_missing",
        "predikat_too_low",
        "assessment_too_old",
        "jenis_not_allowed",
        "limit_reached",
    ]
    reasons = [f.reason for f in decision.failures]
    assert len(set(reasons)) == len(reasons)
    assert all(r and r[0].isupper() for r in reasons)
    assert decision.as_dict()["reasons"][0] == {"code": "not_active", "message": reasons[0]}


def test_an_exception_waives_the_registry_rules_but_not_the_limit():
    """With an office exception the registry failures are kept as waived; the limit still counts."""
    bad = facts(is_active=False, rat_book_years=frozenset())
    waived = check(bad, RULES, exception_reason="Juara bertahan 2023")
    assert waived.eligible
    assert [f.code for f in waived.waived] == ["not_active", "rat_missing"]
    assert waived.as_dict()["exception"] == "Juara bertahan 2023"
    over = check(bad, RULES, count=1, exception_reason="Juara bertahan 2023")
    assert over.codes == ["limit_reached"]


def test_count_qualifying_counts_and_breaks_down_the_failures():
    """The office's count: how many pass, and how many fail each rule (the limit aside)."""
    population = [
        facts(id=1),
        facts(id=2, is_active=False),
        facts(id=3, rat_book_years=frozenset()),
        facts(id=4, is_active=False, rat_book_years=frozenset()),
    ]
    count = el.count_qualifying(population, RULES, event_year=2024, today=TODAY)
    assert (count.total, count.qualifying) == (4, 1)
    assert count.failing == {"not_active": 2, "rat_missing": 2}


def test_rules_of_a_competition_object():
    """EligibilityRules.of reads the rule attributes of any competition-like object."""

    class Comp:
        require_active = False
        require_rat_previous_year = True
        min_predikat = ""
        max_assessment_age_years = 3
        allowed_jenis = ["jasa"]
        per_cooperative_limit = 2

    rules = el.EligibilityRules.of(Comp())
    assert rules == el.EligibilityRules(
        require_active=False,
        require_rat_previous_year=True,
        min_predikat=None,
        max_assessment_age_years=3,
        allowed_jenis=frozenset({"jasa"}),
        per_cooperative_limit=2,
    )
