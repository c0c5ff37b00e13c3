"""Score aggregation: pure functions over plain data, with a registry of named strategies.

Nothing here touches the database, the request or the clock: callers pass criteria and
scorecards (the dataclasses below) and get back a `Results` object that explains every number.

The rules, as published to the participants (docs/domain.md §5, and docs/judging.md):

* **Per-judge total**: S = 100 · Σ wᶜ·sᶜ/Mᶜ with the weights normalised to sum 1, so a total
  lies in 0..100 whatever the rubric's scales. Every criterion must be scored, within 0..Mᶜ.
* **Across judges** one named strategy (`STRATEGIES`):
  - `mean` (default): the arithmetic mean of the judges' totals.
  - `median`: the middle total (the mean of the two middle ones for an even count).
  - `trimmed_mean`: drops the single highest and the single lowest total, then the mean.
    Only with at least 5 judges on *every* entry; otherwise `ScoringError("not_enough_judges")`
    listing the entries. We refuse rather than fall back to `mean` for some entries, because a
    ranking in which some entries had their outliers removed and others did not is not fair;
    the office gets the missing scorecards or chooses another strategy.
  - `zscore`: each judge's totals are standardised over the entries that judge scored
    (z = (S − judge's mean) / judge's population standard deviation), then averaged per entry.
    This removes a judge's general harshness or generosity. It needs enough overlap:
    every judge scored at least 2 entries, and judges and entries form one connected group
    through shared entries (otherwise two panels would be compared with no common ground);
    failing that, `ScoringError("not_enough_overlap")`. A judge whose totals are all equal
    (zero spread) expressed no preference: each of their entries gets z = 0 from them.
    The aggregate is then in standard deviations, not points (`Results.scale == "z"`).
* **Discrepancy**: an entry is flagged when its judges' totals spread (max − min) exceeds the
  configured amount (strictly greater; `None` turns the flag off).
* **Ranking** with the tie-break ladder, never random: the aggregate; then each criterion in the
  competition's stated order (the entry's per-criterion values 100·sᶜ/Mᶜ aggregated across judges
  with the same strategy); then the median judge total; then a shared rank. Ranks are standard
  competition ranking (1, 2, 2, 4). Each entry records the rung that separated it from the
  entry above (`"score"`, `"criterion:<id>"`, `"median"` or `"tie"`).
* **Awards** follow the rank: 1-3 are Juara 1-3, 4-5 are Harapan 1-2. A shared rank shares the
  award and uses up the places it covers, as in sport: ranks 1, 2, 2, 4 give Juara 1, Juara 2
  twice and Harapan 1 (no Juara 3). Every entry ranked 5 gets Harapan 2, however many share it.

Exactness and determinism: inputs are read exactly (Decimal; at most 12 decimals) and every
total and per-criterion value is an exact rational, kept as an integer over a denominator
common to the competition (`ScaledTable`). Means, medians and trimmed means are therefore exact,
and judges with mathematically equal totals have equal integers, whatever the weights. Only
z-scores need a square root: each is computed from exact integers with three roundings in a fixed
34-digit Decimal context (`CONTEXT`), so shifting a judge's scores leaves their z-scores
identical to the last digit, and the order of judges, scorecards or criteria never changes a
digit. Every value in a result is rounded half-even to `COMPARE_PLACES` decimals before entries
are compared, so the remaining rounding noise of a z-score average (around 10⁻³³) cannot
separate two entries unless their exact value lies that close to a rounding boundary.
Rounding to 2 decimals is for display only (`display`).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import reduce, wraps
from math import lcm
from typing import Any, ClassVar, TypeVar

# The one context for the rounded steps (z-scores), whatever the caller's context is.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
# Additions that never round: an exact sum does not depend on the order of its terms.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Overflow],
)
# Inputs (scores, weights, maxima, totals) have at most this many decimals and stay below 10**15,
# so every one is an integer over 10**12 and 1e-999999 is a refusal, not a stall.
MAX_INPUT_PLACES = 12
MAX_INPUT_ADJUSTED = 14
INPUT_SCALE = 10**MAX_INPUT_PLACES
COMPARE_PLACES = 9
HUNDRED = Fraction(100)
ZERO = Decimal(0)

DEFAULT_STRATEGY = "mean"
DEFAULT_DISCREPANCY = Decimal(20)
TRIMMED_MIN_JUDGES = 5
ZSCORE_MIN_ENTRIES = 2

AWARDS: dict[int, str] = {1: "Juara 1", 2: "Juara 2", 3: "Juara 3", 4: "Harapan 1", 5: "Harapan 2"}

RUNG_SCORE = "score"
RUNG_MEDIAN = "median"
RUNG_TIE = "tie"

Id = Hashable
Number = Fraction | Decimal | int
F = TypeVar("F", bound=Callable[..., Any])


class ScoringError(ValueError):
    """Scoring input that cannot be aggregated; `code` is stable, `details` names the culprits."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def _in_context(func: F) -> F:
    """Run `func` in the fixed decimal context, so results never depend on the caller's."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with decimal.localcontext(CONTEXT):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def id_key(value: Id) -> tuple[int, Any, str]:
    """A sort key for entry, judge and criterion ids that may be ints or strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def to_decimal(value: Any, *, what: str = "value") -> Decimal:
    """Read an int, Decimal, float or numeric string exactly as a finite, bounded Decimal."""
    if isinstance(value, bool):
        raise ScoringError("invalid_number", f"{what} is a boolean, not a number", value=value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr() is the shortest string that round-trips: 0.1 is read as 0.1, not 0.1000000000000000055...
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ScoringError("invalid_number", f"{what} is not a number", value=value) from None
    else:
        raise ScoringError("invalid_number", f"{what} is not a number", value=repr(value))
    if not number.is_finite():
        raise ScoringError("invalid_number", f"{what} is not finite", value=str(value))
    if number:
        reduced = number.normalize(_EXACT)
        if reduced.as_tuple().exponent < -MAX_INPUT_PLACES or reduced.adjusted() > MAX_INPUT_ADJUSTED:
            raise ScoringError(
                "invalid_number",
                f"{what} needs at most {MAX_INPUT_PLACES} decimals and must be below 10**15",
                value=str(value),
            )
    return number


def _scaled(number: Decimal) -> int:
    """A bounded Decimal as an exact integer count of 10**-12."""
    return int(number.scaleb(MAX_INPUT_PLACES, _EXACT))


def quantize(value: Number) -> Decimal:
    """Round an exact or computed value half-even to `COMPARE_PLACES` decimals (the compared value)."""
    if isinstance(value, Decimal):
        return value.quantize(_QUANTUM, context=_EXACT)
    value = Fraction(value)
    return _quantize_ratio(value.numerator, value.denominator)


_QUANTUM = Decimal(1).scaleb(-COMPARE_PLACES)
_COMPARE_SCALE = 10**COMPARE_PLACES


def _quantize_ratio(numerator: int, denominator: int) -> Decimal:
    """numerator/denominator (denominator > 0) rounded half-even to COMPARE_PLACES, in integers only."""
    units, rest = divmod(numerator * _COMPARE_SCALE, denominator)
    if 2 * rest > denominator or (2 * rest == denominator and units % 2):
        units += 1
    return Decimal(units).scaleb(-COMPARE_PLACES, _EXACT)


def display(value: Number | float | str, places: int = 2) -> str:
    """Format a value for people: `places` decimals, half up (85.125 -> "85.13")."""
    if isinstance(value, Fraction):
        value = CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    number = to_decimal(value) if not isinstance(value, Decimal) else value
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=_EXACT)
    return f"{rounded:f}"


def _exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of Decimals: the same digits for any order of the terms."""
    return reduce(_EXACT.add, values, ZERO)


def _median_scaled(ordered: Sequence[int], denominator: int) -> Fraction:
    """The exact median of sorted scaled integers, as a Fraction in real units."""
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return Fraction(ordered[mid], denominator)
    return Fraction(ordered[mid - 1] + ordered[mid], 2 * denominator)


# --------------------------------------------------------------------------- criteria, cards


@dataclass(frozen=True)
class Criterion:
    """One rubric line: `weight` (any non-negative scale, normalised), `max_score` Mᶜ, and its rank `order`."""

    id: Id
    weight: Decimal | int | float | str
    max_score: Decimal | int | float | str
    order: int = 0


@dataclass(frozen=True)
class Scorecard:
    """One judge's submitted scores for one entry: {criterion id: value in 0..max_score}."""

    judge_id: Id
    entry_id: Id
    scores: Mapping[Id, Any]


@dataclass(frozen=True)
class Rubric:
    """Validated criteria in their stated order, with exact factors for scaled-integer arithmetic.

    For a score s (as the integer n = s·10¹²) of criterion c: the judge's total S is
    Σ total_factors[c]·n / total_denominator, and the criterion's value 100·s/Mᶜ is
    criterion_factors[c]·n / criterion_denominators[c].
    """

    criteria: tuple[Criterion, ...]
    weights: tuple[Fraction, ...]  # normalised to sum 1, in `criteria` order
    maxima: tuple[Decimal, ...]
    ids: frozenset[Id]
    total_factors: tuple[int, ...]
    total_denominator: int
    criterion_factors: tuple[int, ...]
    criterion_denominators: tuple[int, ...]

    @property
    def ladder(self) -> tuple[str, ...]:
        """The tie-break rungs in order: score, each criterion, median (a full tie is "tie")."""
        return (RUNG_SCORE, *(f"criterion:{c.id}" for c in self.criteria), RUNG_MEDIAN)


def prepare_rubric(criteria: Iterable[Criterion]) -> Rubric:
    """Validate criteria (weights ≥ 0 summing > 0, maxima > 0, unique ids) and order them."""
    items = sorted(criteria, key=lambda c: (c.order, id_key(c.id)))
    if not items:
        raise ScoringError("no_criteria", "the rubric has no criteria")
    seen: set[Id] = set()
    raw_weights: list[Fraction] = []
    maxima: list[Decimal] = []
    for criterion in items:
        if criterion.id in seen:
            raise ScoringError("duplicate_criterion", "a criterion appears twice", criterion_id=criterion.id)
        seen.add(criterion.id)
        weight = to_decimal(criterion.weight, what="weight")
        if weight < 0:
            raise ScoringError("invalid_weight", "a weight is negative", criterion_id=criterion.id)
        maximum = to_decimal(criterion.max_score, what="max_score")
        if maximum <= 0:
            raise ScoringError(
                "invalid_max_score", "a maximum score must be positive", criterion_id=criterion.id
            )
        raw_weights.append(Fraction(weight))
        maxima.append(maximum)
    weight_sum = sum(raw_weights, Fraction(0))
    if weight_sum <= 0:
        raise ScoringError("invalid_weight", "the weights sum to zero")
    weights = tuple(w / weight_sum for w in raw_weights)
    # S = Σ 100·wᶜ/Mᶜ · s: with s = n/10¹², bring every factor to one denominator.
    per_unit = [HUNDRED * w / Fraction(m) / INPUT_SCALE for w, m in zip(weights, maxima, strict=True)]
    total_den = lcm(*(f.denominator for f in per_unit))
    criterion_units = [HUNDRED / Fraction(m) / INPUT_SCALE for m in maxima]
    return Rubric(
        criteria=tuple(items),
        weights=weights,
        maxima=tuple(maxima),
        ids=frozenset(seen),
        total_factors=tuple(int(f * total_den) for f in per_unit),
        total_denominator=total_den,
        criterion_factors=tuple(f.numerator for f in criterion_units),
        criterion_denominators=tuple(f.denominator for f in criterion_units),
    )


def _check_keys(rubric: Rubric, card: Scorecard) -> None:
    """Raise unknown_criterion / missing_score unless the card scores exactly the rubric's criteria."""
    keys = set(card.scores)
    unknown = sorted(keys - rubric.ids, key=id_key)
    if unknown:
        raise ScoringError(
            "unknown_criterion",
            "a scorecard scores a criterion that is not in the rubric",
            judge_id=card.judge_id,
            entry_id=card.entry_id,
            criterion_ids=unknown,
        )
    missing = sorted(rubric.ids - keys, key=id_key)
    if missing:
        raise ScoringError(
            "missing_score",
            "a scorecard leaves a criterion unscored",
            judge_id=card.judge_id,
            entry_id=card.entry_id,
            criterion_ids=missing,
        )


_Cache = dict[tuple[int, type, Any], tuple[int, int]]


def _read_card(rubric: Rubric, card: Scorecard, cache: _Cache) -> tuple[int, tuple[int, ...]]:
    """The card's total and per-criterion values as scaled integers, each score checked in 0..Mᶜ.

    `cache` maps (criterion position, type, raw value) to its two scaled contributions: rubrics
    use few distinct values, so most scores skip the conversion. The type is part of the key so
    that True is never taken for 1.
    """
    scores = card.scores
    if len(scores) != len(rubric.ids):
        _check_keys(rubric, card)
    total = 0
    values = []
    for position, criterion in enumerate(rubric.criteria):
        if criterion.id not in scores:
            _check_keys(rubric, card)
        raw = scores[criterion.id]
        key = (position, type(raw), raw)
        try:
            part, value = cache[key]
        except (KeyError, TypeError):  # TypeError: an unhashable value, refused by to_decimal below
            maximum = rubric.maxima[position]
            number = to_decimal(raw, what="score")
            if number < 0 or number > maximum:
                raise ScoringError(
                    "score_out_of_range",
                    "a score lies outside 0..max_score",
                    judge_id=card.judge_id,
                    entry_id=card.entry_id,
                    criterion_id=criterion.id,
                    value=str(number),
                    max_score=str(maximum),
                ) from None
            n = _scaled(number)
            part, value = rubric.total_factors[position] * n, rubric.criterion_factors[position] * n
            cache[key] = (part, value)
        total += part
        values.append(value)
    return total, tuple(values)


def judge_total(criteria: Rubric | Iterable[Criterion], scores: Mapping[Id, Any]) -> Fraction:
    """One judge's exact total S = 100 · Σ wᶜ·sᶜ/Mᶜ (weights normalised), in 0..100."""
    rubric = criteria if isinstance(criteria, Rubric) else prepare_rubric(criteria)
    total, _ = _read_card(rubric, Scorecard(None, None, scores), {})
    return Fraction(total, rubric.total_denominator)


# --------------------------------------------------------------------------- strategies


@dataclass(frozen=True)
class ScaledTable:
    """Values per entry and judge as exact integers over one denominator: value = int / denominator."""

    values: Mapping[Id, Mapping[Id, int]]  # entry id -> judge id -> scaled value
    denominator: int


@dataclass(frozen=True)
class Aggregate:
    """One entry's aggregate and how it was made.

    `contributions` is what each judge put into the average when it is not their own value
    (the z-scores); `dropped` names the judges left out (trimmed mean).
    """

    value: Fraction | Decimal
    contributions: Mapping[Id, Decimal] | None = None
    dropped: tuple[Id, ...] = ()


class AggregationStrategy:
    """A named way to combine judges' values per entry; subclasses register with `register_strategy`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""  # Indonesian, for the results page
    scale: ClassVar[str] = "points"  # "points" (0..100) or "z" (standard deviations)

    def check(self, table: ScaledTable) -> None:
        """Raise ScoringError when the strategy cannot be applied to this table."""

    def aggregate(self, table: ScaledTable) -> dict[Id, Aggregate]:
        """Combine each entry's judge values into one number."""
        return {entry: self.combine(values, table.denominator) for entry, values in table.values.items()}

    def combine(self, values: Mapping[Id, int], denominator: int) -> Aggregate:
        """Combine one entry's scaled judge values (per-entry strategies override this)."""
        raise NotImplementedError


STRATEGIES: dict[str, AggregationStrategy] = {}


def register_strategy(cls: type[AggregationStrategy]) -> type[AggregationStrategy]:
    """Class decorator: make a strategy available by its `name` (as CTFd's CHALLENGE_CLASSES)."""
    if not cls.name:
        raise ValueError("a strategy needs a name")
    STRATEGIES[cls.name] = cls()
    return cls


def get_strategy(name: str) -> AggregationStrategy:
    """The registered strategy called `name`, or ScoringError("unknown_strategy")."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ScoringError(
            "unknown_strategy", f"no aggregation strategy called {name!r}", known=sorted(STRATEGIES)
        ) from None


@register_strategy
class MeanStrategy(AggregationStrategy):
    """The arithmetic mean of the judges' totals (the default)."""

    name = "mean"
    label = "Rata-rata"

    def combine(self, values: Mapping[Id, int], denominator: int) -> Aggregate:
        """Exact mean of all values."""
        return Aggregate(Fraction(sum(values.values()), len(values) * denominator))


@register_strategy
class MedianStrategy(AggregationStrategy):
    """The middle judge total (mean of the two middle ones for an even count)."""

    name = "median"
    label = "Median"

    def combine(self, values: Mapping[Id, int], denominator: int) -> Aggregate:
        """Exact median of all values."""
        return Aggregate(_median_scaled(sorted(values.values()), denominator))


@register_strategy
class TrimmedMeanStrategy(AggregationStrategy):
    """Drops the single highest and lowest total, then the mean; needs ≥ 5 judges on every entry."""

    name = "trimmed_mean"
    label = "Rata-rata terpangkas"

    def check(self, table: ScaledTable) -> None:
        """Refuse unless every entry has at least TRIMMED_MIN_JUDGES judges."""
        short = sorted((e for e, v in table.values.items() if len(v) < TRIMMED_MIN_JUDGES), key=id_key)
        if short:
            raise ScoringError(
                "not_enough_judges",
                f"trimmed mean needs at least {TRIMMED_MIN_JUDGES} judges on every entry",
                entry_ids=short,
                minimum=TRIMMED_MIN_JUDGES,
            )

    def combine(self, values: Mapping[Id, int], denominator: int) -> Aggregate:
        """Mean without one lowest and one highest value.

        Which judge is named as dropped among equal extremes (the lowest id for the lowest value,
        the highest id for the highest) is only for the record: the mean is the same either way.
        """
        ordered = sorted(values.values())
        low, high = ordered[0], ordered[-1]
        low_judge = min((j for j, v in values.items() if v == low), key=id_key)
        high_judge = max((j for j, v in values.items() if v == high and j != low_judge), key=id_key)
        return Aggregate(
            Fraction(sum(ordered[1:-1]), (len(ordered) - 2) * denominator),
            dropped=(low_judge, high_judge),
        )


@register_strategy
class ZScoreStrategy(AggregationStrategy):
    """Each judge's values standardised over the entries they scored, then averaged per entry."""

    name = "zscore"
    label = "Skor-z per juri"
    scale = "z"

    def check(self, table: ScaledTable) -> None:
        """Refuse unless every judge scored ≥ ZSCORE_MIN_ENTRIES entries and all are connected."""
        by_judge = _by_judge(table.values)
        thin = sorted((j for j, v in by_judge.items() if len(v) < ZSCORE_MIN_ENTRIES), key=id_key)
        if thin:
            raise ScoringError(
                "not_enough_overlap",
                f"z-scores need every judge to have scored at least {ZSCORE_MIN_ENTRIES} entries",
                judge_ids=thin,
                minimum=ZSCORE_MIN_ENTRIES,
            )
        groups = _connected_groups(table.values)
        if len(groups) > 1:
            raise ScoringError(
                "not_enough_overlap",
                "z-scores need the judges to share entries: some panels never scored a common entry",
                judge_groups=[sorted(g, key=id_key) for g in groups],
            )

    def aggregate(self, table: ScaledTable) -> dict[Id, Aggregate]:
        """Standardise per judge (population SD; zero spread gives 0), then mean per entry.

        With n values x (scaled integers; z does not depend on the scale), d = n·x − Σx and
        Q = Σd², z = d·√(n/Q): exact integers up to one division, one square root and one
        product, so a judge whose values all move by a constant gets exactly the same z-scores.
        """
        columns: dict[Id, tuple[list[Id], list[int]]] = {}  # judge -> (entries, values)
        for entry, judges in table.values.items():
            for judge, value in judges.items():
                column = columns.get(judge)
                if column is None:
                    column = columns[judge] = ([], [])
                column[0].append(entry)
                column[1].append(value)
        z: dict[Id, dict[Id, Decimal]] = {entry: {} for entry in table.values}
        for judge, (entries, xs) in columns.items():
            n = len(xs)
            total = sum(xs)
            deviations = [n * x - total for x in xs]
            spread = sum(d * d for d in deviations)
            if spread == 0:  # the judge gave every entry the same total: no preference
                for entry in entries:
                    z[entry][judge] = ZERO
                continue
            factor = CONTEXT.sqrt(CONTEXT.divide(Decimal(n), Decimal(spread)))
            seen: dict[int, Decimal] = {}  # rubric steps repeat, so many entries share a deviation
            for entry, d in zip(entries, deviations, strict=True):
                value = seen.get(d)
                if value is None:
                    value = seen[d] = CONTEXT.multiply(Decimal(d), factor)
                z[entry][judge] = value
        return {
            entry: Aggregate(CONTEXT.divide(_exact_sum(zs.values()), len(zs)), contributions=zs)
            for entry, zs in z.items()
        }


def _by_judge(values: Mapping[Id, Mapping[Id, int]]) -> dict[Id, dict[Id, int]]:
    """Turn entry -> judge -> value into judge -> entry -> value."""
    out: dict[Id, dict[Id, int]] = {}
    for entry, judges in values.items():
        for judge, value in judges.items():
            out.setdefault(judge, {})[entry] = value
    return out


def _connected_groups(values: Mapping[Id, Mapping[Id, int]]) -> list[set[Id]]:
    """The sets of judges linked through shared entries (union-find over the judge–entry graph)."""
    parent: dict[Id, Id] = {}

    def find(judge: Id) -> Id:
        root = judge
        while parent[root] != root:
            root = parent[root]
        while parent[judge] != root:  # path compression keeps it near-linear
            parent[judge], judge = root, parent[judge]
        return root

    for judges in values.values():
        members = list(judges)
        for judge in members:
            parent.setdefault(judge, judge)
        first = find(members[0])
        for judge in members[1:]:
            root = find(judge)
            if root != first:
                parent[root] = first
    groups: dict[Id, set[Id]] = {}
    for judge in parent:
        groups.setdefault(find(judge), set()).add(judge)
    return sorted(groups.values(), key=lambda g: min(id_key(j) for j in g))


def aggregate_totals(
    totals: Mapping[Id, Mapping[Id, Any]], strategy: str = DEFAULT_STRATEGY
) -> dict[Id, Decimal]:
    """Aggregate {entry: {judge: total}} with a named strategy; values as compared (quantized)."""
    if not totals or any(not judges for judges in totals.values()):
        raise ScoringError("no_scorecards", "every entry needs at least one judge's total")
    chosen = get_strategy(strategy)
    table = ScaledTable(
        {e: {j: _scaled(to_decimal(v, what="total")) for j, v in js.items()} for e, js in totals.items()},
        INPUT_SCALE,
    )
    chosen.check(table)
    return {entry: quantize(agg.value) for entry, agg in chosen.aggregate(table).items()}


# --------------------------------------------------------------------------- ranking, awards


@dataclass(frozen=True)
class Placing:
    """An entry's place: its rank, the entry above it, and the rung that separated the two."""

    entry_id: Id
    rank: int
    above: Id | None
    rung: str | None  # None for the first entry; "tie" when nothing separated it from `above`


def rank_entries(keys: Mapping[Id, Sequence[Decimal]], ladder: Sequence[str]) -> list[Placing]:
    """Standard competition ranking by `keys` (higher is better, compared left to right).

    `ladder[i]` names key component i; the first component that differs between two neighbours is
    the rung that separated them. Fully equal keys share a rank (rung "tie") and are listed by id.
    """
    order = sorted(keys, key=id_key)
    order.sort(key=lambda e: tuple(keys[e]), reverse=True)  # stable: equal keys stay in id order
    placings: list[Placing] = []
    for position, entry in enumerate(order):
        if position == 0:
            placings.append(Placing(entry, 1, None, None))
            continue
        above = order[position - 1]
        rung = next(
            (ladder[i] for i, (a, b) in enumerate(zip(keys[above], keys[entry], strict=True)) if a != b),
            RUNG_TIE,
        )
        rank = placings[-1].rank if rung == RUNG_TIE else position + 1
        placings.append(Placing(entry, rank, above, rung))
    return placings


def award_for_rank(rank: int) -> str | None:
    """Juara 1-3 for ranks 1-3, Harapan 1-2 for ranks 4-5, None below (shared ranks share it)."""
    return AWARDS.get(rank)


# --------------------------------------------------------------------------- results


def _text(value: Decimal | None) -> str | None:
    """A Decimal as plain digits (never 5E-9) for snapshots."""
    return None if value is None else f"{value:f}"


@dataclass(frozen=True)
class JudgeScore:
    """One judge's part in an entry's number."""

    judge_id: Id
    total: Decimal  # S on 0..100, as compared
    contribution: Decimal | None  # what went into the average (S, or z for zscore); None if dropped
    dropped: bool = False


@dataclass(frozen=True)
class EntryResult:
    """Everything needed to explain one entry's number and place."""

    entry_id: Id
    strategy: str
    scale: str
    judges: tuple[JudgeScore, ...]  # by judge id
    aggregate: Decimal
    criteria: tuple[tuple[Id, Decimal], ...]  # per-criterion aggregates, in the rubric's order
    median_total: Decimal
    spread: Decimal
    discrepancy: bool
    rank: int
    above: Id | None
    rung: str | None
    award: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot (Decimals as strings, so nothing is lost to floats)."""
        return {
            "entry_id": self.entry_id,
            "strategy": self.strategy,
            "scale": self.scale,
            "judges": [
                {
                    "judge_id": j.judge_id,
                    "total": _text(j.total),
                    "contribution": _text(j.contribution),
                    "dropped": j.dropped,
                }
                for j in self.judges
            ],
            "aggregate": _text(self.aggregate),
            "criteria": [{"criterion_id": c, "value": _text(v)} for c, v in self.criteria],
            "median_total": _text(self.median_total),
            "spread": _text(self.spread),
            "discrepancy": self.discrepancy,
            "rank": self.rank,
            "above": self.above,
            "rung": self.rung,
            "award": self.award,
        }


@dataclass(frozen=True)
class Results:
    """A competition's computed results: entries in ranking order, and the rules that made them."""

    strategy: str
    label: str
    scale: str
    discrepancy_threshold: Decimal | None
    ladder: tuple[str, ...]
    entries: tuple[EntryResult, ...]

    def by_entry(self) -> dict[Id, EntryResult]:
        """The results keyed by entry id."""
        return {r.entry_id: r for r in self.entries}

    def separations(self) -> list[tuple[Id, Id, str]]:
        """(entry above, entry below, rung) for each adjacent pair in ranking order."""
        return [(r.above, r.entry_id, r.rung) for r in self.entries if r.rung is not None]

    def discrepancies(self) -> list[Id]:
        """Entries whose judges' totals spread more than the threshold."""
        return [r.entry_id for r in self.entries if r.discrepancy]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot of the whole result, for storing and publishing."""
        return {
            "strategy": self.strategy,
            "label": self.label,
            "scale": self.scale,
            "discrepancy_threshold": _text(self.discrepancy_threshold),
            "ladder": list(self.ladder),
            "compare_places": COMPARE_PLACES,
            "entries": [r.to_dict() for r in self.entries],
        }


@_in_context
def compute_results(
    criteria: Iterable[Criterion],
    scorecards: Iterable[Scorecard],
    *,
    strategy: str = DEFAULT_STRATEGY,
    discrepancy_threshold: Decimal | int | float | str | None = DEFAULT_DISCREPANCY,
    entries: Iterable[Id] | None = None,
) -> Results:
    """Aggregate, rank and award a competition from its submitted scorecards.

    `entries`, when given, is the list of entries that must be judged: each needs at least one
    scorecard (`no_scorecards`) and no scorecard may be for another entry (`unknown_entry`).
    Otherwise the entries are those that have scorecards.
    """
    rubric = prepare_rubric(criteria)
    chosen = get_strategy(strategy)
    threshold = None if discrepancy_threshold is None else to_decimal(discrepancy_threshold, what="threshold")
    if threshold is not None and threshold < 0:
        raise ScoringError("invalid_threshold", "the discrepancy threshold is negative")

    totals: dict[Id, dict[Id, int]] = {}
    read: dict[Id, dict[Id, tuple[int, ...]]] = {}  # entry -> judge -> per-criterion values
    cache: _Cache = {}
    expected = None if entries is None else set(entries)
    for card in scorecards:
        if expected is not None and card.entry_id not in expected:
            raise ScoringError(
                "unknown_entry", "a scorecard is for an entry not in this competition", entry_id=card.entry_id
            )
        judges = totals.setdefault(card.entry_id, {})
        if card.judge_id in judges:
            raise ScoringError(
                "duplicate_scorecard",
                "a judge has two scorecards for one entry",
                judge_id=card.judge_id,
                entry_id=card.entry_id,
            )
        judges[card.judge_id], read.setdefault(card.entry_id, {})[card.judge_id] = _read_card(
            rubric, card, cache
        )
    if expected is not None:
        unscored = sorted(expected - set(totals), key=id_key)
        if unscored:
            raise ScoringError("no_scorecards", "some entries have no scorecard", entry_ids=unscored)
    if not totals:
        raise ScoringError("no_scorecards", "there are no scorecards")

    per_criterion = [
        {entry: {judge: values[i] for judge, values in judges.items()} for entry, judges in read.items()}
        for i in range(len(rubric.criteria))
    ]
    total_table = ScaledTable(totals, rubric.total_denominator)
    chosen.check(total_table)
    aggregates = chosen.aggregate(total_table)
    criterion_aggregates = [
        chosen.aggregate(ScaledTable(table, den))
        for table, den in zip(per_criterion, rubric.criterion_denominators, strict=True)
    ]

    den = rubric.total_denominator
    keys: dict[Id, tuple[Decimal, ...]] = {}
    for entry, judges in totals.items():
        keys[entry] = (
            quantize(aggregates[entry].value),
            *(quantize(c[entry].value) for c in criterion_aggregates),
            quantize(_median_scaled(sorted(judges.values()), den)),
        )

    results = []
    for placing in rank_entries(keys, rubric.ladder):
        entry = placing.entry_id
        agg = aggregates[entry]
        shown = {judge: _quantize_ratio(value, den) for judge, value in totals[entry].items()}
        spread = max(shown.values()) - min(shown.values())  # of the totals as shown
        judge_scores = []
        for judge in sorted(shown, key=id_key):
            dropped = judge in agg.dropped
            if dropped:
                contribution = None
            elif agg.contributions is not None:
                contribution = quantize(agg.contributions[judge])
            else:
                contribution = shown[judge]
            judge_scores.append(JudgeScore(judge, shown[judge], contribution, dropped))
        results.append(
            EntryResult(
                entry_id=entry,
                strategy=chosen.name,
                scale=chosen.scale,
                judges=tuple(judge_scores),
                aggregate=keys[entry][0],
                criteria=tuple(
                    (criterion.id, value)
                    for criterion, value in zip(rubric.criteria, keys[entry][1:-1], strict=True)
                ),
                median_total=keys[entry][-1],
                spread=spread,
                discrepancy=threshold is not None and spread > threshold,
                rank=placing.rank,
                above=placing.above,
                rung=placing.rung,
                award=award_for_rank(placing.rank),
            )
        )
    return Results(
        strategy=chosen.name,
        label=chosen.label,
        scale=chosen.scale,
        discrepancy_threshold=threshold,
        ladder=rubric.ladder,
        entries=tuple(results),
    )
