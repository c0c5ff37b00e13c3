"""Scorecards: drafts and submissions, the revision rule, ranges, conflicts, unlocks, the event log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from harkop.audit import AuditLog
from harkop.errors import DomainError
from harkop.extensions import db
from harkop.judging import assignments as assign
from harkop.judging import services
from harkop.judging.models import CardEventKind, CardState, Scorecard, ScorecardEvent
from harkop.outbox import OutboxMessage
from tests.judging.factories import DURING, full_scores, judging_setup, make_judge


def codes_of(action) -> str:
    with pytest.raises(DomainError) as info:
        action()
    return info.value.code


def error_of(action) -> DomainError:
    with pytest.raises(DomainError) as info:
        action()
    return info.value


def _first(setup):
    entry = setup.entries[0]
    return entry, setup.judges_of(entry)[0]


def save(entry, judge, scores, revision, *, submit=False, comment=""):
    return services.save_scorecard(
        entry.id, judge=judge, scores=scores, comment=comment, submit=submit, revision=revision, now=DURING
    )


def test_a_draft_is_saved_and_then_submitted():
    """A partial draft is kept; submitting with every criterion makes the card `submitted`."""
    setup = judging_setup()
    entry, judge = _first(setup)
    crit = setup.comp.criteria[0]
    card = save(entry, judge, {str(crit.id): 7}, 1).card
    assert card.state == CardState.draft and card.scores == {str(crit.id): 7}
    card = save(entry, judge, full_scores(setup.comp, 8), 2, submit=True, comment="rapi").card
    assert card.state == CardState.submitted and card.revision == 2 and card.comment == "rapi"
    assert card.submitted_at is not None


def test_submit_asks_for_every_criterion():
    """Submitting with a criterion left empty is 422 `incomplete_scorecard`, naming the missing one."""
    setup = judging_setup(criteria=3)
    entry, judge = _first(setup)
    scores = full_scores(setup.comp, 5)
    missing = setup.comp.criteria[2]
    scores[str(missing.id)] = None
    err = error_of(lambda: save(entry, judge, scores, 1, submit=True))
    assert err.code == "incomplete_scorecard" and err.status == 422
    assert err.details["missing"] == [missing.id]


@pytest.mark.parametrize("value", [-1, 11, 10.001])
def test_a_score_outside_zero_to_max_is_refused_naming_the_criterion(value):
    """Each value must lie within 0..max of its criterion: 422 `score_out_of_range` with the criterion."""
    setup = judging_setup()
    entry, judge = _first(setup)
    crit = setup.comp.criteria[1]
    err = error_of(lambda: save(entry, judge, {str(crit.id): value}, 1))
    assert err.code == "score_out_of_range"
    assert err.status == 422 and err.details["criterion_id"] == crit.id


def test_the_bounds_themselves_and_half_points_are_accepted():
    """0 and the maximum are valid, and so is 7.5 (stored as 7.5, whole numbers as ints)."""
    setup = judging_setup()
    entry, judge = _first(setup)
    a, b = setup.comp.criteria
    card = save(entry, judge, {str(a.id): 0, str(b.id): "7,5"}, 1).card
    assert card.scores == {str(a.id): 0, str(b.id): 7.5}
    card = save(entry, judge, {str(a.id): 10, str(b.id): 10.0}, 2).card
    assert card.scores == {str(a.id): 10, str(b.id): 10}


def test_unknown_criteria_and_junk_values_are_refused():
    """A criterion of another rubric is `unknown_criterion`; text is `invalid_score`."""
    setup = judging_setup()
    entry, judge = _first(setup)
    assert codes_of(lambda: save(entry, judge, {"999999": 3}, 1)) == "unknown_criterion"
    crit = setup.comp.criteria[0]
    assert codes_of(lambda: save(entry, judge, {str(crit.id): "bagus"}, 1)) == "invalid_score"
    assert codes_of(lambda: save(entry, judge, {str(crit.id): True}, 1)) == "invalid_score"
    assert codes_of(lambda: save(entry, judge, {str(crit.id): 7.125}, 1)) == "invalid_score"


@pytest.mark.parametrize("revision", [0, -3, "x", None, True, 1.5])
def test_a_revision_must_be_a_positive_integer(revision):
    """`invalid_revision` for anything but an integer ≥ 1."""
    setup = judging_setup()
    entry, judge = _first(setup)
    assert codes_of(lambda: save(entry, judge, {}, revision)) == "invalid_revision"


# --------------------------------------------------------------------------- the revision rule


def test_an_older_revision_never_overwrites_a_newer_one():
    """Revision 5 saved, then revision 3 arrives (an old offline save): 409 `stale_revision`, nothing changes."""
    setup = judging_setup()
    entry, judge = _first(setup)
    crit = str(setup.comp.criteria[0].id)
    save(entry, judge, {crit: 9}, 5)
    err = error_of(lambda: save(entry, judge, {crit: 2}, 3))
    assert err.code == "stale_revision" and err.status == 409
    assert err.details["card"]["revision"] == 5 and err.details["card"]["scores"] == {crit: 9}
    card = services.own_card(entry.id, judge.id)
    assert card.revision == 5 and card.scores == {crit: 9}


def test_the_same_revision_with_the_same_content_is_a_harmless_replay():
    """A replayed save (same revision, same content) answers as before and writes no event."""
    setup = judging_setup()
    entry, judge = _first(setup)
    scores = full_scores(setup.comp, 6)
    save(entry, judge, scores, 4, submit=True)
    events = db.session.scalars(select(ScorecardEvent)).all()
    again = save(entry, judge, scores, 4, submit=True)
    assert again.replayed and again.card.state == CardState.submitted
    assert db.session.scalars(select(ScorecardEvent)).all() == events


def test_the_same_revision_with_other_content_is_stale():
    """Two devices both saving revision 2 with different scores: the second is `stale_revision`."""
    setup = judging_setup()
    entry, judge = _first(setup)
    crit = str(setup.comp.criteria[0].id)
    save(entry, judge, {crit: 4}, 2)
    assert codes_of(lambda: save(entry, judge, {crit: 8}, 2)) == "stale_revision"


def test_revisions_may_jump_but_must_grow():
    """A device may skip numbers (saves lost on the way): 1, then 7, then 8 are all accepted."""
    setup = judging_setup()
    entry, judge = _first(setup)
    crit = str(setup.comp.criteria[0].id)
    for revision, value in ((1, 1), (7, 2), (8, 3)):
        assert save(entry, judge, {crit: value}, revision).card.scores == {crit: value}


def test_a_submitted_card_is_locked_until_unlocked():
    """After submitting, a newer save is 409 `scorecard_submitted` (not stale: the revision is higher)."""
    setup = judging_setup()
    entry, judge = _first(setup)
    save(entry, judge, full_scores(setup.comp, 6), 1, submit=True)
    assert codes_of(lambda: save(entry, judge, full_scores(setup.comp, 7), 2)) == "scorecard_submitted"


# --------------------------------------------------------------------------- who may score what


def test_a_judge_cannot_score_an_entry_of_their_own_cooperative():
    """An affiliated judge is refused with 403 `conflict_of_interest`, even if assigned before declaring it."""
    setup = judging_setup(entries=2, judges=2, k=2)
    entry, judge = _first(setup)
    from harkop.auth.models import UserAffiliation

    db.session.add(UserAffiliation(user_id=judge.id, cooperative_id=entry.cooperative_id))
    db.session.flush()
    err = error_of(lambda: save(entry, judge, {}, 1))
    assert err.code == "conflict_of_interest" and err.status == 403


def test_a_judge_cannot_score_an_entry_not_assigned_to_them():
    """A judge of the panel who is not on this entry gets 403 `not_assigned`; an outsider too."""
    setup = judging_setup(entries=2, judges=2, k=1)
    entry = setup.entries[0]
    other = next(j for j in setup.judges if j not in setup.judges_of(entry))
    err = error_of(lambda: save(entry, other, {}, 1))
    assert err.code == "not_assigned" and err.status == 403
    assert codes_of(lambda: save(entry, make_judge(), {}, 1)) == "not_assigned"


def test_scoring_waits_for_the_judging_stage_and_skips_no_shows():
    """Before judging: `not_judging`. A no-show entry: `entry_no_show`."""
    setup = judging_setup(state="closed")
    entry, judge = _first(setup)
    assert codes_of(lambda: save(entry, judge, {}, 1)) == "not_judging"
    setup.comp.state = setup.comp.state.__class__("judging")
    assign.set_attendance(setup.comp, entry.id, "no_show", "tidak datang", by="test")
    assert codes_of(lambda: save(entry, judge, {}, 1)) == "entry_no_show"


# --------------------------------------------------------------------------- unlock and the log


def test_the_head_judge_unlocks_a_submitted_card_with_a_reason_and_it_is_logged():
    """Unlocking needs a reason; the card goes back to draft, an event and an audit entry record it,
    and the judge is told."""
    setup = judging_setup(entries=3, judges=3, k=2)
    entry = setup.entries[0]
    judge = next(j for j in setup.judges_of(entry))
    save(entry, judge, full_scores(setup.comp, 6), 1, submit=True)
    card = services.own_card(entry.id, judge.id)
    assert codes_of(lambda: services.unlock_scorecard(card, "", by=setup.head)) == "reason_required"
    services.unlock_scorecard(card, "salah ketik kriteria 2", by=setup.head, now=DURING)
    assert card.state == CardState.draft
    last = db.session.scalars(select(ScorecardEvent).order_by(ScorecardEvent.id.desc())).first()
    assert last.kind == CardEventKind.unlocked and last.reason == "salah ketik kriteria 2"
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "judging.scorecard_unlocked"))
    assert audit.detail == "salah ketik kriteria 2"
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == judge.id)) is not None
    # The judge continues with a higher revision.
    assert save(entry, judge, full_scores(setup.comp, 9), 2, submit=True).card.state == CardState.submitted


def test_only_the_head_judge_or_the_office_may_unlock():
    """Another judge of the panel is `forbidden`; the office may."""
    setup = judging_setup(entries=2, judges=3, k=3)
    entry = setup.entries[0]
    save(entry, setup.judges[1], full_scores(setup.comp, 6), 1, submit=True)
    card = services.own_card(entry.id, setup.judges[1].id)
    assert (
        codes_of(lambda: services.unlock_scorecard(card, "alasan cukup", by=setup.judges[2])) == "forbidden"
    )
    services.unlock_scorecard(card, "alasan cukup", by="test")
    assert card.state == CardState.draft


def test_a_draft_cannot_be_unlocked():
    """There is nothing to unlock in a draft: `not_submitted`."""
    setup = judging_setup()
    entry, judge = _first(setup)
    card = save(entry, judge, {}, 1).card
    assert codes_of(lambda: services.unlock_scorecard(card, "alasan cukup", by=setup.head)) == "not_submitted"


def test_the_events_are_append_only_and_replay_to_the_card():
    """Every change is an event; replaying them gives the cached card; an event row cannot be changed."""
    setup = judging_setup()
    entry, judge = _first(setup)
    crit = str(setup.comp.criteria[0].id)
    save(entry, judge, {crit: 3}, 1)
    save(entry, judge, full_scores(setup.comp, 4), 2, submit=True)
    card = services.own_card(entry.id, judge.id)
    services.unlock_scorecard(card, "periksa lagi", by=setup.head)
    save(entry, judge, full_scores(setup.comp, 5), 3, submit=True)
    events = db.session.scalars(
        select(ScorecardEvent).where(ScorecardEvent.scorecard_id == card.id).order_by(ScorecardEvent.id)
    ).all()
    assert [e.kind.value for e in events] == ["draft_saved", "submitted", "unlocked", "submitted"]
    assert services.replay(events) == {
        "state": card.state.value,
        "revision": card.revision,
        "scores": card.scores,
        "comment": card.comment,
    }
    events[0].comment = "diubah"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_a_judge_sees_only_their_own_cards():
    """The judge's list carries their own card per entry, never another judge's scores."""
    setup = judging_setup(entries=2, judges=2, k=2)
    entry = setup.entries[0]
    a, b = setup.judges
    save(entry, a, full_scores(setup.comp, 9), 1)
    rows = dict(services.assigned_entries(b))
    assert rows[entry] is None
    mine = dict(services.assigned_entries(a))
    assert mine[entry].judge_id == a.id
    assert db.session.scalars(select(Scorecard)).all() == [mine[entry]]
