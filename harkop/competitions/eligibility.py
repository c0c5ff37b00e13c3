"""Eligibility rules as pure functions: registry facts + a competition's rules + a date -> decision.

No session, no request: the caller reads `CooperativeFacts` from the registry and counts the
cooperative's entries, these functions only judge. Each failing rule has its own code and a
reason in plain Indonesian that a pengurus understands:

| code                 | rule                                                              |
|----------------------|-------------------------------------------------------------------|
| `not_active`         | the cooperative is active in the registry                          |
| `rat_missing`        | RAT held for the book year before the event's year                 |
| `predikat_too_low`   | latest health predikat at least the minimum                        |
| `assessment_too_old` | that assessment examined no more than N years before today         |
| `jenis_not_allowed`  | jenis in the competition's list (an empty list allows every jenis) |
| `limit_reached`      | fewer active entries than the per-cooperative limit                |

An office exception waives the registry rules (the first five) for one cooperative, never
the per-cooperative limit: a waived failure is kept in the decision so the record shows it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from ..clock import format_short_date
from ..cooperatives.vocab import Jenis, Predikat, ReasonCode

NOT_ACTIVE = "not_active"
RAT_MISSING = "rat_missing"
PREDIKAT_TOO_LOW = "predikat_too_low"
ASSESSMENT_TOO_OLD = "assessment_too_old"
JENIS_NOT_ALLOWED = "jenis_not_allowed"
LIMIT_REACHED = "limit_reached"

REGISTRY_CODES = (NOT_ACTIVE, RAT_MISSING, PREDIKAT_TOO_LOW, ASSESSMENT_TOO_OLD, JENIS_NOT_ALLOWED)
ALL_CODES = (*REGISTRY_CODES, LIMIT_REACHED)


@dataclass(frozen=True)
class EligibilityRules:
    """A competition's eligibility rules as plain data."""

    require_active: bool = True
    require_rat_previous_year: bool = True
    min_predikat: str | None = None
    max_assessment_age_years: int | None = None
    allowed_jenis: frozenset[str] = field(default_factory=frozenset)
    per_cooperative_limit: int = 1

    def __post_init__(self) -> None:
        if self.min_predikat is not None and Predikat.of(self.min_predikat) is None:
            raise ValueError(f"unknown predikat: {self.min_predikat}")

    @classmethod
    def of(cls, competition: Any) -> EligibilityRules:
        """The rules of a competition (any object with the rule attributes)."""
        return cls(
            require_active=bool(competition.require_active),
            require_rat_previous_year=bool(competition.require_rat_previous_year),
            min_predikat=competition.min_predikat or None,
            max_assessment_age_years=competition.max_assessment_age_years,
            allowed_jenis=frozenset(competition.allowed_jenis or ()),
            per_cooperative_limit=int(competition.per_cooperative_limit),
        )

    @property
    def has_health_rule(self) -> bool:
        """True when the rules ask anything of the health assessment."""
        return self.min_predikat is not None or self.max_assessment_age_years is not None


@dataclass(frozen=True)
class Failure:
    """One failed rule: a stable code and its reason in Indonesian."""

    code: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """JSON form (`{"code", "message"}`, like the API's errors)."""
        return {"code": self.code, "message": self.reason}


@dataclass(frozen=True)
class Decision:
    """The outcome of a check: eligible or not, the failures, and any waived by an exception."""

    eligible: bool
    failures: tuple[Failure, ...]
    waived: tuple[Failure, ...] = ()
    exception_reason: str | None = None
    checked_on: date | None = None

    @property
    def codes(self) -> list[str]:
        """The codes of the failures that count."""
        return [f.code for f in self.failures]

    def as_dict(self) -> dict[str, Any]:
        """JSON form, stored on the entry and returned by the API."""
        return {
            "eligible": self.eligible,
            "checked_on": self.checked_on.isoformat() if self.checked_on else None,
            "reasons": [f.as_dict() for f in self.failures],
            "waived": [f.as_dict() for f in self.waived],
            "exception": self.exception_reason,
        }


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def rat_book_year(event_year: int) -> int:
    """The book year whose RAT an event requires: the year before the event's year."""
    return event_year - 1


def _jenis_list(codes: Iterable[str]) -> str:
    return ", ".join(Jenis.label_of(c) for c in sorted(codes))


def check_active(facts: Any, rules: EligibilityRules) -> Failure | None:
    """`not_active` when the rules require an active cooperative and it is not."""
    if not rules.require_active or facts.is_active:
        return None
    reasons = [ReasonCode.label_of(r) for r in facts.inactive_reasons]
    if reasons:
        return Failure(
            NOT_ACTIVE,
            _(
                "Koperasi tercatat tidak aktif di registri Dinas (alasan: %(reasons)s).",
                reasons="; ".join(reasons),
            ),
        )
    return Failure(NOT_ACTIVE, _("Koperasi tercatat tidak aktif di registri Dinas."))


def check_rat(facts: Any, rules: EligibilityRules, *, event_year: int) -> Failure | None:
    """`rat_missing` when no RAT is recorded for the book year before the event's year."""
    year = rat_book_year(event_year)
    if not rules.require_rat_previous_year or year in facts.rat_book_years:
        return None
    return Failure(
        RAT_MISSING,
        _(
            "Koperasi belum tercatat melaksanakan RAT untuk tahun buku %(year)d. "
            "Laporkan RAT ke Dinas agar dapat mendaftar.",
            year=year,
        ),
    )


def check_predikat(facts: Any, rules: EligibilityRules) -> Failure | None:
    """`predikat_too_low` when the latest predikat is below the minimum (or there is none)."""
    if rules.min_predikat is None:
        return None
    minimum = Predikat(rules.min_predikat)
    if facts.predikat is None:
        return Failure(
            PREDIKAT_TOO_LOW,
            _(
                "Koperasi belum memiliki hasil pemeriksaan kesehatan; lomba ini mensyaratkan "
                "predikat minimal %(min)s.",
                min=minimum.label,
            ),
        )
    if Predikat(facts.predikat).rank >= minimum.rank:
        return None
    return Failure(
        PREDIKAT_TOO_LOW,
        _(
            "Predikat kesehatan koperasi (%(got)s) di bawah syarat minimal %(min)s.",
            got=Predikat.label_of(facts.predikat),
            min=minimum.label,
        ),
    )


def check_assessment_age(facts: Any, rules: EligibilityRules, *, today: date) -> Failure | None:
    """`assessment_too_old` when the latest assessment is older than the allowed number of years.

    An assessment examined exactly N years before today still counts; one day earlier does not.
    """
    years = rules.max_assessment_age_years
    if years is None:
        return None
    examined = facts.predikat_examined_on
    if examined is None:
        if rules.min_predikat is not None:
            return None  # predikat_too_low already says there is no assessment at all
        return Failure(
            ASSESSMENT_TOO_OLD,
            _("Koperasi belum memiliki pemeriksaan kesehatan dalam %(n)d tahun terakhir.", n=years),
        )
    if examined >= years_before(today, years):
        return None
    return Failure(
        ASSESSMENT_TOO_OLD,
        _(
            "Pemeriksaan kesehatan terakhir (%(on)s) lebih dari %(n)d tahun yang lalu; "
            "lomba ini memerlukan pemeriksaan yang lebih baru.",
            on=format_short_date(examined),
            n=years,
        ),
    )


def check_jenis(facts: Any, rules: EligibilityRules) -> Failure | None:
    """`jenis_not_allowed` when the competition lists jenis and the cooperative's is not among them."""
    if not rules.allowed_jenis or facts.jenis in rules.allowed_jenis:
        return None
    allowed = _jenis_list(rules.allowed_jenis)
    if facts.jenis is None:
        return Failure(
            JENIS_NOT_ALLOWED,
            _(
                "Jenis koperasi belum tercatat di registri; lomba ini hanya untuk koperasi %(allowed)s.",
                allowed=allowed,
            ),
        )
    return Failure(
        JENIS_NOT_ALLOWED,
        _(
            "Lomba ini hanya untuk koperasi %(allowed)s; koperasi Anda berjenis %(jenis)s.",
            allowed=allowed,
            jenis=Jenis.label_of(facts.jenis),
        ),
    )


def check_limit(rules: EligibilityRules, entry_count: int) -> Failure | None:
    """`limit_reached` when the cooperative already has as many active entries as allowed."""
    if entry_count < rules.per_cooperative_limit:
        return None
    return Failure(
        LIMIT_REACHED,
        _(
            "Koperasi Anda sudah memiliki %(n)d pendaftaran aktif di lomba ini; "
            "batasnya %(limit)d per koperasi.",
            n=entry_count,
            limit=rules.per_cooperative_limit,
        ),
    )


def registry_failures(facts: Any, rules: EligibilityRules, *, event_year: int, today: date) -> list[Failure]:
    """Every registry rule the cooperative fails, in the table's order."""
    checks = (
        check_active(facts, rules),
        check_rat(facts, rules, event_year=event_year),
        check_predikat(facts, rules),
        check_assessment_age(facts, rules, today=today),
        check_jenis(facts, rules),
    )
    return [f for f in checks if f is not None]


def check_eligibility(
    facts: Any,
    rules: EligibilityRules,
    *,
    event_year: int,
    today: date,
    entry_count: int,
    exception_reason: str | None = None,
) -> Decision:
    """Judge one cooperative against all rules; an exception waives the registry rules only."""
    failures = registry_failures(facts, rules, event_year=event_year, today=today)
    waived: list[Failure] = []
    if exception_reason is not None:
        waived, failures = failures, []
    limit = check_limit(rules, entry_count)
    if limit is not None:
        failures.append(limit)
    return Decision(
        eligible=not failures,
        failures=tuple(failures),
        waived=tuple(waived),
        exception_reason=exception_reason,
        checked_on=today,
    )


@dataclass(frozen=True)
class QualifyCount:
    """How many cooperatives pass the registry rules, and how many fail each rule."""

    total: int
    qualifying: int
    failing: dict[str, int]


def count_qualifying(
    all_facts: Iterable[Any], rules: EligibilityRules, *, event_year: int, today: date
) -> QualifyCount:
    """Count the cooperatives that pass the registry rules (the per-cooperative limit aside)."""
    total = qualifying = 0
    failing: Counter[str] = Counter()
    for facts in all_facts:
        total += 1
        failures = registry_failures(facts, rules, event_year=event_year, today=today)
        if not failures:
            qualifying += 1
        failing.update(f.code for f in failures)
    return QualifyCount(total=total, qualifying=qualifying, failing=dict(failing))
