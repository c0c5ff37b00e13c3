"""Test data for judging: a competition with entries, a panel of judges, assignments and scores.

Plain functions (not fixtures), so the authorization rows can call them too. Everything is
flushed inside the test's transaction; the competition's state is set directly (the tests of the
state machine move it through the services).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harkop import clock
from harkop.auth.models import User
from harkop.auth.services import create_user
from harkop.competitions.models import Competition, CompetitionState
from harkop.cooperatives.models import Cooperative
from harkop.extensions import db
from harkop.judging import services
from harkop.judging.assignments import auto_assign
from harkop.judging.models import Assignment
from harkop.registrations.models import Entry
from tests.competitions.factories import make_competition, make_entry

# During judging: 26 July 2024, 11.00 WITA (the test competitions run 09.00–12.00 that day).
DURING = datetime(2024, 7, 26, 11, 0, tzinfo=clock.WITA)
LATER = datetime(2024, 7, 27, 10, 0, tzinfo=clock.WITA)

_seq = itertools.count(1)


def make_coop(name: str | None = None) -> Cooperative:
    """A cooperative with a unique NIK."""
    n = next(_seq)
    coop = Cooperative(nik=f"6472{n:012d}", name=name or f"Koperasi Juri Uji {n}")
    db.session.add(coop)
    db.session.flush()
    return coop


def make_judge(username: str | None = None, *, affiliations: tuple[Cooperative, ...] = ()) -> User:
    """A user with the judge role, with declared affiliations."""
    n = next(_seq)
    user, _ = create_user(
        username=username or f"juri{n}",
        role="judge",
        password="rahasia123",
        display_name=f"Juri Uji {n}",
        affiliation_niks=[c.nik for c in affiliations],
        by="test",
    )
    db.session.flush()
    return user


@dataclass
class Judging:
    """A competition ready for judging, its entries and its panel (judges[0] is the head judge)."""

    comp: Competition
    entries: list[Entry]
    judges: list[User]

    @property
    def head(self) -> User:
        """The head judge."""
        return self.judges[0]

    def judges_of(self, entry: Entry) -> list[User]:
        """The judges assigned to an entry."""
        ids = {a.judge_id for a in db.session.query(Assignment).filter_by(entry_id=entry.id)}
        return [j for j in self.judges if j.id in ids]

    def entries_of(self, judge: User) -> list[Entry]:
        """The entries assigned to a judge."""
        ids = {a.entry_id for a in db.session.query(Assignment).filter_by(judge_id=judge.id)}
        return [e for e in self.entries if e.id in ids]


def judging_setup(
    *,
    entries: int = 4,
    judges: int = 3,
    k: int = 2,
    criteria: int = 2,
    state: str = "judging",
    head: bool = True,
    assign: bool = True,
    aggregation: str = "mean",
) -> Judging:
    """A competition (26 July 09.00–12.00) with confirmed entries of distinct cooperatives and a panel."""
    comp = make_competition(
        state=CompetitionState.closed,
        criteria=criteria,
        judges_per_entry=k,
        capacity=max(10, entries),
        aggregation=aggregation,
    )
    rows = [make_entry(comp, make_coop().id, team=f"Tim {i + 1}") for i in range(entries)]
    panel = [make_judge() for _ in range(judges)]
    for i, judge in enumerate(panel):
        services.add_judge(comp, judge, head=head and i == 0, by="test")
    if assign and panel:
        auto_assign(comp, by="test")
    comp.state = CompetitionState(state)
    db.session.flush()
    return Judging(comp, rows, panel)


def full_scores(comp: Competition, value: Callable[[Any], Any] | Any = 5) -> dict[str, Any]:
    """A score for every criterion: a constant, or value(criterion)."""
    return {str(c.id): value(c) if callable(value) else value for c in comp.criteria}


def score_everything(
    setup: Judging,
    value: Callable[[Entry, User, Any], Any] | None = None,
    *,
    submit: bool = True,
    skip: Callable[[Entry, User], bool] | None = None,
    now: datetime = DURING,
) -> None:
    """Every assigned judge scores every entry of theirs (value(entry, judge, criterion))."""
    for entry in setup.entries:
        for judge in setup.judges_of(entry):
            if skip and skip(entry, judge):
                continue
            scores = {
                str(c.id): (value(entry, judge, c) if value else 5 + (setup.entries.index(entry) % 5))
                for c in setup.comp.criteria
            }
            card = services.own_card(entry.id, judge.id)
            services.save_scorecard(
                entry.id,
                judge=judge,
                scores=scores,
                submit=submit,
                revision=(card.revision if card else 0) + 1,
                now=now,
            )
    db.session.flush()
