"""Score aggregation (harkop/judging/scoring.py): hand-computed cases and properties.

These are pure functions: no app, no database.
"""

from __future__ import annotations

import decimal
import json
import random
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harkop.judging.scoring import (
    STRATEGIES,
    Aggregate,
    AggregationStrategy,
    Criterion,
    Scorecard,
    ScoringError,
    aggregate_totals,
    award_for_rank,
    compute_results,
    display,
    get_strategy,
    judge_total,
    quantize,
    rank_entries,
    register_strategy,
)

# One criterion scored 0..100 with weight 1: a judge's total is simply their score.
PLAIN = [Criterion("q", 1, 100, 1)]


def plain_cards(table: dict) -> list[Scorecard]:
    """Scorecards for PLAIN from {entry: {judge: total}}."""
    return [Scorecard(j, e, {"q": v}) for e, judges in table.items() for j, v in judges.items()]


def codes(excinfo) -> str:
    return excinfo.value.code


# --------------------------------------------------------------------------- per-judge total


def test_judge_total_weights_each_criterion_by_its_share_and_scale():
    """Is S = 100·Σ wᶜ·sᶜ/Mᶜ with weights normalised? (2,1,1) → ½,¼,¼: 100·(.35+.2+.125) = 67.5."""
    rubric = [Criterion("A", 2, 10, 1), Criterion("B", 1, 5, 2), Criterion("C", 1, 4, 3)]
    assert judge_total(rubric, {"A": 7, "B": 4, "C": 2}) == D("67.5")


def test_judge_total_depends_only_on_weight_ratios():
    """Do weights 20/10/10 give the same total as 2/1/1?"""
    small = [Criterion("A", 2, 10, 1), Criterion("B", 1, 5, 2), Criterion("C", 1, 4, 3)]
    large = [Criterion("A", 20, 10, 1), Criterion("B", 10, 5, 2), Criterion("C", 10, 4, 3)]
    scores = {"A": 7, "B": 4, "C": 2}
    assert judge_total(small, scores) == judge_total(large, scores)


def test_judge_total_is_0_and_100_at_the_ends_of_the_scale():
    """Is the lowest card 0 and the full card 100, whatever the scales?"""
    rubric = [Criterion("A", 3, 7, 1), Criterion("B", 5, D("2.5"), 2)]
    assert judge_total(rubric, {"A": 0, "B": 0}) == 0
    assert judge_total(rubric, {"A": 7, "B": D("2.5")}) == 100


def test_judge_total_accepts_floats_and_numeric_strings_exactly():
    """Are 7.5 (float) and "7.5" (string) read as exactly 7.5?"""
    rubric = [Criterion("A", 1, 10, 1)]
    assert judge_total(rubric, {"A": 7.5}) == judge_total(rubric, {"A": "7.5"}) == D(75)


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ({"A": 11, "B": 1}, "score_out_of_range"),
        ({"A": -1, "B": 1}, "score_out_of_range"),
        ({"A": D("10.0001"), "B": 1}, "score_out_of_range"),
        ({"A": 5}, "missing_score"),
        ({"A": 5, "B": 1, "Z": 1}, "unknown_criterion"),
        ({"A": True, "B": 1}, "invalid_number"),
        ({"A": "lima", "B": 1}, "invalid_number"),
        ({"A": float("nan"), "B": 1}, "invalid_number"),
        ({"A": D("Infinity"), "B": 1}, "invalid_number"),
        ({"A": None, "B": 1}, "invalid_number"),
        ({"A": [5], "B": 1}, "invalid_number"),
        ({"A": D("1e-30"), "B": 1}, "invalid_number"),
    ],
)
def test_bad_scores_are_refused_with_a_code(scores, code):
    """Is every malformed or out-of-range score refused with its code (a ValueError)?"""
    rubric = [Criterion("A", 1, 10, 1), Criterion("B", 1, 1, 2)]
    with pytest.raises(ScoringError) as excinfo:
        judge_total(rubric, scores)
    assert codes(excinfo) == code
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ([], "no_criteria"),
        ([Criterion("A", -1, 10, 1), Criterion("B", 2, 10, 2)], "invalid_weight"),
        ([Criterion("A", 0, 10, 1), Criterion("B", 0, 10, 2)], "invalid_weight"),
        ([Criterion("A", 1, 0, 1)], "invalid_max_score"),
        ([Criterion("A", 1, 10, 1), Criterion("A", 1, 10, 2)], "duplicate_criterion"),
    ],
)
def test_bad_rubrics_are_refused_with_a_code(criteria, code):
    """Are empty rubrics, negative or all-zero weights, non-positive maxima and duplicates refused?"""
    with pytest.raises(ScoringError) as excinfo:
        compute_results(criteria, [])
    assert codes(excinfo) == code


def test_a_zero_weight_criterion_counts_only_as_a_tie_break():
    """Does a weight-0 criterion leave the total alone while still being a rung of the ladder?"""
    rubric = [Criterion("main", 1, 10, 1), Criterion("extra", 0, 10, 2)]
    cards = [Scorecard("j", "x", {"main": 5, "extra": 9}), Scorecard("j", "y", {"main": 5, "extra": 1})]
    results = compute_results(rubric, cards)
    assert [r.aggregate for r in results.entries] == [D(50), D(50)]
    assert [r.entry_id for r in results.entries] == ["x", "y"]
    assert results.entries[1].rung == "criterion:extra"


# --------------------------------------------------------------------------- strategies


def test_mean_of_three_judges():
    """Is the mean of 60, 70 and 90 shown as 73.333333333 (and 73.33 for people)?"""
    results = compute_results(PLAIN, plain_cards({"x": {"a": 60, "b": 70, "c": 90}}))
    entry = results.entries[0]
    assert results.strategy == "mean"
    assert entry.aggregate == D("73.333333333")
    assert display(entry.aggregate) == "73.33"
    assert [(j.judge_id, j.total, j.contribution) for j in entry.judges] == [
        ("a", D(60), D(60)),
        ("b", D(70), D(70)),
        ("c", D(90), D(90)),
    ]


def test_median_of_odd_and_even_counts():
    """Is the median of 60, 70, 90 equal to 70, and of 60, 70, 80, 90 equal to 75?"""
    table = {"odd": {"a": 60, "b": 70, "c": 90}, "even": {"a": 60, "b": 70, "c": 80, "d": 90}}
    results = compute_results(PLAIN, plain_cards(table), strategy="median").by_entry()
    assert results["odd"].aggregate == D(70)
    assert results["even"].aggregate == D(75)


def test_trimmed_mean_drops_one_highest_and_one_lowest():
    """With 10, 60, 70, 80, 100, are 10 and 100 dropped, giving 70, and is that recorded?"""
    table = {"x": {"a": 10, "b": 60, "c": 70, "d": 80, "e": 100}}
    entry = compute_results(PLAIN, plain_cards(table), strategy="trimmed_mean").entries[0]
    assert entry.aggregate == D(70)
    dropped = {j.judge_id for j in entry.judges if j.dropped}
    assert dropped == {"a", "e"}
    assert all(j.contribution is None for j in entry.judges if j.dropped)


def test_trimmed_mean_with_equal_extremes_drops_only_one_of_each():
    """With 50, 50, 50, 90, 90 is exactly one 50 and one 90 dropped (mean of 50, 50, 90 = 63.33)?"""
    table = {"x": {"a": 50, "b": 50, "c": 50, "d": 90, "e": 90}}
    entry = compute_results(PLAIN, plain_cards(table), strategy="trimmed_mean").entries[0]
    assert entry.aggregate == D("63.333333333")
    assert sum(j.dropped for j in entry.judges) == 2


def test_trimmed_mean_refuses_entries_with_fewer_than_five_judges():
    """Is trimmed mean refused (not silently replaced) when an entry has only 4 judges, naming it?"""
    table = {
        "full": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5},
        "short": {"a": 1, "b": 2, "c": 3, "d": 4},
    }
    with pytest.raises(ScoringError) as excinfo:
        compute_results(PLAIN, plain_cards(table), strategy="trimmed_mean")
    assert codes(excinfo) == "not_enough_judges"
    assert excinfo.value.details["entry_ids"] == ["short"]


def test_zscore_standardises_each_judge_then_averages():
    """Hand-computed z-scores: J1 (A 40, B 60) → −1, +1; J2 (A 70, B 90, C 80) → ∓√6/2, 0; J3 (B 50, C 30) → +1, −1.

    A = (−1 − 1.2247448714)/2, B = (1 + 1.2247448714 + 1)/3, C = (0 − 1)/2.
    """
    table = {"A": {"J1": 40, "J2": 70}, "B": {"J1": 60, "J2": 90, "J3": 50}, "C": {"J2": 80, "J3": 30}}
    results = compute_results(PLAIN, plain_cards(table), strategy="zscore")
    assert results.scale == "z"
    by = results.by_entry()
    assert by["A"].aggregate == D("-1.112372436")
    assert by["B"].aggregate == D("1.074914957")
    assert by["C"].aggregate == D("-0.500000000")
    assert [r.entry_id for r in results.entries] == ["B", "C", "A"]
    contributions = {j.judge_id: j.contribution for j in by["B"].judges}
    assert contributions == {"J1": D(1), "J2": D("1.224744871"), "J3": D(1)}
    # the judges' own totals stay visible next to their z-scores
    assert {j.judge_id: j.total for j in by["B"].judges} == {"J1": 60, "J2": 90, "J3": 50}


def test_zscore_judge_with_no_spread_contributes_zero():
    """Does a judge who gave every entry the same total contribute z = 0 (no preference), not a crash?"""
    table = {"A": {"flat": 70, "keen": 90}, "B": {"flat": 70, "keen": 50}}
    by = compute_results(PLAIN, plain_cards(table), strategy="zscore").by_entry()
    assert {j.judge_id: j.contribution for j in by["A"].judges} == {"flat": 0, "keen": 1}
    assert by["A"].aggregate == D("0.5")
    assert by["B"].aggregate == D("-0.5")


def test_zscore_refuses_a_judge_with_a_single_entry():
    """Is z-score refused when a judge scored only one entry (no spread to standardise by)?"""
    table = {"A": {"j1": 40, "j2": 70}, "B": {"j1": 60, "j2": 90, "lone": 50}}
    with pytest.raises(ScoringError) as excinfo:
        compute_results(PLAIN, plain_cards(table), strategy="zscore")
    assert codes(excinfo) == "not_enough_overlap"
    assert excinfo.value.details["judge_ids"] == ["lone"]


def test_zscore_refuses_panels_that_share_no_entry():
    """Is z-score refused when two panels judged disjoint entries (nothing links their scales)?"""
    table = {
        "A": {"j1": 40, "j2": 70},
        "B": {"j1": 60, "j2": 90},
        "C": {"j3": 50, "j4": 55},
        "D": {"j3": 30, "j4": 35},
    }
    with pytest.raises(ScoringError) as excinfo:
        compute_results(PLAIN, plain_cards(table), strategy="zscore")
    assert codes(excinfo) == "not_enough_overlap"
    assert excinfo.value.details["judge_groups"] == [["j1", "j2"], ["j3", "j4"]]


def test_unknown_strategy_is_refused():
    """Is an unregistered strategy name refused with the list of known ones?"""
    with pytest.raises(ScoringError) as excinfo:
        get_strategy("best_of_three")
    assert codes(excinfo) == "unknown_strategy"
    assert set(excinfo.value.details["known"]) == {"mean", "median", "trimmed_mean", "zscore"}


def test_a_registered_strategy_is_usable_by_name():
    """Can a new strategy be added to the registry and chosen by name (then removed again)?"""

    @register_strategy
    class Highest(AggregationStrategy):
        name = "test_highest"
        label = "Tertinggi"

        def combine(self, values, denominator):
            return Aggregate(Fraction(max(values.values()), denominator))

    try:
        entry = compute_results(
            PLAIN, plain_cards({"x": {"a": 10, "b": 80}}), strategy="test_highest"
        ).entries[0]
        assert entry.aggregate == D(80)
    finally:
        del STRATEGIES["test_highest"]


# --------------------------------------------------------------------------- discrepancy


def test_discrepancy_flag_is_strictly_above_the_threshold():
    """With threshold 20: is a spread of 25 flagged and a spread of exactly 20 not?"""
    table = {"wide": {"a": 50, "b": 75}, "edge": {"a": 60, "b": 80}, "near": {"a": 70, "b": 71}}
    results = compute_results(PLAIN, plain_cards(table), discrepancy_threshold=20)
    by = results.by_entry()
    assert by["wide"].spread == D(25) and by["wide"].discrepancy
    assert by["edge"].spread == D(20) and not by["edge"].discrepancy
    assert not by["near"].discrepancy
    assert results.discrepancies() == ["wide"]


def test_discrepancy_flag_can_be_turned_off():
    """Does threshold None flag nothing?"""
    results = compute_results(PLAIN, plain_cards({"x": {"a": 0, "b": 100}}), discrepancy_threshold=None)
    assert results.discrepancies() == []


# --------------------------------------------------------------------------- ranking


def test_ranks_are_standard_competition_ranking_with_awards():
    """Do totals 90, 80, 80, 70, 60, 50 rank 1, 2, 2, 4, 5, 6 with Juara 1, Juara 2 ×2, Harapan 1, Harapan 2, none?"""
    table = {e: {"j": v} for e, v in {"a": 90, "b": 80, "c": 80, "d": 70, "e": 60, "f": 50}.items()}
    results = compute_results(PLAIN, plain_cards(table))
    assert [(r.entry_id, r.rank, r.rung, r.award) for r in results.entries] == [
        ("a", 1, None, "Juara 1"),
        ("b", 2, "score", "Juara 2"),
        ("c", 2, "tie", "Juara 2"),
        ("d", 4, "score", "Harapan 1"),
        ("e", 5, "score", "Harapan 2"),
        ("f", 6, "score", None),
    ]
    assert results.separations()[1] == ("b", "c", "tie")


def test_award_labels_follow_the_rank():
    """Are ranks 1-5 Juara 1-3 and Harapan 1-2, and nothing below or for a missing rank 3 holder?"""
    assert [award_for_rank(r) for r in range(1, 7)] == [
        "Juara 1",
        "Juara 2",
        "Juara 3",
        "Harapan 1",
        "Harapan 2",
        None,
    ]


def test_equal_scores_are_separated_by_the_first_criterion_in_stated_order():
    """Two entries at 70: does the criterion listed first ('rasa') decide, and does reordering flip it?"""
    cards = [
        Scorecard("j", "x", {"rasa": 8, "tampilan": 6}),
        Scorecard("j", "y", {"rasa": 6, "tampilan": 8}),
    ]
    rasa_first = [Criterion("rasa", 1, 10, 1), Criterion("tampilan", 1, 10, 2)]
    results = compute_results(rasa_first, cards)
    assert [r.aggregate for r in results.entries] == [D(70), D(70)]
    assert [r.entry_id for r in results.entries] == ["x", "y"]
    assert [r.rank for r in results.entries] == [1, 2]
    assert results.entries[1].rung == "criterion:rasa"
    assert results.entries[1].criteria == (("rasa", D(60)), ("tampilan", D(80)))

    tampilan_first = [Criterion("rasa", 1, 10, 2), Criterion("tampilan", 1, 10, 1)]
    flipped = compute_results(tampilan_first, cards)
    assert [r.entry_id for r in flipped.entries] == ["y", "x"]
    assert flipped.entries[1].rung == "criterion:tampilan"


def test_median_judge_total_breaks_ties_left_by_the_criteria():
    """Same mean and criteria (60) but medians 50 and 70: is the median rung used, 70 first?"""
    table = {"p": {"a": 50, "b": 50, "c": 80}, "q": {"a": 40, "b": 70, "c": 70}}
    results = compute_results(PLAIN, plain_cards(table))
    assert [(r.entry_id, r.rank, r.rung) for r in results.entries] == [("q", 1, None), ("p", 2, "median")]
    assert results.ladder == ("score", "criterion:q", "median")


def test_a_full_tie_is_a_shared_rank_listed_by_entry_id():
    """When every rung is equal, do entries share the rank (rung 'tie') in id order, never shuffled?"""
    table = {"zeta": {"a": 70, "b": 80}, "alpha": {"a": 80, "b": 70}}
    for _ in range(5):
        results = compute_results(PLAIN, plain_cards(table))
        assert [(r.entry_id, r.rank, r.rung) for r in results.entries] == [
            ("alpha", 1, None),
            ("zeta", 1, "tie"),
        ]


def test_totals_equal_in_exact_arithmetic_tie_on_score():
    """100/3 reached two ways (weights ⅓ and ⅔, neither a finite decimal): a tie on score, decided by 'a'?"""
    rubric = [Criterion("a", 1, 1, 1), Criterion("b", 2, 1, 2)]
    one_way, other_way = {"a": 1, "b": 0}, {"a": 0, "b": D("0.5")}
    assert judge_total(rubric, one_way) == judge_total(rubric, other_way) == Fraction(100, 3)
    cards = [Scorecard("j", "x", one_way), Scorecard("j", "y", other_way)]
    results = compute_results(rubric, cards)
    assert results.entries[0].aggregate == results.entries[1].aggregate == D("33.333333333")
    assert results.entries[1].rung == "criterion:a"


def test_rank_entries_names_the_first_differing_rung():
    """Does rank_entries report the first key component that differs as the rung?"""
    keys = {"a": (D(1), D(5), D(0)), "b": (D(1), D(5), D(-1)), "c": (D(1), D(4), D(9))}
    placings = rank_entries(keys, ["score", "criterion:x", "median"])
    assert [(p.entry_id, p.rank, p.above, p.rung) for p in placings] == [
        ("a", 1, None, None),
        ("b", 2, "a", "median"),
        ("c", 3, "b", "criterion:x"),
    ]


# --------------------------------------------------------------------------- inputs, output


def test_duplicate_scorecards_are_refused():
    """Is a second scorecard by the same judge for the same entry refused?"""
    with pytest.raises(ScoringError) as excinfo:
        compute_results(PLAIN, [Scorecard("j", "x", {"q": 1}), Scorecard("j", "x", {"q": 2})])
    assert codes(excinfo) == "duplicate_scorecard"


def test_expected_entries_must_all_be_scored_and_nothing_else():
    """With entries given: is an unscored one refused (no_scorecards), and a stranger (unknown_entry)?"""
    cards = plain_cards({"x": {"a": 50}})
    with pytest.raises(ScoringError) as excinfo:
        compute_results(PLAIN, cards, entries=["x", "y"])
    assert codes(excinfo) == "no_scorecards"
    assert excinfo.value.details["entry_ids"] == ["y"]
    with pytest.raises(ScoringError) as excinfo:
        compute_results(PLAIN, cards, entries=["y"])
    assert codes(excinfo) == "unknown_entry"
    with pytest.raises(ScoringError) as excinfo:
        compute_results(PLAIN, [])
    assert codes(excinfo) == "no_scorecards"


def test_results_do_not_depend_on_the_callers_decimal_context():
    """Does a caller's 5-digit, round-down decimal context leave every digit of the result unchanged?"""
    rubric = [Criterion("a", 1, 3, 1), Criterion("b", 2, 7, 2)]
    cards = [Scorecard(j, e, {"a": (j + e) % 4, "b": (j * e) % 8}) for j in range(3) for e in range(4)]
    expected = compute_results(rubric, cards, strategy="zscore").to_dict()
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        ctx.rounding = decimal.ROUND_DOWN
        assert compute_results(rubric, cards, strategy="zscore").to_dict() == expected


def test_results_snapshot_is_json_and_explains_the_number():
    """Is to_dict() JSON-serialisable and does it carry judges' totals, aggregation, rank and rung?"""
    results = compute_results(PLAIN, plain_cards({"x": {"a": 60, "b": 90}, "y": {"a": 50, "b": 50}}))
    snapshot = json.loads(json.dumps(results.to_dict()))
    assert snapshot["strategy"] == "mean"
    second = snapshot["entries"][1]
    assert second["entry_id"] == "y"
    assert second["judges"][0] == {
        "judge_id": "a",
        "total": "50.000000000",
        "contribution": "50.000000000",
        "dropped": False,
    }
    assert (second["aggregate"], second["rank"], second["above"], second["rung"]) == (
        "50.000000000",
        2,
        "x",
        "score",
    )


def test_display_rounds_half_up_to_two_places():
    """Is 85.125 shown as 85.13 and 85.124999 as 85.12?"""
    assert display(D("85.125")) == "85.13"
    assert display("85.124999") == "85.12"
    assert display(D("-1.112372436"), 3) == "-1.112"


def test_aggregate_totals_works_on_totals_directly():
    """Can callers aggregate a {entry: {judge: total}} table without scorecards?"""
    assert aggregate_totals({"x": {"a": 60, "b": 70, "c": 90}}, "median") == {"x": D(70)}


# --------------------------------------------------------------------------- properties

SCORE_PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def competitions(draw, min_judges=1, max_judges=7, full=False, headroom=0):
    """A rubric and scorecards; every judge scores every entry when `full` (as trimmed and z need)."""
    n_criteria = draw(st.integers(1, 3))
    criteria = [
        Criterion(f"c{i}", draw(st.integers(1, 5)), draw(st.sampled_from([3, 4, 5, 10, 100])), i)
        for i in range(n_criteria)
    ]
    n_judges = draw(st.integers(min_judges, max_judges))
    n_entries = draw(st.integers(2, 7))
    cards = []
    for entry in range(n_entries):
        if full:
            judges = list(range(n_judges))
        else:
            judges = draw(st.lists(st.integers(0, n_judges - 1), min_size=1, max_size=n_judges, unique=True))
        for judge in judges:
            scores = {c.id: draw(st.integers(0, c.max_score - headroom)) for c in criteria}
            cards.append(Scorecard(f"j{judge}", f"e{entry}", scores))
    return criteria, cards


def key_of(entry) -> tuple:
    return (entry.aggregate, *(v for _, v in entry.criteria), entry.median_total)


@SCORE_PROPERTIES
@given(
    data=competitions(min_judges=5, full=True),
    strategy=st.sampled_from(sorted(STRATEGIES)),
    seed=st.integers(),
)
def test_order_of_scorecards_judges_and_criteria_never_changes_the_result(data, strategy, seed):
    """Shuffling the scorecards, each card's dict and the criteria list: is the snapshot identical?"""
    criteria, cards = data
    expected = compute_results(criteria, cards, strategy=strategy).to_dict()
    rng = random.Random(seed)
    shuffled = [
        Scorecard(c.judge_id, c.entry_id, dict(rng.sample(list(c.scores.items()), len(c.scores))))
        for c in cards
    ]
    rng.shuffle(shuffled)
    again = compute_results(rng.sample(criteria, len(criteria)), shuffled, strategy=strategy).to_dict()
    assert again == expected
    assert (
        compute_results(criteria, cards, strategy=strategy).to_dict() == expected
    )  # same input, same output


@SCORE_PROPERTIES
@given(
    data=competitions(min_judges=5, full=True),
    strategy=st.sampled_from(sorted(STRATEGIES)),
    seed=st.integers(),
)
def test_renaming_judges_never_changes_aggregates_or_places(data, strategy, seed):
    """Relabelling the judges (so they sort differently): are aggregates, ranks and rungs unchanged?"""
    criteria, cards = data
    judges = sorted({c.judge_id for c in cards})
    new_names = dict(
        zip(
            judges,
            random.Random(seed).sample([f"k{i}" for i in range(len(judges))], len(judges)),
            strict=True,
        )
    )
    renamed = [Scorecard(new_names[c.judge_id], c.entry_id, c.scores) for c in cards]
    before = compute_results(criteria, cards, strategy=strategy)
    after = compute_results(criteria, renamed, strategy=strategy)
    assert [(r.entry_id, key_of(r), r.rank, r.rung) for r in before.entries] == [
        (r.entry_id, key_of(r), r.rank, r.rung) for r in after.entries
    ]
    for b, a in zip(before.entries, after.entries, strict=True):
        assert sorted(j.total for j in b.judges) == sorted(j.total for j in a.judges)


@SCORE_PROPERTIES
@given(data=competitions(min_judges=2, max_judges=5, full=True, headroom=1), pick=st.integers(0, 10))
def test_adding_a_constant_to_one_judges_scores_keeps_the_zscore_result(data, pick):
    """One judge gives +1 on every criterion of every card: are the z-score aggregates and places unchanged?"""
    criteria, cards = data
    judges = sorted({c.judge_id for c in cards})
    lenient = judges[pick % len(judges)]
    shifted = [
        Scorecard(c.judge_id, c.entry_id, {k: v + 1 for k, v in c.scores.items()})
        if c.judge_id == lenient
        else c
        for c in cards
    ]
    before = compute_results(criteria, cards, strategy="zscore")
    after = compute_results(criteria, shifted, strategy="zscore")
    # The z rungs (aggregate, then each criterion) are identical for every entry...
    assert {r.entry_id: key_of(r)[:-1] for r in before.entries} == {
        r.entry_id: key_of(r)[:-1] for r in after.entries
    }
    # ...so the places are too, unless the raw median judge total (which does move) had to decide.
    if all(r.rung not in ("median", "tie") for r in before.entries + after.entries):
        assert [(r.entry_id, r.rank) for r in before.entries] == [(r.entry_id, r.rank) for r in after.entries]


@SCORE_PROPERTIES
@given(
    totals=st.dictionaries(
        st.sampled_from([f"e{i}" for i in range(6)]),
        st.fixed_dictionaries({f"j{i}": st.decimals(0, 100, places=2) for i in range(3)}),
        min_size=2,
    ),
    constant=st.decimals(-50, 50, places=3),
    pick=st.integers(0, 2),
)
def test_adding_a_constant_to_one_judges_totals_keeps_zscore_aggregates(totals, constant, pick):
    """Adding any constant to every total of one judge: are the z-score aggregates (so the ranking) the same?"""
    judge = f"j{pick}"
    shifted = {e: {j: v + constant if j == judge else v for j, v in vs.items()} for e, vs in totals.items()}
    assert aggregate_totals(totals, "zscore") == aggregate_totals(shifted, "zscore")


@SCORE_PROPERTIES
@given(data=competitions(min_judges=5, full=True), strategy=st.sampled_from(sorted(STRATEGIES)))
def test_ranks_always_form_a_standard_competition_ranking(data, strategy):
    """Is each rank 1 + the number of entries with a strictly better ladder key, and the award its rank's?"""
    criteria, cards = data
    entries = compute_results(criteria, cards, strategy=strategy).entries
    keys = [key_of(r) for r in entries]
    for position, entry in enumerate(entries):
        assert entry.rank == 1 + sum(1 for k in keys if k > keys[position])
        assert entry.award == award_for_rank(entry.rank)
        if position:
            assert (entry.rung == "tie") == (entry.rank == entries[position - 1].rank)
            assert entry.rank in (entries[position - 1].rank, position + 1)
    assert entries[0].rank == 1 and entries[0].rung is None


@SCORE_PROPERTIES
@given(data=competitions(min_judges=1), strategy=st.sampled_from(["mean", "median"]))
def test_mean_and_median_lie_between_the_lowest_and_highest_judge(data, strategy):
    """Any panel, any assignment: is the mean or median within [min, max] of the judges' totals?"""
    criteria, cards = data
    for entry in compute_results(criteria, cards, strategy=strategy).entries:
        totals = [j.total for j in entry.judges]
        assert min(totals) <= entry.aggregate <= max(totals)
        assert entry.spread == max(totals) - min(totals)


@SCORE_PROPERTIES
@given(data=competitions(min_judges=5, full=True))
def test_trimmed_mean_lies_between_the_lowest_and_highest_judge(data):
    """Is the trimmed mean within [min, max] of the judges' totals (indeed of the kept ones)?"""
    criteria, cards = data
    for entry in compute_results(criteria, cards, strategy="trimmed_mean").entries:
        kept = [j.total for j in entry.judges if not j.dropped]
        assert sum(j.dropped for j in entry.judges) == 2
        assert min(kept) <= entry.aggregate <= max(kept)


@SCORE_PROPERTIES
@given(data=competitions(min_judges=1), seed=st.integers())
def test_partial_panels_give_the_same_result_in_any_order(data, seed):
    """With uneven panels (mean), is the shuffled input's result identical to the original's?"""
    criteria, cards = data
    assume(len(cards) > 1)
    shuffled = random.Random(seed).sample(cards, len(cards))
    assert compute_results(criteria, shuffled).to_dict() == compute_results(criteria, cards).to_dict()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 10**10), "0.000000000"),
        (Fraction(15, 10**10), "0.000000002"),
        (Fraction(-15, 10**10), "-0.000000002"),
        (Fraction(-7, 10**10), "-0.000000001"),
        (Fraction(200, 3), "66.666666667"),
        (D("1.0000000005"), "1.000000000"),
        (D("1.0000000015"), "1.000000002"),
    ],
)
def test_compared_values_round_half_even_to_nine_places(value, expected):
    """Are exact and Decimal values rounded half-even to 9 places, negatives included?"""
    assert f"{quantize(value):f}" == expected
