"""Health scoring (docs/domain.md §4): band boundaries, rounding, weights, predikat, indicators."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harkop.cooperatives import health
from harkop.cooperatives.health import (
    BandTable,
    HealthInputError,
    assess_aspects,
    assess_indicators,
    build_indicator_set,
    final_score,
    load_indicator_set,
    predikat_for,
    round2,
)
from harkop.cooperatives.vocab import Aspect, Predikat

D = Decimal
TABLES = {code: BandTable.from_data(code, data) for code, data in health.KNOWN_BAND_TABLES.items()}

# (table, X, expected category): both sides of every bound of every known table.
BOUNDARIES = [
    ("checklist", "75.01", "sehat"),
    ("checklist", "75", "cukup_sehat"),
    ("checklist", "50.01", "cukup_sehat"),
    ("checklist", "50", "kurang_sehat"),
    ("checklist", "25.01", "kurang_sehat"),
    ("checklist", "25", "tidak_sehat"),
    ("checklist", "0", "tidak_sehat"),
    ("checklist", "100", "sehat"),
    ("ekuitas_aset", "30.01", "sehat"),
    ("ekuitas_aset", "30", "cukup_sehat"),
    ("ekuitas_aset", "20.01", "cukup_sehat"),
    ("ekuitas_aset", "20", "kurang_sehat"),
    ("ekuitas_aset", "10.01", "kurang_sehat"),
    ("ekuitas_aset", "10", "tidak_sehat"),
    ("ekuitas_aset", "-5", "tidak_sehat"),
    ("kecukupan_modal", "8", "sehat"),
    ("kecukupan_modal", "7.99", "cukup_sehat"),
    ("kecukupan_modal", "6", "cukup_sehat"),
    ("kecukupan_modal", "5.99", "kurang_sehat"),
    ("kecukupan_modal", "4", "kurang_sehat"),
    ("kecukupan_modal", "3.99", "tidak_sehat"),
    ("pertumbuhan_ekuitas", "10", "sehat"),
    ("pertumbuhan_ekuitas", "9.99", "cukup_sehat"),
    ("pertumbuhan_ekuitas", "7", "cukup_sehat"),
    ("pertumbuhan_ekuitas", "6.99", "kurang_sehat"),
    ("pertumbuhan_ekuitas", "4", "kurang_sehat"),
    ("pertumbuhan_ekuitas", "3.99", "tidak_sehat"),
    ("pertumbuhan_ekuitas", "-20", "tidak_sehat"),
    ("pinjaman_aset_produktif", "75", "sehat"),
    ("pinjaman_aset_produktif", "75.01", "cukup_sehat"),
    ("pinjaman_aset_produktif", "85", "cukup_sehat"),
    ("pinjaman_aset_produktif", "85.01", "kurang_sehat"),
    ("pinjaman_aset_produktif", "95", "kurang_sehat"),
    ("pinjaman_aset_produktif", "95.01", "tidak_sehat"),
]


@pytest.mark.parametrize(("table", "x", "category"), BOUNDARIES)
def test_band_boundaries(table, x, category):
    """Each bound falls on the side docs/domain.md §4's interval puts it."""
    assert TABLES[table].category_for(D(x)) == category


@pytest.mark.parametrize(
    ("category", "nilai", "skor"),
    [("sehat", 1, 4), ("cukup_sehat", 2, 3), ("kurang_sehat", 3, 2), ("tidak_sehat", 4, 1)],
)
def test_category_nilai_and_skor(category, nilai, skor):
    """Sehat is nilai 1 and skor 4; Tidak Sehat nilai 4 and skor 1."""
    assert health.CATEGORY_NILAI[category] == nilai
    assert health.skor_for_nilai(nilai) == skor


@pytest.mark.parametrize(
    ("score", "predikat"),
    [
        ("100", Predikat.sehat),
        ("80.00", Predikat.sehat),
        ("79.99", Predikat.cukup_sehat),
        ("79.995", Predikat.sehat),  # rounds half up to 80.00 first
        ("79.994", Predikat.cukup_sehat),
        ("66", Predikat.cukup_sehat),
        ("65.99", Predikat.dalam_pengawasan),
        ("51", Predikat.dalam_pengawasan),
        ("50.99", Predikat.dalam_pengawasan_khusus),
        ("0", Predikat.dalam_pengawasan_khusus),
    ],
)
def test_predikat_bands_have_inclusive_lower_bounds(score, predikat):
    """80.00 is Sehat, 79.99 Cukup Sehat; 66 Cukup Sehat; 51 Dalam Pengawasan; below is Khusus."""
    assert predikat_for(D(score)) == predikat


def test_round_half_up_not_bankers():
    """Two decimals, half up: 0.125 -> 0.13 and 0.135 -> 0.14 (never to even)."""
    assert round2(D("0.125")) == D("0.13")
    assert round2(D("0.135")) == D("0.14")
    assert round2(D("66.665")) == D("66.67")


def test_weights_sum_to_one_and_final_is_weighted():
    """Final = 0.30 TK + 0.15 PR + 0.40 KK + 0.15 PM (aspects 85, 70, 80, 90 give 81.50)."""
    assert sum(health.WEIGHTS.values()) == D("1.00")
    result = assess_aspects(
        {"tata_kelola": 85, "profil_risiko": 70, "kinerja_keuangan": 80, "permodalan": 90}
    )
    assert result.final_score == D("81.50")
    assert result.predikat == Predikat.sehat
    only_kk = {a: D(0) for a in Aspect} | {Aspect.kinerja_keuangan: D(100)}
    assert final_score(only_kk) == D("40.00")


def test_aspect_pct_formula():
    """aspect_pct = sum(skor) / (n × 4) × 100, two decimals."""
    assert health.aspect_pct([4, 4, 4]) == D("100.00")
    assert health.aspect_pct([4, 3, 2]) == D("75.00")
    assert health.aspect_pct([1, 1, 2]) == D("33.33")
    assert health.aspect_pct([3, 3, 2]) == D("66.67")


def test_aspects_are_rounded_before_weighting():
    """Aspect inputs with more decimals are rounded half up to two before the final score."""
    result = assess_aspects(
        {"tata_kelola": "79.995", "profil_risiko": "80", "kinerja_keuangan": "80", "permodalan": "80"}
    )
    assert result.aspects[Aspect.tata_kelola] == D("80.00")
    assert result.final_score == D("80.00")


@pytest.mark.parametrize(
    ("aspects", "code", "field"),
    [
        ({"tata_kelola": 1, "profil_risiko": 1, "kinerja_keuangan": 1}, "aspect_missing", "permodalan"),
        (
            {"tata_kelola": 101, "profil_risiko": 1, "kinerja_keuangan": 1, "permodalan": 1},
            "aspect_out_of_range",
            "tata_kelola",
        ),
        (
            {"tata_kelola": -1, "profil_risiko": 1, "kinerja_keuangan": 1, "permodalan": 1},
            "aspect_out_of_range",
            "tata_kelola",
        ),
        (
            {"tata_kelola": "abc", "profil_risiko": 1, "kinerja_keuangan": 1, "permodalan": 1},
            "not_a_number",
            "tata_kelola",
        ),
        (
            {"tata_kelola": "NaN", "profil_risiko": 1, "kinerja_keuangan": 1, "permodalan": 1},
            "not_a_number",
            "tata_kelola",
        ),
        (
            {"tata_kelola": 1, "profil_risiko": 1, "kinerja_keuangan": 1, "permodalan": 1, "x": 2},
            "unknown_aspect",
            "x",
        ),
    ],
)
def test_bad_aspect_input_is_refused_with_a_code(aspects, code, field):
    """Missing, out-of-range, non-numeric or unknown aspects are refused, naming the field."""
    with pytest.raises(HealthInputError) as info:
        assess_aspects(aspects)
    assert info.value.code == code
    assert info.value.field == field


def _all_best_answers(indicator_set):
    answers = {}
    for ind in indicator_set.indicators:
        if ind.kind == "checklist":
            answers[ind.code] = {"fulfilled": 10, "items": 10}
        else:
            answers[ind.code] = {"value": {"pinjaman_aset_produktif": 50}.get(ind.band_table, 50)}
    return answers


def test_indicator_entry_scores_through_bands():
    """Indicator answers go ratio -> category -> skor -> aspect % -> final, and are kept per indicator."""
    indicators = load_indicator_set()
    answers = _all_best_answers(indicators)
    assert assess_indicators(answers, indicators).final_score == D("100.00")
    # Tata Kelola: 8/10 (sehat, 4), 6/10 (cukup, 3), 2/10 (tidak, 1) -> 8/12 = 66.67
    answers["tk_prinsip_koperasi"] = {"fulfilled": 8, "items": 10}
    answers["tk_kelembagaan"] = {"fulfilled": 6, "items": 10}
    answers["tk_manajemen"] = {"fulfilled": 2, "items": 10}
    # Permodalan: ekuitas/aset 30 (cukup, 3), kecukupan modal 3.99 (tidak, 1) -> 4/8 = 50
    answers["pm_ekuitas_aset"] = {"value": "30"}
    answers["pm_kecukupan_modal"] = {"value": 3.99}
    result = assess_indicators(answers, indicators)
    assert result.aspects[Aspect.tata_kelola] == D("66.67")
    assert result.aspects[Aspect.permodalan] == D("50.00")
    assert result.aspects[Aspect.profil_risiko] == D("100.00")
    # 0.30*66.67 + 0.15*100 + 0.40*100 + 0.15*50 = 20.001 + 15 + 40 + 7.5 = 82.501 -> 82.50
    assert result.final_score == D("82.50")
    assert result.predikat == Predikat.sehat
    assert result.indicators["tk_kelembagaan"] == {
        "fulfilled": 6,
        "items": 10,
        "ratio": "60.00",
        "kategori": "cukup_sehat",
        "nilai": 2,
        "skor": 3,
    }


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"tk_manajemen": None}, "indicator_missing"),
        ({"zz_unknown": {"value": 1}}, "unknown_indicator"),
        ({"tk_manajemen": {"fulfilled": 11, "items": 10}}, "bad_fulfilled"),
        ({"tk_manajemen": {"fulfilled": 1, "items": 0}}, "bad_items"),
        ({"pm_ekuitas_aset": {"value": "x"}}, "not_a_number"),
        ({"pm_ekuitas_aset": {}}, "bad_value"),
        ({"pm_ekuitas_aset": 5}, "bad_answer"),
    ],
)
def test_bad_indicator_answers_are_refused(change, code):
    """Missing, unknown or malformed indicator answers are refused with their own code."""
    indicators = load_indicator_set()
    answers = _all_best_answers(indicators)
    for key, value in change.items():
        if value is None:
            answers.pop(key)
        else:
            answers[key] = value
    with pytest.raises(HealthInputError) as info:
        assess_indicators(answers, indicators)
    assert info.value.code == code


def test_office_file_adds_an_indicator_and_a_band_table(tmp_path):
    """An extra JSON file adds indicators (and their band tables) without code changes."""
    extra = tmp_path / "extra.json"
    extra.write_text(
        json.dumps(
            {
                "band_tables": {
                    "likuiditas": {
                        "label": "Kas ÷ kewajiban lancar",
                        "bands": {
                            "sehat": "X >= 15",
                            "cukup_sehat": "10 <= X < 15",
                            "kurang_sehat": "5 <= X < 10",
                            "tidak_sehat": "X < 5",
                        },
                    }
                },
                "indicators": [
                    {
                        "code": "kk_likuiditas",
                        "aspect": "kinerja_keuangan",
                        "kind": "ratio",
                        "band_table": "likuiditas",
                        "label": "Likuiditas",
                    }
                ],
            }
        )
    )
    indicators = load_indicator_set(extra)
    assert "kk_likuiditas" in indicators.by_code()
    answers = _all_best_answers(load_indicator_set())
    with pytest.raises(HealthInputError) as info:
        assess_indicators(answers, indicators)
    assert info.value.code == "indicator_missing"
    answers["kk_likuiditas"] = {"value": 7}  # kurang sehat: skor 2 -> KK = (4+4+2)/12 = 83.33
    assert assess_indicators(answers, indicators).aspects[Aspect.kinerja_keuangan] == D("83.33")


@pytest.mark.parametrize(
    "bands",
    [
        {
            "sehat": "X > 75",
            "cukup_sehat": "50 < X <= 75",
            "kurang_sehat": "25 < X <= 50",
            "tidak_sehat": "X < 25",
        },
        {
            "sehat": "X >= 75",
            "cukup_sehat": "50 < X <= 75",
            "kurang_sehat": "25 < X <= 50",
            "tidak_sehat": "X <= 25",
        },
        {"sehat": "X > 75", "cukup_sehat": "50 < X <= 75", "kurang_sehat": "25 < X <= 50"},
        {
            "sehat": "X > 75",
            "cukup_sehat": "50 < X <= 75",
            "kurang_sehat": "25 < X <= 50",
            "tidak_sehat": "Y <= 25",
        },
    ],
    ids=["gap at 25", "overlap at 75", "missing category", "unreadable"],
)
def test_band_tables_with_gaps_or_overlaps_are_refused(bands):
    """An office-defined band table must cover every X exactly once."""
    with pytest.raises(ValueError):
        build_indicator_set({"band_tables": {"bad": {"bands": bands}}})


aspect_value = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(tk=aspect_value, pr=aspect_value, kk=aspect_value, pm=aspect_value)
def test_final_score_stays_within_0_and_100(tk, pr, kk, pm):
    """Whatever the aspect scores in 0..100, the final score is in 0..100 with two decimals."""
    result = assess_aspects(
        {"tata_kelola": tk, "profil_risiko": pr, "kinerja_keuangan": kk, "permodalan": pm}
    )
    assert D(0) <= result.final_score <= D(100)
    assert result.final_score == round2(result.final_score)


@given(
    base=st.fixed_dictionaries({a.value: aspect_value for a in Aspect}),
    aspect=st.sampled_from(list(Aspect)),
    rise=st.decimals(min_value="0.01", max_value=100, places=2),
)
def test_final_score_and_predikat_never_fall_when_one_aspect_rises(base, aspect, rise):
    """Raising one aspect (others fixed) never lowers the final score or the predikat."""
    order = [p for _, p in reversed(health.PREDIKAT_BANDS)]
    before = assess_aspects(base)
    higher = dict(base)
    higher[aspect.value] = min(D(100), base[aspect.value] + rise)
    after = assess_aspects(higher)
    assert after.final_score >= before.final_score
    assert order.index(after.predikat) >= order.index(before.predikat)


@given(x=st.decimals(min_value=-1000, max_value=1000, places=2))
def test_every_value_falls_in_exactly_one_band(x):
    """Each known band table puts every X in exactly one category."""
    for table in TABLES.values():
        assert sum(band.contains(x) for band in table.bands) == 1
