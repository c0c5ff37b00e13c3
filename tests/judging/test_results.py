"""Finalise, publish, correct: snapshots, the state machine, achievements, the scheduled publication."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from harkop.auth.services import create_user
from harkop.competitions import services as competitions
from harkop.competitions.models import CompetitionState
from harkop.cooperatives.models import Achievement
from harkop.errors import DomainError
from harkop.extensions import db
from harkop.judging import assignments as assign
from harkop.judging import results, scoring, services
from harkop.judging.models import CardState, ResultSnapshot, Scorecard
from harkop.outbox import OutboxMessage
from tests.judging.factories import DURING, LATER, full_scores, judging_setup, score_everything

S = CompetitionState


def codes_of(action) -> str:
    with pytest.raises(DomainError) as info:
        action()
    return info.value.code


def _by_team(value_of_team):
    """A score function: every judge gives each entry the team's value on every criterion."""
    return lambda entry, judge, crit: value_of_team[entry.team_name]


VALUES = {"Tim 1": 6, "Tim 2": 9, "Tim 3": 4, "Tim 4": 8, "Tim 5": 7, "Tim 6": 5, "Tim 7": 3}


def finalised(entries=6, **kw):
    setup = judging_setup(entries=entries, judges=3, k=2, **kw)
    score_everything(setup, _by_team(VALUES))
    snapshot = services.finalise_results(setup.comp, by=setup.head, now=DURING)
    return setup, snapshot


def test_finalise_stores_a_snapshot_moves_to_final_and_finalises_the_cards():
    """The head judge finalises: version 1 with every entry ranked, state `final`, cards `finalised`."""
    setup, snapshot = finalised()
    assert setup.comp.state == S.final
    assert snapshot.version == 1 and snapshot.kind.value == "final" and snapshot.published_at is None
    ranked = [(r["team"], r["rank"], r["award"]) for r in snapshot.data["entries"]]
    assert ranked == [
        ("Tim 2", 1, "Juara 1"),
        ("Tim 4", 2, "Juara 2"),
        ("Tim 5", 3, "Juara 3"),
        ("Tim 1", 4, "Harapan 1"),
        ("Tim 6", 5, "Harapan 2"),
        ("Tim 3", 6, None),
    ]
    states = set(db.session.scalars(select(Scorecard.state)))
    assert states == {CardState.finalised}


def test_every_number_in_the_snapshot_comes_from_the_scorecards():
    """Each judge's total in the snapshot is 100·Σ wᶜ·sᶜ/Mᶜ of their card, and the aggregate is their mean."""
    setup = judging_setup(entries=3, judges=3, k=3)
    rng = {0: (3, 8), 1: (10, 2), 2: (7, 7)}

    def value(entry, judge, crit):
        return rng[setup.judges.index(judge)][setup.comp.criteria.index(crit)] - setup.entries.index(entry)

    score_everything(setup, value)
    snapshot = services.finalise_results(setup.comp, by="test", now=DURING)
    weights = {c.id: Fraction(c.weight) for c in setup.comp.criteria}
    total_w = sum(weights.values())
    for row in snapshot.data["entries"]:
        totals = []
        for j in row["judges"]:
            card = services.own_card(row["entry_id"], j["judge_id"])
            expected = sum(
                100 * weights[c.id] / total_w * Fraction(str(card.scores[str(c.id)])) / c.max_score
                for c in setup.comp.criteria
            )
            assert Decimal(j["total"]) == scoring.quantize(expected)
            totals.append(expected)
        assert Decimal(row["aggregate"]) == scoring.quantize(sum(totals) / len(totals))


def test_finalise_needs_every_card_submitted():
    """A missing card: 409 `scorecards_missing` listing the entry and the judge; nothing changes."""
    setup = judging_setup(entries=3, judges=2, k=2)
    late = setup.judges[1]
    score_everything(setup, skip=lambda entry, judge: judge == late and entry == setup.entries[1])
    with pytest.raises(DomainError) as info:
        services.finalise_results(setup.comp, by=setup.head, now=DURING)
    assert info.value.code == "scorecards_missing"
    assert info.value.details["missing"] == [
        {"entry_id": setup.entries[1].id, "team": "Tim 2", "judge_ids": [late.id]}
    ]
    assert setup.comp.state == S.judging


def test_finalise_is_for_the_head_judge_or_the_office():
    """Another judge of the panel: `forbidden`."""
    setup = judging_setup(entries=2, judges=2, k=2)
    score_everything(setup)
    assert codes_of(lambda: services.finalise_results(setup.comp, by=setup.judges[1])) == "forbidden"


def test_no_shows_are_left_out_of_the_results():
    """A no-show entry is neither ranked nor awarded; the snapshot lists it apart."""
    setup = judging_setup(entries=3, judges=2, k=1)
    absent = setup.entries[2]
    assign.set_attendance(setup.comp, absent.id, "no_show", "tidak datang", by="test")
    score_everything(setup, skip=lambda entry, judge: entry == absent)
    snapshot = services.finalise_results(setup.comp, by="test", now=DURING)
    assert absent.id not in [r["entry_id"] for r in snapshot.data["entries"]]
    assert [r["entry_id"] for r in snapshot.data["no_shows"]] == [absent.id]


def test_a_strategy_that_cannot_apply_is_refused_with_its_code():
    """Trimmed mean with two judges per entry: 409 `not_enough_judges` from scoring."""
    setup = judging_setup(entries=2, judges=2, k=2, aggregation="trimmed_mean")
    score_everything(setup)
    assert codes_of(lambda: services.finalise_results(setup.comp, by="test")) == "not_enough_judges"


def test_the_generic_transition_cannot_finalise_or_publish():
    """`final` and `published` are reached only through judging's services (`use_finalise`, `use_publish`)."""
    setup = judging_setup()
    assert (
        codes_of(lambda: competitions.transition_competition(setup.comp, S.final, by="test"))
        == "use_finalise"
    )
    setup2, _snapshot = finalised()
    assert codes_of(lambda: competitions.transition_competition(setup2.comp, S.published, by="test")) == (
        "use_publish"
    )


def test_publish_makes_it_public_and_writes_achievements():
    """Publishing: state `published`, Juara 1–3 / Harapan 1–2 / participation on each cooperative's
    profile, the pengurus notified; publishing again changes nothing."""
    setup, snapshot = finalised()
    winner = next(e for e in setup.entries if e.team_name == "Tim 2")
    rep, _ = create_user(
        username="pengurus-juara",
        role="coop_rep",
        password="rahasia123",
        cooperative_id=winner.cooperative_id,
    )
    services.publish_results(setup.comp, by="test", now=LATER)
    assert setup.comp.state == S.published and snapshot.published_at is not None
    titles = {
        a.cooperative_id: (a.rank_label, a.title)
        for a in db.session.scalars(
            select(Achievement).where(Achievement.source_ref.like(f"competition:{setup.comp.id}:%"))
        )
    }
    by_team = {e.team_name: e.cooperative_id for e in setup.entries}
    assert titles[by_team["Tim 2"]] == ("Juara 1", f"Juara 1 {setup.comp.name}")
    assert titles[by_team["Tim 6"]][0] == "Harapan 2"
    assert titles[by_team["Tim 3"]][0] == "Peserta"
    assert len(titles) == 6
    again = services.publish_results(setup.comp, by="test", now=LATER + timedelta(hours=1))
    assert again.id == snapshot.id and again.published_at == snapshot.published_at
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "results_published")).all()
    assert [m.user_id for m in told] == [rep.id] and "Juara 1" in told[0].body


def test_publish_needs_a_final_result_and_the_office():
    """Still judging: `not_final`; a judge publishing: `forbidden`."""
    setup = judging_setup()
    assert codes_of(lambda: services.publish_results(setup.comp, by="test")) == "not_final"
    assert codes_of(lambda: services.publish_results(setup.comp, by=setup.head)) == "forbidden"


def test_results_are_hidden_until_published():
    """Before publication there is no published snapshot (the page and API answer 404)."""
    setup, _snapshot = finalised()
    assert results.published_snapshot(setup.comp) is None
    services.publish_results(setup.comp, by="test", now=LATER)
    assert results.published_snapshot(setup.comp) is not None


def test_the_scheduled_publication_runs_at_publish_at_and_is_idempotent():
    """The job publishes a final result once its `publish_at` has come; later runs do nothing."""
    setup, _snapshot = finalised()
    services.update_settings(setup.comp, publish_at=LATER, discrepancy_threshold=20, by="test")
    assert services.publish_due_results(now=LATER - timedelta(minutes=1)) == {"published": 0}
    assert setup.comp.state == S.final
    assert services.publish_due_results(now=LATER) == {"published": 1}
    assert setup.comp.state == S.published
    assert services.publish_due_results(now=LATER + timedelta(minutes=1)) == {"published": 0}


def test_a_correction_is_a_new_version_and_rewrites_the_profiles():
    """The office unlocks a final card, the judge re-scores, the office corrects with a reason:
    version 2 published at once, achievements rewritten, version 1 kept as it was."""
    setup, first = finalised()
    services.publish_results(setup.comp, by="test", now=LATER)
    loser = next(e for e in setup.entries if e.team_name == "Tim 3")
    assert codes_of(lambda: services.correct_results(setup.comp, "", by="test")) == "reason_required"
    for judge in setup.judges_of(loser):
        card = services.own_card(loser.id, judge.id)
        assert (
            codes_of(lambda c=card: services.unlock_scorecard(c, "nilai tertukar", by=setup.head))
            == "forbidden"
        )
        services.unlock_scorecard(card, "nilai tertukar", by="test", now=LATER)
        services.save_scorecard(
            loser.id,
            judge=judge,
            scores=full_scores(setup.comp, 10),
            submit=True,
            revision=card.revision + 1,
            now=LATER,
        )
    second = services.correct_results(
        setup.comp, "nilai Tim 3 tertukar dengan tim lain", by="test", now=LATER
    )
    assert second.version == 2 and second.kind.value == "correction" and second.published_at is not None
    assert second.data["entries"][0]["team"] == "Tim 3"
    assert results.published_snapshot(setup.comp).id == second.id
    kept = db.session.get(ResultSnapshot, first.id)
    assert kept.data["entries"][0]["team"] == "Tim 2" and kept.version == 1
    ach = db.session.scalar(
        select(Achievement).where(Achievement.source_ref == f"competition:{setup.comp.id}:entry:{loser.id}")
    )
    assert ach.rank_label == "Juara 1"
    count = db.session.scalar(
        select(db.func.count(Achievement.id)).where(
            Achievement.source_ref.like(f"competition:{setup.comp.id}:%")
        )
    )
    assert count == 6


def test_a_correction_needs_every_card_back_in():
    """While an unlocked card is still a draft, a correction is `scorecards_missing`."""
    setup, _first = finalised()
    entry = setup.entries[0]
    judge = setup.judges_of(entry)[0]
    services.unlock_scorecard(services.own_card(entry.id, judge.id), "periksa lagi", by="test")
    assert (
        codes_of(lambda: services.correct_results(setup.comp, "periksa ulang", by="test"))
        == "scorecards_missing"
    )


def test_the_monitor_shows_progress_missing_cards_and_discrepancies():
    """Progress per judge, the missing card, and an entry whose judges' totals spread over the threshold."""
    setup = judging_setup(entries=2, judges=2, k=2)
    a, b = setup.judges
    first, second = setup.entries

    def value(entry, judge, crit):
        return 10 if judge == a else 2

    score_everything(setup, value, skip=lambda entry, judge: entry == second and judge == b)
    mon = results.monitor(setup.comp)
    assert (mon.done, mon.total) == (3, 4)
    assert [(e.id, u.id) for e, u in mon.missing] == [(second.id, b.id)]
    assert [row.entry.id for row in mon.discrepancies] == [first.id]
    assert not mon.complete
    per_judge = {j.user.id: (j.assigned, j.submitted, j.missing) for j in mon.judges}
    assert per_judge == {a.id: (2, 2, 0), b.id: (2, 1, 1)}
