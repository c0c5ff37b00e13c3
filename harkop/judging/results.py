"""Results from the database: scorecards into `scoring.compute_results`, snapshots, monitor figures.

The arithmetic lives in `scoring.py` (pure); this module only reads rows, hands them over, and
turns the answer into a snapshot with the names a results page needs. The public page reads
that snapshot and nothing else, so a published result never moves when rows change later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock
from ..competitions.models import Aggregation, Competition
from ..extensions import db
from ..registrations.models import Entry, EntryState
from . import scoring
from .assignments import assignments_of, no_show_ids, panel
from .models import AttendanceStatus, CardState, EntryAttendance, ResultSnapshot, Scorecard

DONE_STATES = (CardState.submitted, CardState.finalised)
# Snapshot format version: the public page can still read old snapshots after a change.
SNAPSHOT_FORMAT = 1


def scoring_criteria(comp: Competition) -> list[scoring.Criterion]:
    """The rubric as scoring input, ordered by the competition's tie-break ladder.

    Criterion ids are strings, as they are in the stored scores (JSON keys), so the cards go to
    scoring exactly as read.
    """
    return [
        scoring.Criterion(id=str(c.id), weight=c.weight, max_score=c.max_score, order=i)
        for i, c in enumerate(comp.tie_break_criteria())
    ]


def judged_entry_ids(comp: Competition) -> list[int]:
    """Ids of the entries to judge (confirmed, not no-show), without loading the rows."""
    absent = select(EntryAttendance.entry_id).where(
        EntryAttendance.competition_id == comp.id, EntryAttendance.status == AttendanceStatus.no_show
    )
    return list(
        db.session.scalars(
            select(Entry.id).where(
                Entry.competition_id == comp.id,
                Entry.state == EntryState.confirmed,
                Entry.id.not_in(absent),
            )
        )
    )


def submitted_cards(comp: Competition, entry_ids: Iterable[int]) -> list[scoring.Scorecard]:
    """Submitted (or final) scorecards of these entries as scoring input, read column-wise."""
    wanted = set(entry_ids)
    rows = db.session.execute(
        select(Scorecard.entry_id, Scorecard.judge_id, Scorecard.scores).where(
            Scorecard.competition_id == comp.id, Scorecard.state.in_(DONE_STATES)
        )
    ).tuples()
    return [scoring.Scorecard(judge, entry, scores) for entry, judge, scores in rows if entry in wanted]


def compute(comp: Competition, entries: list[Entry] | None = None) -> scoring.Results:
    """The competition's results from its submitted scorecards (raises scoring.ScoringError)."""
    ids = judged_entry_ids(comp) if entries is None else [e.id for e in entries]
    return scoring.compute_results(
        scoring_criteria(comp),
        submitted_cards(comp, ids),
        strategy=comp.aggregation.value,
        discrepancy_threshold=comp.discrepancy_threshold,
        entries=ids,
    )


def judge_labels(judge_ids: Iterable[int]) -> dict[int, str]:
    """Anonymous labels for the public: Juri 1, Juri 2, … in a fixed order (by id)."""
    return {j: f"Juri {i}" for i, j in enumerate(sorted(set(judge_ids)), start=1)}


def snapshot_data(comp: Competition, results: scoring.Results, entries: list[Entry]) -> dict[str, Any]:
    """The stored form of a result: scoring's own snapshot plus names, labels and no-shows."""
    info = {e.id: e for e in entries}
    raw = results.to_dict()
    labels = judge_labels(j["judge_id"] for r in raw["entries"] for j in r["judges"])
    enriched = []
    for row in raw["entries"]:
        entry = info[row["entry_id"]]
        enriched.append(
            {
                **row,
                "team": entry.team_name,
                "cooperative": {
                    "id": entry.cooperative_id,
                    "nik": entry.cooperative.nik,
                    "name": entry.cooperative.name,
                },
            }
        )
    absent = sorted(no_show_ids(comp))
    absent_entries = [db.session.get(Entry, i) for i in absent]
    rules = {k: v for k, v in raw.items() if k != "entries"}
    return {
        "format": SNAPSHOT_FORMAT,
        "competition": {
            "id": comp.id,
            "name": comp.name,
            "slug": comp.slug,
            "event": {"name": comp.event.name, "slug": comp.event.slug, "year": comp.event.starts_on.year},
        },
        "computed_at": clock.now().isoformat(),
        "rules": rules,
        "criteria": [
            {"id": c.id, "name": c.name, "weight": c.weight, "max_score": c.max_score}
            for c in comp.tie_break_criteria()
        ],
        "judges": {str(j): label for j, label in labels.items()},
        "entries": enriched,
        "no_shows": [
            {
                "entry_id": e.id,
                "team": e.team_name,
                "cooperative": {"id": e.cooperative_id, "nik": e.cooperative.nik, "name": e.cooperative.name},
            }
            for e in absent_entries
            if e is not None
        ],
    }


# --------------------------------------------------------------------------- reading snapshots


def latest_snapshot(comp: Competition) -> ResultSnapshot | None:
    """The newest result version of a competition, if any."""
    return db.session.scalar(
        select(ResultSnapshot)
        .where(ResultSnapshot.competition_id == comp.id)
        .order_by(ResultSnapshot.version.desc())
        .limit(1)
    )


def published_snapshot(comp: Competition) -> ResultSnapshot | None:
    """The newest published result version, if any."""
    return db.session.scalar(
        select(ResultSnapshot)
        .where(ResultSnapshot.competition_id == comp.id, ResultSnapshot.published_at.is_not(None))
        .order_by(ResultSnapshot.version.desc())
        .limit(1)
    )


def snapshot_versions(comp: Competition) -> list[Any]:
    """Every result version's number and publication time (not its data), newest first."""
    return list(
        db.session.execute(
            select(ResultSnapshot.version, ResultSnapshot.published_at)
            .where(ResultSnapshot.competition_id == comp.id)
            .order_by(ResultSnapshot.version.desc())
        )
    )


def snapshots_of(comp: Competition) -> list[ResultSnapshot]:
    """Every result version of a competition, newest first."""
    return list(
        db.session.scalars(
            select(ResultSnapshot)
            .where(ResultSnapshot.competition_id == comp.id)
            .order_by(ResultSnapshot.version.desc())
        )
    )


RUNG_LABELS = {
    scoring.RUNG_SCORE: _l("nilai akhir"),
    scoring.RUNG_MEDIAN: _l("median nilai juri"),
    scoring.RUNG_TIE: _l("sama persis: peringkat bersama"),
}


def rung_label(rung: str | None, criteria: dict[str, str]) -> str:
    """The tie-break rung that separated an entry from the one above, in words."""
    if rung is None:
        return ""
    if rung.startswith("criterion:"):
        name = criteria.get(rung.split(":", 1)[1], rung)
        return _("kriteria %(n)s", n=name)
    return str(RUNG_LABELS.get(rung, rung))


@dataclass
class JudgeLine:
    """One judge's part in an entry's number, as the public sees it."""

    label: str
    total: str
    contribution: str | None
    dropped: bool


@dataclass
class ResultLine:
    """One entry on the results page, every number explained."""

    entry_id: int
    rank: int
    award: str | None
    team: str
    cooperative: dict[str, Any]
    aggregate: str
    judges: list[JudgeLine]
    criteria: list[tuple[str, str]]
    median_total: str
    spread: str
    discrepancy: bool
    rung: str | None
    rung_text: str
    above_team: str | None


@dataclass
class ResultView:
    """A snapshot read back for a page: rules, the ladder in words, and the entries."""

    snapshot: ResultSnapshot
    strategy_label: str
    scale: str
    ladder: list[str]
    lines: list[ResultLine]
    winners: list[ResultLine] = field(default_factory=list)


def _shown(value: str | None, scale: str) -> str:
    if value is None:
        return "–"
    return scoring.display(Decimal(value), 3 if scale == "z" else 2)


def judge_label(stored: str | None) -> str:
    """A judge's public label in the page's language: the snapshot stores 'Juri 2' (judge_labels)."""
    number = (stored or "").removeprefix("Juri ").strip()
    return _("Juri %(n)s", n=number) if number.isdigit() else _("Juri")


def strategy_text(strategy: str, stored_label: str) -> str:
    """How the final score was computed, in words (the snapshot's own label for an unknown strategy)."""
    aggregation = Aggregation.of(strategy)
    return aggregation.description if aggregation is not None else stored_label


def read_snapshot(snapshot: ResultSnapshot) -> ResultView:
    """Turn a stored snapshot into lines for the results page."""
    data = snapshot.data
    scale = data["rules"]["scale"]
    criteria = {str(c["id"]): c["name"] for c in data["criteria"]}
    labels = data["judges"]
    teams = {r["entry_id"]: r["team"] for r in data["entries"]}
    lines = []
    for row in data["entries"]:
        lines.append(
            ResultLine(
                entry_id=row["entry_id"],
                rank=row["rank"],
                award=row["award"],
                team=row["team"],
                cooperative=row["cooperative"],
                aggregate=_shown(row["aggregate"], scale),
                judges=[
                    JudgeLine(
                        label=judge_label(labels.get(str(j["judge_id"]))),
                        total=_shown(j["total"], "points"),
                        contribution=None if j["contribution"] is None else _shown(j["contribution"], scale),
                        dropped=j["dropped"],
                    )
                    for j in sorted(row["judges"], key=lambda j: labels.get(str(j["judge_id"]), ""))
                ],
                criteria=[
                    (criteria.get(str(c["criterion_id"]), "?"), _shown(c["value"], scale))
                    for c in row["criteria"]
                ],
                median_total=_shown(row["median_total"], "points"),
                spread=_shown(row["spread"], "points"),
                discrepancy=row["discrepancy"],
                rung=row["rung"],
                rung_text=rung_label(row["rung"], criteria),
                above_team=teams.get(row["above"]) if row["above"] is not None else None,
            )
        )
    ladder = [rung_label(r, criteria) for r in data["rules"]["ladder"]] + [str(RUNG_LABELS[scoring.RUNG_TIE])]
    return ResultView(
        snapshot=snapshot,
        strategy_label=strategy_text(data["rules"]["strategy"], data["rules"]["label"]),
        scale=scale,
        ladder=ladder,
        lines=lines,
        winners=[line for line in lines if line.award],
    )


def public_json(snapshot: ResultSnapshot) -> dict[str, Any]:
    """The results as the public API shows them: judges anonymised, nothing personal."""
    data = snapshot.data
    labels = data["judges"]
    return {
        "competition": data["competition"],
        "version": snapshot.version,
        "kind": snapshot.kind.value,
        "reason": snapshot.reason,
        "published_at": snapshot.published_at.isoformat() if snapshot.published_at else None,
        "rules": data["rules"],
        "criteria": data["criteria"],
        "entries": [
            {
                **{k: v for k, v in row.items() if k not in ("judges", "cooperative")},
                "cooperative": {"nik": row["cooperative"]["nik"], "name": row["cooperative"]["name"]},
                "judges": [
                    {
                        **{k: v for k, v in j.items() if k != "judge_id"},
                        "judge": labels.get(str(j["judge_id"])),
                    }
                    for j in row["judges"]
                ],
            }
            for row in data["entries"]
        ],
    }


# --------------------------------------------------------------------------- monitor


@dataclass
class EntryProgress:
    """One entry on the monitor: its judges, what each has done, and the spread of their totals."""

    entry: Entry
    no_show: bool
    judges: list[tuple[int, str]]  # (judge id, card state or "empty")
    submitted: int
    spread: Decimal | None
    discrepancy: bool
    conflicted: list[int]


@dataclass
class JudgeProgress:
    """One judge on the monitor: assigned, submitted, drafts, not started."""

    user: Any
    is_head: bool
    assigned: int
    submitted: int
    drafts: int

    @property
    def missing(self) -> int:
        """Assigned entries without a submitted card."""
        return self.assigned - self.submitted


@dataclass
class Monitor:
    """Progress by judge and by entry, discrepancies and missing scorecards of a competition."""

    judges: list[JudgeProgress]
    entries: list[EntryProgress]
    missing: list[tuple[Entry, Any]]
    threshold: float | None

    @property
    def total(self) -> int:
        """Cards expected (assignments of entries that are judged)."""
        return sum(j.assigned for j in self.judges)

    @property
    def done(self) -> int:
        """Cards submitted."""
        return sum(j.submitted for j in self.judges)

    @property
    def discrepancies(self) -> list[EntryProgress]:
        """Entries whose judges' totals spread more than the threshold."""
        return [e for e in self.entries if e.discrepancy]

    @property
    def conflicts(self) -> list[EntryProgress]:
        """Entries with a judge who has since declared an affiliation with its cooperative."""
        return [e for e in self.entries if e.conflicted]

    @property
    def complete(self) -> bool:
        """Every judged entry has judges and all their cards are submitted."""
        judged = [e for e in self.entries if not e.no_show]
        return bool(judged) and not self.missing and all(e.judges for e in judged)


def monitor(comp: Competition) -> Monitor:
    """Everything the head judge and the office watch while judging runs."""
    from ..auth.models import User
    from .assignments import affiliations_of, confirmed_entries

    absent = no_show_ids(comp)
    entries = confirmed_entries(comp)
    by_entry: dict[int, list[int]] = {}
    for a in assignments_of(comp):
        by_entry.setdefault(a.entry_id, []).append(a.judge_id)
    cards = {
        (c.entry_id, c.judge_id): c
        for c in db.session.scalars(select(Scorecard).where(Scorecard.competition_id == comp.id))
    }
    members = panel(comp)
    judge_ids = {m.user_id for m in members} | {j for js in by_entry.values() for j in js}
    affiliated = affiliations_of(judge_ids)
    try:
        rubric = scoring.prepare_rubric(scoring_criteria(comp))
    except scoring.ScoringError:
        rubric = None
    threshold = comp.discrepancy_threshold

    rows: list[EntryProgress] = []
    missing: list[tuple[Entry, Any]] = []
    counts: dict[int, list[int]] = {j: [0, 0, 0] for j in judge_ids}  # assigned, submitted, drafts
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(judge_ids)))} if judge_ids else {}
    )
    for entry in entries:
        judges = sorted(by_entry.get(entry.id, []))
        no_show = entry.id in absent
        states = []
        totals: list[Fraction] = []
        for j in judges:
            card = cards.get((entry.id, j))
            state = card.state.value if card is not None else "empty"
            states.append((j, state))
            if no_show:
                continue
            counts[j][0] += 1
            if card is not None and card.state in DONE_STATES:
                counts[j][1] += 1
                if rubric is not None:
                    try:
                        totals.append(scoring.judge_total(rubric, card.scores))
                    except scoring.ScoringError:
                        pass
            else:
                if card is not None:
                    counts[j][2] += 1
                missing.append((entry, users.get(j)))
        spread = None
        if len(totals) >= 2:
            spread = scoring.quantize(max(totals) - min(totals))
            spread = Decimal(scoring.display(spread, 2))
        rows.append(
            EntryProgress(
                entry=entry,
                no_show=no_show,
                judges=states,
                submitted=sum(1 for _j, s in states if s in ("submitted", "finalised")),
                spread=spread,
                discrepancy=spread is not None and threshold is not None and spread > Decimal(str(threshold)),
                conflicted=[j for j in judges if entry.cooperative_id in affiliated.get(j, set())],
            )
        )
    head = {m.user_id for m in members if m.is_head}
    judges_rows = [
        JudgeProgress(user=users.get(j), is_head=j in head, assigned=c[0], submitted=c[1], drafts=c[2])
        for j, c in counts.items()
        if users.get(j) is not None
    ]
    judges_rows.sort(key=lambda r: (not r.is_head, r.user.label.lower()))
    return Monitor(judges=judges_rows, entries=rows, missing=missing, threshold=threshold)
