"""Health scoring (pemeriksaan kesehatan koperasi): pure functions over plain data.

Sources: Permenkop UKM 9/2020 tentang Pengawasan Koperasi and the Juknis Deputi Bidang
Perkoperasian No. 15/2021 (Pedoman KKPKK), as summarised in docs/domain.md §4:

    for each indicator i of aspect A:
        ratio_i = fulfilled / items * 100 (checklist)  or  a financial ratio (percent)
        nilai_i in {1,2,3,4} from the indicator's band table (1 = best)
        skor_i  = 5 - nilai_i                                 (4 = best)
    aspect_pct(A) = sum(skor_i) / (n_indicators(A) * 4) * 100
    final = 0.30*TK + 0.15*PR + 0.40*KK + 0.15*PM             (0..100)
    predikat: Sehat >= 80; Cukup Sehat >= 66; Dalam Pengawasan >= 51; else Dalam Pengawasan Khusus

Numbers are Decimals, rounded half up to two decimals (ratios, aspect percentages and the final
score) before any band is applied, so 79.995 becomes 80.00 and is Sehat. The band tables and the
weights below are data, written the way the regulation prints them; the indicator list is data
too (data/health_indicators.json plus an optional file the office extends, see
docs/health-indicators.md). No Flask, no database: services.py calls these functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .vocab import Aspect, Predikat

TWO_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)

# Aspect weights (sum 1.00).
WEIGHTS: dict[Aspect, Decimal] = {
    Aspect.tata_kelola: Decimal("0.30"),
    Aspect.profil_risiko: Decimal("0.15"),
    Aspect.kinerja_keuangan: Decimal("0.40"),
    Aspect.permodalan: Decimal("0.15"),
}

# Predikat bands on the final score: inclusive lower bounds, best first.
PREDIKAT_BANDS: tuple[tuple[Decimal, Predikat], ...] = (
    (Decimal("80.00"), Predikat.sehat),
    (Decimal("66.00"), Predikat.cukup_sehat),
    (Decimal("51.00"), Predikat.dalam_pengawasan),
    (Decimal("0.00"), Predikat.dalam_pengawasan_khusus),
)

# Indicator categories: nilai 1 (best) .. 4, skor = 5 - nilai.
CATEGORY_NILAI: dict[str, int] = {"sehat": 1, "cukup_sehat": 2, "kurang_sehat": 3, "tidak_sehat": 4}
CATEGORY_LABELS: dict[str, str] = {
    "sehat": "Sehat",
    "cukup_sehat": "Cukup Sehat",
    "kurang_sehat": "Kurang Sehat",
    "tidak_sehat": "Tidak Sehat",
}

# The known band tables of docs/domain.md §4, X in percent, as exact intervals (one line per category).
KNOWN_BAND_TABLES: dict[str, dict[str, Any]] = {
    "checklist": {
        "label": "Checklist (butir terpenuhi ÷ jumlah butir)",
        "bands": {
            "sehat": "X > 75",
            "cukup_sehat": "50 < X <= 75",
            "kurang_sehat": "25 < X <= 50",
            "tidak_sehat": "X <= 25",
        },
    },
    "ekuitas_aset": {
        "label": "Ekuitas ÷ Total Aset",
        "bands": {
            "sehat": "X > 30",
            "cukup_sehat": "20 < X <= 30",
            "kurang_sehat": "10 < X <= 20",
            "tidak_sehat": "X <= 10",
        },
    },
    "kecukupan_modal": {
        "label": "Kecukupan Modal (modal tertimbang ÷ ATMR)",
        "bands": {
            "sehat": "X >= 8",
            "cukup_sehat": "6 <= X < 8",
            "kurang_sehat": "4 <= X < 6",
            "tidak_sehat": "X < 4",
        },
    },
    "pertumbuhan_ekuitas": {
        "label": "Pertumbuhan Ekuitas",
        "bands": {
            "sehat": "X >= 10",
            "cukup_sehat": "7 <= X < 10",
            "kurang_sehat": "4 <= X < 7",
            "tidak_sehat": "X < 4",
        },
    },
    "pinjaman_aset_produktif": {
        "label": "Pinjaman ÷ Aset Produktif",
        "bands": {
            "sehat": "X <= 75",
            "cukup_sehat": "75 < X <= 85",
            "kurang_sehat": "85 < X <= 95",
            "tidak_sehat": "X > 95",
        },
    },
}

DEFAULT_INDICATORS_FILE = Path(__file__).with_name("data") / "health_indicators.json"


class HealthInputError(ValueError):
    """Input the scoring cannot use; `code` is stable, `field` names the offending input."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def round2(value: Decimal) -> Decimal:
    """Round half up to two decimals (79.995 -> 80.00)."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def to_decimal(value: Any, field: str | None = None) -> Decimal:
    """A finite Decimal from an int, str, float or Decimal (floats via their shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise HealthInputError("not_a_number", f"{field or 'nilai'}: bukan angka", field)
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as err:
        raise HealthInputError("not_a_number", f"{field or 'nilai'}: bukan angka", field) from err
    if not number.is_finite():
        raise HealthInputError("not_a_number", f"{field or 'nilai'}: bukan angka", field)
    return number


# --- Band tables -----------------------------------------------------------------------------

_NUM = r"-?\d+(?:\.\d+)?"
_INTERVAL = re.compile(
    rf"^\s*(?:(?P<lo>{_NUM})\s*(?P<lo_op><=|<)\s*)?X\s*(?:(?P<hi_op><=|<|>=|>)\s*(?P<hi>{_NUM}))?\s*$"
)


@dataclass(frozen=True)
class Band:
    """One category's interval of X: lower/upper bounds (None = unbounded) and their inclusiveness."""

    category: str
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool

    def contains(self, x: Decimal) -> bool:
        """True when x lies in this interval."""
        if self.lower is not None and (x < self.lower or (x == self.lower and not self.lower_inclusive)):
            return False
        if self.upper is not None and (x > self.upper or (x == self.upper and not self.upper_inclusive)):
            return False
        return True

    @classmethod
    def parse(cls, category: str, text: str) -> Band:
        """Read 'X > 75', '50 < X <= 75', '6 <= X < 8', 'X <= 25' (X in percent)."""
        match = _INTERVAL.match(text)
        if not match or (match["lo"] is None and match["hi"] is None):
            raise ValueError(f"band {category!r}: cannot read interval {text!r}")
        lower = upper = None
        lower_inc = upper_inc = False
        if match["lo"] is not None:
            lower, lower_inc = Decimal(match["lo"]), match["lo_op"] == "<="
        if match["hi"] is not None:
            op, bound = match["hi_op"], Decimal(match["hi"])
            if op in ("<", "<="):
                upper, upper_inc = bound, op == "<="
            else:
                if lower is not None:
                    raise ValueError(f"band {category!r}: mixed directions in {text!r}")
                lower, lower_inc = bound, op == ">="
        return cls(category, lower, lower_inc, upper, upper_inc)


@dataclass(frozen=True)
class BandTable:
    """An indicator's band table: X (percent) -> category -> nilai."""

    code: str
    label: str
    bands: tuple[Band, ...]

    def category_for(self, x: Decimal) -> str:
        """The category whose interval holds x."""
        for band in self.bands:
            if band.contains(x):
                return band.category
        raise HealthInputError("no_band", f"{self.code}: nilai {x} di luar tabel", self.code)

    def nilai_for(self, x: Decimal) -> int:
        """nilai 1 (best) .. 4 for x."""
        return CATEGORY_NILAI[self.category_for(x)]

    @classmethod
    def from_data(cls, code: str, data: Mapping[str, Any]) -> BandTable:
        """Build and check a table from {"label", "bands": {category: interval}}."""
        bands = tuple(Band.parse(cat, text) for cat, text in data["bands"].items())
        table = cls(code, data.get("label", code), bands)
        table.check()
        return table

    def check(self) -> None:
        """Refuse a table whose four categories overlap or leave a gap on the number line."""
        if sorted(b.category for b in self.bands) != sorted(CATEGORY_NILAI):
            raise ValueError(f"band table {self.code}: needs exactly the categories {sorted(CATEGORY_NILAI)}")
        ordered = sorted(
            self.bands,
            key=lambda b: (Decimal("-Infinity") if b.lower is None else b.lower, b.lower_inclusive),
        )
        if ordered[0].lower is not None or ordered[-1].upper is not None:
            raise ValueError(f"band table {self.code}: must cover every value from -inf to +inf")
        for left, right in zip(ordered, ordered[1:], strict=False):
            if left.upper != right.lower or left.upper_inclusive == right.lower_inclusive:
                raise ValueError(
                    f"band table {self.code}: {left.category} and {right.category} must meet at one "
                    "bound, inclusive on exactly one side"
                )


# --- Indicators ------------------------------------------------------------------------------

KINDS = ("checklist", "ratio")


@dataclass(frozen=True)
class Indicator:
    """One KKPKK indicator: its aspect, kind (checklist or ratio) and band table."""

    code: str
    aspect: Aspect
    kind: str
    band_table: str
    label: str
    items: int | None = None  # checklist: the number of items, when fixed


@dataclass(frozen=True)
class IndicatorSet:
    """The indicators in force and the band tables they use."""

    tables: dict[str, BandTable]
    indicators: tuple[Indicator, ...]

    def by_code(self) -> dict[str, Indicator]:
        """Indicators keyed by code."""
        return {i.code: i for i in self.indicators}

    def for_aspect(self, aspect: Aspect) -> list[Indicator]:
        """The indicators of one aspect, in order."""
        return [i for i in self.indicators if i.aspect == aspect]


def build_indicator_set(*sources: Mapping[str, Any]) -> IndicatorSet:
    """Combine the known band tables with indicator definitions (later sources add or override).

    Each source is {"band_tables": {code: {"label", "bands": {category: interval}}},
    "indicators": [{"code", "aspect", "kind", "band_table", "label", "items"?}]}.
    """
    raw_tables: dict[str, Mapping[str, Any]] = dict(KNOWN_BAND_TABLES)
    raw_indicators: dict[str, Mapping[str, Any]] = {}
    for source in sources:
        raw_tables.update(source.get("band_tables") or {})
        for item in source.get("indicators") or []:
            raw_indicators[item["code"]] = item
    tables = {code: BandTable.from_data(code, data) for code, data in raw_tables.items()}
    indicators = []
    for code, item in raw_indicators.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,59}", code):
            raise ValueError(f"indicator code {code!r}: lower-case letters, digits and _ only")
        try:
            aspect = Aspect(item["aspect"])
        except ValueError as err:
            raise ValueError(f"indicator {code}: unknown aspect {item['aspect']!r}") from err
        kind = item.get("kind", "ratio")
        if kind not in KINDS:
            raise ValueError(f"indicator {code}: kind must be one of {KINDS}")
        table = item.get("band_table") or ("checklist" if kind == "checklist" else None)
        if table not in tables:
            raise ValueError(f"indicator {code}: unknown band table {table!r}")
        items = item.get("items")
        if items is not None and (not isinstance(items, int) or items < 1):
            raise ValueError(f"indicator {code}: items must be a positive whole number")
        indicators.append(Indicator(code, aspect, kind, table, item.get("label", code), items))
    order = list(Aspect)
    indicators.sort(key=lambda i: order.index(i.aspect))
    return IndicatorSet(tables, tuple(indicators))


def load_indicator_set(extra_file: str | Path | None = None) -> IndicatorSet:
    """The shipped indicators, plus the office's own file when one is configured and present."""
    sources = [json.loads(DEFAULT_INDICATORS_FILE.read_text(encoding="utf-8"))]
    if extra_file and Path(extra_file).is_file():
        sources.append(json.loads(Path(extra_file).read_text(encoding="utf-8")))
    return build_indicator_set(*sources)


# --- Scoring ---------------------------------------------------------------------------------


def skor_for_nilai(nilai: int) -> int:
    """skor = 5 - nilai: 4 is best."""
    if nilai not in (1, 2, 3, 4):
        raise HealthInputError("bad_nilai", f"nilai harus 1–4, bukan {nilai}")
    return 5 - nilai


def checklist_ratio(fulfilled: int, items: int) -> Decimal:
    """Items met ÷ items × 100, to two decimals."""
    return round2(Decimal(fulfilled) * HUNDRED / Decimal(items))


def aspect_pct(skors: Iterable[int]) -> Decimal:
    """sum(skor) / (n × 4) × 100, to two decimals."""
    values = list(skors)
    if not values:
        raise HealthInputError("aspect_without_indicators", "aspek tanpa indikator")
    return round2(Decimal(sum(values)) * HUNDRED / Decimal(len(values) * 4))


def final_score(aspects: Mapping[Aspect, Decimal]) -> Decimal:
    """0.30·TK + 0.15·PR + 0.40·KK + 0.15·PM from two-decimal aspect scores, to two decimals."""
    return round2(sum((WEIGHTS[a] * round2(aspects[a]) for a in Aspect), Decimal(0)))


def predikat_for(score: Decimal) -> Predikat:
    """The predikat of a final score (inclusive lower bounds after rounding to two decimals)."""
    score = round2(score)
    for lower, predikat in PREDIKAT_BANDS:
        if score >= lower:
            return predikat
    return Predikat.dalam_pengawasan_khusus


@dataclass(frozen=True)
class HealthResult:
    """The outcome of one assessment: four aspect scores, final score, predikat, indicator detail."""

    aspects: dict[Aspect, Decimal]
    final_score: Decimal
    predikat: Predikat
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)


def assess_aspects(aspects: Mapping[str, Any]) -> HealthResult:
    """Score from the four aspect percentages (the required entry path)."""
    clean: dict[Aspect, Decimal] = {}
    for aspect in Aspect:
        if aspect.value not in aspects or aspects[aspect.value] in (None, ""):
            raise HealthInputError("aspect_missing", f"{aspect.value}: wajib diisi", aspect.value)
        value = round2(to_decimal(aspects[aspect.value], aspect.value))
        if not Decimal(0) <= value <= HUNDRED:
            raise HealthInputError("aspect_out_of_range", f"{aspect.value}: harus 0–100", aspect.value)
        clean[aspect] = value
    unknown = set(aspects) - {a.value for a in Aspect}
    if unknown:
        name = sorted(unknown)[0]
        raise HealthInputError("unknown_aspect", f"{name}: bukan aspek penilaian", name)
    score = final_score(clean)
    return HealthResult(clean, score, predikat_for(score))


def _indicator_ratio(ind: Indicator, answer: Any) -> tuple[Decimal, dict[str, Any]]:
    if not isinstance(answer, Mapping):
        raise HealthInputError("bad_answer", f"{ind.code}: jawaban harus berupa objek", ind.code)
    if ind.kind == "checklist":
        items = answer.get("items", ind.items)
        fulfilled = answer.get("fulfilled")
        if not isinstance(items, int) or isinstance(items, bool) or items < 1:
            raise HealthInputError(
                "bad_items", f"{ind.code}: jumlah butir harus bilangan bulat ≥ 1", ind.code
            )
        if ind.items is not None and items != ind.items:
            raise HealthInputError("bad_items", f"{ind.code}: jumlah butir harus {ind.items}", ind.code)
        if not isinstance(fulfilled, int) or isinstance(fulfilled, bool) or not 0 <= fulfilled <= items:
            raise HealthInputError("bad_fulfilled", f"{ind.code}: butir terpenuhi harus 0–{items}", ind.code)
        return checklist_ratio(fulfilled, items), {"fulfilled": fulfilled, "items": items}
    if "value" not in answer or answer["value"] in (None, ""):
        raise HealthInputError("bad_value", f"{ind.code}: nilai rasio wajib diisi", ind.code)
    value = round2(to_decimal(answer["value"], ind.code))
    return value, {"value": str(value)}


def assess_indicators(answers: Mapping[str, Any], indicator_set: IndicatorSet) -> HealthResult:
    """Score from indicator answers: every indicator in force must be answered.

    answers: {code: {"fulfilled": n, "items": m}} for checklists, {code: {"value": x}} for ratios.
    """
    known = indicator_set.by_code()
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise HealthInputError("unknown_indicator", f"{unknown[0]}: indikator tidak dikenal", unknown[0])
    missing = [code for code in known if code not in answers]
    if missing:
        raise HealthInputError(
            "indicator_missing", f"indikator belum dijawab: {', '.join(missing)}", missing[0]
        )
    detail: dict[str, dict[str, Any]] = {}
    skors: dict[Aspect, list[int]] = {a: [] for a in Aspect}
    for code, ind in known.items():
        ratio, given = _indicator_ratio(ind, answers[code])
        category = indicator_set.tables[ind.band_table].category_for(ratio)
        nilai = CATEGORY_NILAI[category]
        skor = skor_for_nilai(nilai)
        skors[ind.aspect].append(skor)
        detail[code] = {**given, "ratio": str(ratio), "kategori": category, "nilai": nilai, "skor": skor}
    empty = [a.value for a in Aspect if not skors[a]]
    if empty:
        raise HealthInputError(
            "aspect_without_indicators", f"aspek tanpa indikator: {', '.join(empty)}", empty[0]
        )
    aspects = {a: aspect_pct(skors[a]) for a in Aspect}
    score = final_score(aspects)
    return HealthResult(aspects, score, predikat_for(score), detail)
