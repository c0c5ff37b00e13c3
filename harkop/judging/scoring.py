"""Score aggregation: pure functions over plain data, with a registry of named strategies.

Nothing here touches the database, the request or the clock: callers pass criteria and
scorecards (the dataclasses below) and get back a `Results` object that explains every number.

The rules, as published to the participants (product.md, "Judging and results"):

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

Determinism: all arithmetic is Decimal in a fixed context (`CONTEXT`), whatever the caller's
decimal context. Sums are taken over sorted values, so the order of judges, scorecards and
criteria never changes a digit. Every value in a result is quantized to `COMPARE_PLACES`
decimals (half-even) before it is compared, so arithmetic noise from inexact divisions (1/3)
never separates two entries that are equal in exact arithmetic. Rounding to 2 decimals is for
display only (`display`).
"""

from __future__ import annotations

import decimal
import operator
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce, wraps
from typing import Any, ClassVar, TypeVar

CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
# Exact addition for sums (see _sum); inputs are bounded by to_decimal, so the digits stay few.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Overflow],
)
# Inputs (scores, weights, maxima, totals) may have at most this many decimals and be below 10**15.
MAX_INPUT_PLACES = 12
MAX_INPUT_ADJUSTED = 14
COMPARE_PLACES = 9
QUANTUM = Decimal(1).scaleb(-COMPARE_PLACES)
HUNDRED = Decimal(100)
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
Table = Mapping[Id, Mapping[Id, Decimal]]  # entry id -> judge id -> value
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
    """A sort key for entry, judge and criterion ids that may be ints or strings (never mixed badly)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def to_decimal(value: Any, *, what: str = "value") -> Decimal:
    """Convert an int, Decimal, float or numeric string exactly to a finite Decimal."""
    if isinstance(value, bool):
        raise ScoringError("invalid_number", f"{what} is a boolean, not a number", value=value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr() is the shortest string that round-trips: 0.1 becomes 0.1, not 0.1000000000000000055...
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
        reduced = number.normalize(CONTEXT)
        if reduced.as_tuple().exponent < -MAX_INPUT_PLACES or reduced.adjusted() > MAX_INPUT_ADJUSTED:
            # Bounded inputs keep exact sums small and make 1e-999999 a refusal, not a stall.
            raise ScoringError(
                "invalid_number",
                f"{what} needs at most {MAX_INPUT_PLACES} decimals and must be below 10**15",
                value=str(value),
            )
    return number


def quantize(value: Decimal) -> Decimal:
    """Round a computed value to the comparison precision (`COMPARE_PLACES` decimals)."""
    return value.quantize(QUANTUM, context=CONTEXT)


def display(value: Decimal | int | float | str, places: int = 2) -> str:
    """Format a value for people: `places` decimals, half up (85.125 -> "85.13")."""
    number = to_decimal(value)
    return str(number.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=CONTEXT))


def _sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum, rounded once to CONTEXT: the same digits for any order of the inputs.

    Additions in `_EXACT` never round (its precision is unbounded), so unlike a running
    sum in 34 digits the result cannot depend on the order; and it is faster than sorting.
    """
    return CONTEXT.plus(reduce(_EXACT.add, values, ZERO))


def _median(ordered: Sequence[Decimal]) -> Decimal:
    """The median of an already sorted, non-empty sequence."""
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


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
    """Validated criteria in their stated order, with the weights normalised to sum 1."""

    criteria: tuple[Criterion, ...]
    weights: tuple[Decimal, ...]  # normalised, same order as `criteria`
    maxima: tuple[Decimal, ...]
    ids: frozenset[Id]

    @property
    def ladder(self) -> tuple[str, ...]:
        """The tie-break rungs in order: score, each criterion, median (a full tie is "tie")."""
        return (RUNG_SCORE, *(f"criterion:{c.id}" for c in self.criteria), RUNG_MEDIAN)


@_in_context
def prepare_rubric(criteria: Iterable[Criterion]) -> Rubric:
    """Validate criteria (weights ≥ 0 summing > 0, maxima > 0, unique ids) and order them."""
    items = sorted(criteria, key=lambda c: (c.order, id_key(c.id)))
    if not items:
        raise ScoringError("no_criteria", "the rubric has no criteria")
    seen: set[Id] = set()
    raw_weights: list[Decimal] = []
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
        raw_weights.append(weight)
        maxima.append(maximum)
    weight_sum = _sum(raw_weights)
    if weight_sum <= 0:
        raise ScoringError("invalid_weight", "the weights sum to zero")
    weights = tuple(w / weight_sum for w in raw_weights)
    return Rubric(tuple(items), weights, tuple(maxima), frozenset(seen))


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


def _normalised_values(
    rubric: Rubric, card: Scorecard, cache: dict[tuple[int, type, Any], Decimal]
) -> tuple[Decimal, ...]:
    """The card's values as 100·sᶜ/Mᶜ in rubric order, each checked to be a number in 0..Mᶜ.

    `cache` maps (criterion position, type, raw value) to the checked result: rubrics use few
    distinct values, so most lookups skip the conversion (the type is in the key so that True
    is never taken for 1).
    """
    scores = card.scores
    if len(scores) != len(rubric.ids):
        _check_keys(rubric, card)
    out = []
    for position, criterion in enumerate(rubric.criteria):
        if criterion.id not in scores:
            _check_keys(rubric, card)
        raw = scores[criterion.id]
        key = (position, type(raw), raw)
        try:
            out.append(cache[key])
            continue
        except (KeyError, TypeError):  # TypeError: an unhashable value, refused by to_decimal below
            pass
        maximum = rubric.maxima[position]
        value = to_decimal(raw, what="score")
        if value < 0 or value > maximum:
            raise ScoringError(
                "score_out_of_range",
                "a score lies outside 0..max_score",
                judge_id=card.judge_id,
                entry_id=card.entry_id,
                criterion_id=criterion.id,
                value=str(value),
                max_score=str(maximum),
            )
        normalised = HUNDRED * value / maximum
        if isinstance(raw, int | str | float | Decimal):
            cache[key] = normalised
        out.append(normalised)
    return tuple(out)


def _weighted(rubric: Rubric, normalised: Sequence[Decimal]) -> Decimal:
    """S = Σ wᶜ · (100·sᶜ/Mᶜ) in the rubric's fixed order (so the digits never vary)."""
    return sum(map(operator.mul, rubric.weights, normalised), ZERO)


@_in_context
def judge_total(criteria: Rubric | Iterable[Criterion], scores: Mapping[Id, Any]) -> Decimal:
    """One judge's total S = 100 · Σ wᶜ·sᶜ/Mᶜ (weights normalised), unrounded, in 0..100."""
    rubric = criteria if isinstance(criteria, Rubric) else prepare_rubric(criteria)
    return _weighted(rubric, _normalised_values(rubric, Scorecard(None, None, scores), {}))


# --------------------------------------------------------------------------- strategies


@dataclass(frozen=True)
class Aggregate:
    """One entry's aggregate and how it was made: the value each judge contributed, and who was dropped."""

    value: Decimal
    contributions: Mapping[Id, Decimal]  # judge id -> the number that went into the average
    dropped: tuple[Id, ...] = ()


class AggregationStrategy:
    """A named way to combine judges' values per entry; subclasses register with `register_strategy`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""  # Indonesian, for the results page
    scale: ClassVar[str] = "points"  # "points" (0..100) or "z" (standard deviations)

    def check(self, table: Table) -> None:
        """Raise ScoringError when the strategy cannot be applied to this table."""

    def aggregate(self, table: Table) -> dict[Id, Aggregate]:
        """Combine each entry's judge values into one number."""
        return {entry: self.combine(values) for entry, values in table.items()}

    def combine(self, values: Mapping[Id, Decimal]) -> Aggregate:
        """Combine one entry's judge values (per-entry strategies override this)."""
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

    def combine(self, values: Mapping[Id, Decimal]) -> Aggregate:
        """Mean of all values."""
        return Aggregate(_sum(values.values()) / len(values), dict(values))


@register_strategy
class MedianStrategy(AggregationStrategy):
    """The middle judge total (mean of the two middle ones for an even count)."""

    name = "median"
    label = "Median"

    def combine(self, values: Mapping[Id, Decimal]) -> Aggregate:
        """Median of all values."""
        return Aggregate(_median(sorted(values.values())), dict(values))


@register_strategy
class TrimmedMeanStrategy(AggregationStrategy):
    """Drops the single highest and lowest total, then the mean; needs ≥ 5 judges on every entry."""

    name = "trimmed_mean"
    label = "Rata-rata terpangkas"

    def check(self, table: Table) -> None:
        """Refuse unless every entry has at least TRIMMED_MIN_JUDGES judges."""
        short = sorted((e for e, v in table.items() if len(v) < TRIMMED_MIN_JUDGES), key=id_key)
        if short:
            raise ScoringError(
                "not_enough_judges",
                f"trimmed mean needs at least {TRIMMED_MIN_JUDGES} judges on every entry",
                entry_ids=short,
                minimum=TRIMMED_MIN_JUDGES,
            )

    def combine(self, values: Mapping[Id, Decimal]) -> Aggregate:
        """Mean without the lowest and the highest value (ties dropped by judge id, for the record only)."""
        ordered = sorted(values.items(), key=lambda kv: (kv[1], id_key(kv[0])))
        low, high = ordered[0][0], ordered[-1][0]
        kept = {judge: value for judge, value in ordered[1:-1]}
        return Aggregate(_sum(kept.values()) / len(kept), kept, dropped=(low, high))


@register_strategy
class ZScoreStrategy(AggregationStrategy):
    """Each judge's values standardised over the entries they scored, then averaged per entry."""

    name = "zscore"
    label = "Skor-z per juri"
    scale = "z"

    def check(self, table: Table) -> None:
        """Refuse unless every judge scored ≥ ZSCORE_MIN_ENTRIES entries and all are connected."""
        by_judge = _by_judge(table)
        thin = sorted((j for j, v in by_judge.items() if len(v) < ZSCORE_MIN_ENTRIES), key=id_key)
        if thin:
            raise ScoringError(
                "not_enough_overlap",
                f"z-scores need every judge to have scored at least {ZSCORE_MIN_ENTRIES} entries",
                judge_ids=thin,
                minimum=ZSCORE_MIN_ENTRIES,
            )
        groups = _connected_groups(table)
        if len(groups) > 1:
            raise ScoringError(
                "not_enough_overlap",
                "z-scores need the judges to share entries: some panels never scored a common entry",
                judge_groups=[sorted(g, key=id_key) for g in groups],
            )

    def aggregate(self, table: Table) -> dict[Id, Aggregate]:
        """Standardise per judge (population SD; zero spread gives 0), then mean per entry."""
        z: dict[Id, dict[Id, Decimal]] = {entry: {} for entry in table}
        for judge, values in _by_judge(table).items():
            n = len(values)
            mean = _sum(values.values()) / n
            variance = _sum((v - mean) * (v - mean) for v in values.values()) / n
            deviation = variance.sqrt()
            for entry, value in values.items():
                z[entry][judge] = ZERO if deviation == 0 else (value - mean) / deviation
        return {entry: Aggregate(_sum(zs.values()) / len(zs), zs) for entry, zs in z.items()}


def _by_judge(table: Table) -> dict[Id, dict[Id, Decimal]]:
    """Turn entry -> judge -> value into judge -> entry -> value."""
    out: dict[Id, dict[Id, Decimal]] = {}
    for entry, values in table.items():
        for judge, value in values.items():
            out.setdefault(judge, {})[entry] = value
    return out


def _connected_groups(table: Table) -> list[set[Id]]:
    """The sets of judges linked through shared entries (union-find over the judge–entry graph)."""
    parent: dict[Id, Id] = {}

    def find(judge: Id) -> Id:
        root = judge
        while parent[root] != root:
            root = parent[root]
        while parent[judge] != root:  # path compression keeps it near-linear
            parent[judge], judge = root, parent[judge]
        return root

    for values in table.values():
        judges = list(values)
        for judge in judges:
            parent.setdefault(judge, judge)
        first = find(judges[0])
        for judge in judges[1:]:
            root = find(judge)
            if root != first:
                parent[root] = first
    groups: dict[Id, set[Id]] = {}
    for judge in parent:
        groups.setdefault(find(judge), set()).add(judge)
    return sorted(groups.values(), key=lambda g: min(id_key(j) for j in g))


@_in_context
def aggregate_totals(table: Table, strategy: str = DEFAULT_STRATEGY) -> dict[Id, Decimal]:
    """Aggregate {entry: {judge: total}} with a named strategy; values quantized for comparison."""
    if not table or any(not values for values in table.values()):
        raise ScoringError("no_scorecards", "every entry needs at least one judge's total")
    chosen = get_strategy(strategy)
    clean = {e: {j: to_decimal(v, what="total") for j, v in vs.items()} for e, vs in table.items()}
    chosen.check(clean)
    return {entry: quantize(agg.value) for entry, agg in chosen.aggregate(clean).items()}


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


@dataclass(frozen=True)
class JudgeScore:
    """One judge's part in an entry's number."""

    judge_id: Id
    total: Decimal  # S on 0..100, quantized
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
                    "total": str(j.total),
                    "contribution": None if j.contribution is None else str(j.contribution),
                    "dropped": j.dropped,
                }
                for j in self.judges
            ],
            "aggregate": str(self.aggregate),
            "criteria": [{"criterion_id": c, "value": str(v)} for c, v in self.criteria],
            "median_total": str(self.median_total),
            "spread": str(self.spread),
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
            "discrepancy_threshold": None
            if self.discrepancy_threshold is None
            else str(self.discrepancy_threshold),
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

    cards: dict[Id, dict[Id, tuple[Decimal, ...]]] = {}  # entry -> judge -> normalised values
    cache: dict[tuple[int, type, Any], Decimal] = {}
    expected = None if entries is None else set(entries)
    for card in scorecards:
        if expected is not None and card.entry_id not in expected:
            raise ScoringError(
                "unknown_entry", "a scorecard is for an entry not in this competition", entry_id=card.entry_id
            )
        judges = cards.setdefault(card.entry_id, {})
        if card.judge_id in judges:
            raise ScoringError(
                "duplicate_scorecard",
                "a judge has two scorecards for one entry",
                judge_id=card.judge_id,
                entry_id=card.entry_id,
            )
        judges[card.judge_id] = _normalised_values(rubric, card, cache)
    if expected is not None:
        unscored = sorted(expected - set(cards), key=id_key)
        if unscored:
            raise ScoringError("no_scorecards", "some entries have no scorecard", entry_ids=unscored)
    if not cards:
        raise ScoringError("no_scorecards", "there are no scorecards")
    totals = {e: {j: _weighted(rubric, n) for j, n in js.items()} for e, js in cards.items()}
    per_criterion = [
        {e: {j: n[i] for j, n in js.items()} for e, js in cards.items()} for i in range(len(rubric.criteria))
    ]

    chosen.check(totals)
    aggregates = chosen.aggregate(totals)
    criterion_aggregates = [chosen.aggregate(table) for table in per_criterion]

    keys: dict[Id, tuple[Decimal, ...]] = {}
    medians: dict[Id, Decimal] = {}
    for entry, judges in totals.items():
        medians[entry] = quantize(_median(sorted(judges.values())))
        keys[entry] = (
            quantize(aggregates[entry].value),
            *(quantize(c[entry].value) for c in criterion_aggregates),
            medians[entry],
        )

    results = []
    for placing in rank_entries(keys, rubric.ladder):
        entry = placing.entry_id
        judges = totals[entry]
        agg = aggregates[entry]
        spread = quantize(max(judges.values()) - min(judges.values()))
        results.append(
            EntryResult(
                entry_id=entry,
                strategy=chosen.name,
                scale=chosen.scale,
                judges=tuple(
                    JudgeScore(
                        judge_id=judge,
                        total=quantize(judges[judge]),
                        contribution=None if judge in agg.dropped else quantize(agg.contributions[judge]),
                        dropped=judge in agg.dropped,
                    )
                    for judge in sorted(judges, key=id_key)
                ),
                aggregate=keys[entry][0],
                criteria=tuple(
                    (criterion.id, value)
                    for criterion, value in zip(rubric.criteria, keys[entry][1:-1], strict=True)
                ),
                median_total=medians[entry],
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
