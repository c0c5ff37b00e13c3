"""The demo tells no lies about its own "now" (issue 20): seeded at 26 July 2024, 09.00 WITA, no fact
it holds (a check-in, a scan, a scorecard, a result, an audit entry, …) is timestamped later, and its
rubrics' levels span their scales."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from harkop import clock
from harkop.competitions.models import Competition, RubricCriterion
from harkop.competitions.rubric import level_problem
from harkop.extensions import db
from harkop.judging.models import ResultSnapshot
from harkop.models_base import UTCDateTime

NOW = datetime(2024, 7, 26, 9, 0, tzinfo=clock.WITA)

# Columns that hold plans, not facts: when something is due or allowed, not when it happened.
PLANS = {
    ("competition", "registration_opens_at"),
    ("competition", "registration_closes_at"),
    ("competition", "publish_at"),
}


def _future_facts() -> list[str]:
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, UTCDateTime) or (table.name, column.name) in PLANS:
                continue
            if "expires" in column.name or column.name.endswith("_until") or column.name.startswith("next_"):
                continue  # validity and schedules look forward by design
            count = db.session.scalar(select(db.func.count()).select_from(table).where(column > NOW))
            if count:
                found.append(f"{table.name}.{column.name}: {count}")
    return found


def test_the_demo_holds_nothing_after_its_now_and_its_rubrics_span_their_scales(fake_now):
    """Seeded at 26 July 09.00 WITA: no timestamp after it; a published result is announced before it;
    every criterion's best level equals its maximum."""
    from harkop.demo import seed_demo

    fake_now(NOW.isoformat())
    seed_demo()
    db.session.flush()
    assert _future_facts() == []
    published = db.session.scalars(
        select(ResultSnapshot).where(ResultSnapshot.published_at.is_not(None))
    ).all()
    assert published and all(s.published_at <= NOW for s in published)
    criteria = db.session.scalars(select(RubricCriterion)).all()
    assert criteria and all(level_problem(c.levels, c.max_score) is None for c in criteria)
    assert all(c.levels[0]["score"] == c.max_score for c in criteria)
    cooking = db.session.scalar(select(Competition).where(Competition.slug == "masak-sambal-ayam-geprek"))
    assert cooking.slot_end(NOW.date()) <= published[0].published_at  # announced after it ended
