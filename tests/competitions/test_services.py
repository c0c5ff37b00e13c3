"""Competition services: settings, rubric, the state machine, the window job, exceptions, counts."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from harkop.audit import AuditLog
from harkop.competitions import services
from harkop.competitions.models import CompetitionState
from harkop.errors import DomainError
from harkop.extensions import db
from tests.competitions.factories import AFTER, BEFORE, CLOSES, INSIDE, OPENS, make_competition, make_event

S = CompetitionState


def codes_of(call) -> str:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code


# --- settings ------------------------------------------------------------------------------


def test_an_individual_competition_always_has_a_team_of_one():
    """Choosing 'individual' forces min and max team size to one, whatever was typed."""
    comp = make_competition(team_kind="individual", min_team_size=2, max_team_size=5)
    assert (comp.min_team_size, comp.max_team_size) == (1, 1)
    assert not comp.is_team


def test_a_competition_spans_several_event_days():
    """Days are rows: a three-day display competition keeps all three, in order."""
    days = [date(2024, 7, 28), date(2024, 7, 26), date(2024, 7, 27)]
    comp = make_competition(days=days)
    assert comp.days == sorted(days)
    assert comp.first_day == date(2024, 7, 26)


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"days": [date(2024, 7, 25)]}, "days_outside_event"),
        ({"starts_at": time(12, 0), "ends_at": time(9, 0)}, "invalid_time_slot"),
        ({"min_team_size": 4, "max_team_size": 2}, "invalid_team_size"),
        ({"capacity": 0}, "invalid_capacity"),
        ({"registration_closes_at": OPENS}, "invalid_window"),
        ({"registration_closes_at": None}, "invalid_window"),
        ({"min_predikat": "luar_biasa"}, "invalid_predikat"),
        ({"allowed_jenis": ["bank"]}, "invalid_jenis"),
        ({"slug": "Bukan Slug"}, "invalid_slug"),
    ],
)
def test_invalid_settings_are_refused_with_a_code(override, code):
    """Each wrong setting has its own coded refusal."""
    assert codes_of(lambda: make_competition(**override)) == code


def test_slugs_are_unique_within_an_event():
    """Two competitions of one event cannot share a slug; another event may reuse it."""
    event = make_event()
    make_competition(event, slug="masak")
    assert codes_of(lambda: make_competition(event, slug="masak")) == "slug_taken"
    make_competition(make_event(), slug="masak")


def test_settings_changes_are_audited():
    """Creating and editing a competition leaves before/after in the audit log."""
    comp = make_competition(capacity=5)
    services.save_competition(comp.event, comp, {"capacity": 8}, by="test")
    row = db.session.scalar(
        select(AuditLog).where(AuditLog.action == "competition.updated", AuditLog.entity_id == str(comp.id))
    )
    assert row.before["capacity"] == 5 and row.after["capacity"] == 8


# --- rubric --------------------------------------------------------------------------------


def test_rubric_rows_keep_their_order_and_tie_break_ladder():
    """Criteria are stored in the order given; the tie-break ladder follows the ranks given."""
    comp = make_competition(criteria=0)
    rows = [
        services.CriterionInput(name="Rasa", weight=40, max_score=10, tie_break_rank=2),
        services.CriterionInput(name="Penyajian", weight=30, max_score=10),
        services.CriterionInput(
            name="Kebersihan",
            weight=30,
            max_score=10,
            tie_break_rank=1,
            levels=services.parse_levels("10: Bersih\nKotor"),
        ),
    ]
    kept = services.set_rubric(comp, rows, by="test")
    assert [c.name for c in comp.criteria] == ["Rasa", "Penyajian", "Kebersihan"]
    assert [c.name for c in comp.tie_break_criteria()] == ["Kebersihan", "Rasa", "Penyajian"]
    assert kept[2].levels == [{"score": 10, "description": "Bersih"}, {"score": None, "description": "Kotor"}]


def test_rubric_edits_keep_criterion_ids_and_drop_removed_rows():
    """Saving the rubric again keeps the ids of kept criteria (judges' scores refer to them)."""
    comp = make_competition(criteria=3)
    first, _second, third = comp.criteria
    services.set_rubric(
        comp,
        [
            services.CriterionInput(id=third.id, name="Tiga", weight=1, max_score=5),
            services.CriterionInput(id=first.id, name="Satu", weight=2, max_score=5),
        ],
        by="test",
    )
    assert [(c.id, c.name, c.position) for c in comp.criteria] == [
        (third.id, "Tiga", 1),
        (first.id, "Satu", 2),
    ]


@pytest.mark.parametrize("state", [S.judging, S.final, S.published])
def test_rubric_is_locked_once_judging_starts(state):
    """After judging begins the rubric cannot change (`rubric_locked`)."""
    comp = make_competition(state=state)
    assert codes_of(lambda: services.set_rubric(comp, [], by="test")) == "rubric_locked"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (services.CriterionInput(name="", weight=1, max_score=5), "criterion_name_required"),
        (services.CriterionInput(name="X", weight=0, max_score=5), "invalid_weight"),
        (services.CriterionInput(name="X", weight=1, max_score=0), "invalid_max_score"),
    ],
)
def test_invalid_criteria_are_refused(row, code):
    """A criterion needs a name, a positive weight and a positive maximum."""
    comp = make_competition(criteria=0)
    assert codes_of(lambda: services.set_rubric(comp, [row], by="test")) == code


@pytest.mark.parametrize(
    ("levels", "max_score", "code"),
    [
        ("4: Sangat baik\n3: Baik\n2: Cukup\n1: Kurang", 10, "levels_top_not_max"),  # the old demo
        ("12: Istimewa\n10: Baik", 10, "levels_top_not_max"),
        ("10: Sangat baik\n8: Baik\n8: Cukup", 10, "levels_not_decreasing"),
        ("10: Sangat baik\n4: Kurang\n6: Cukup", 10, "levels_not_decreasing"),
    ],
)
def test_levels_that_do_not_span_the_scale_are_refused_at_their_row(levels, max_score, code):
    """The best level must equal the maximum and each next one be strictly lower; the error names the row."""
    comp = make_competition(criteria=0)
    rows = [
        services.CriterionInput(name="Rasa", weight=1, max_score=10),
        services.CriterionInput(
            name="Penyajian", weight=1, max_score=max_score, levels=services.parse_levels(levels)
        ),
    ]
    with pytest.raises(DomainError) as info:
        services.set_rubric(comp, rows, by="test")
    assert info.value.code == code
    assert info.value.details["field"] == "criteria.1.levels" and "Penyajian" in info.value.message
    assert comp.criteria == []


def test_a_negative_level_is_refused_by_the_rule():
    """The pure rule refuses a level below 0 (the text form cannot type one; a program could)."""
    from harkop.competitions.rubric import level_problem

    levels = [{"score": 5, "description": "Baik"}, {"score": -1, "description": "Buruk"}]
    assert level_problem(levels, 5).code == "levels_negative"


@pytest.mark.parametrize(
    ("levels", "max_score"),
    [
        ("10: Sangat baik\n8: Baik\n6: Cukup\n4: Kurang", 10),
        ("5: Baik\nCatatan tanpa nilai\n0: Tidak ada", 5),
        ("", 10),
    ],
)
def test_levels_spanning_the_scale_are_kept(levels, max_score):
    """Top = maximum, strictly decreasing; lines without a score are hints; no levels at all is fine."""
    comp = make_competition(criteria=0)
    row = services.CriterionInput(
        name="Rasa", weight=1, max_score=max_score, levels=services.parse_levels(levels)
    )
    assert services.set_rubric(comp, [row], by="test")[0].levels == services.parse_levels(levels)


# --- the state machine ---------------------------------------------------------------------


def test_the_whole_lifecycle_is_allowed_in_order(monkeypatch):
    """draft → open → closed → judging → final → published, each step audited."""
    # The state machine alone: judging's hook (final and published only through its services)
    # is tested in tests/judging.
    monkeypatch.setattr(services, "_transition_hooks", [])
    comp = make_competition(state=S.draft)
    for target in (S.open, S.closed, S.judging, S.final, S.published):
        services.transition_competition(comp, target, by="test", now=INSIDE)
        assert comp.state == target
    actions = db.session.scalars(
        select(AuditLog.after)
        .where(AuditLog.action == "competition.transition", AuditLog.entity_id == str(comp.id))
        .order_by(AuditLog.id)
    ).all()
    assert [a["state"] for a in actions] == ["open", "closed", "judging", "final", "published"]


ALLOWED = {(a, b) for a, targets in services.TRANSITIONS.items() for b in targets}


@pytest.mark.parametrize(
    ("source", "target"),
    [(a, b) for a in S for b in S if (a, b) not in ALLOWED],
    ids=lambda s: s.value,
)
def test_every_other_transition_is_refused(source, target):
    """Any move outside the state machine is `invalid_transition`, and the state stays."""
    comp = make_competition(state=source)
    assert codes_of(lambda: services.transition_competition(comp, target, by="test", now=INSIDE)) == (
        "invalid_transition"
    )
    assert comp.state == source


def test_an_unknown_state_name_is_refused():
    """A state that does not exist is `invalid_state`."""
    comp = make_competition()
    assert codes_of(lambda: services.transition_competition(comp, "archived", by="test")) == "invalid_state"


def test_reopening_is_allowed_only_while_the_window_has_not_ended():
    """closed → open works before registration_closes_at and is `window_over` from then on."""
    comp = make_competition(state=S.closed)
    services.transition_competition(comp, S.open, by="test", now=CLOSES - timedelta(minutes=1))
    assert comp.state == S.open
    comp.state = S.closed
    assert (
        codes_of(lambda: services.transition_competition(comp, S.open, by="test", now=AFTER)) == "window_over"
    )


def test_a_draft_without_days_or_window_cannot_open():
    """Opening needs days and a registration window (`not_ready`)."""
    comp = make_competition(state=S.draft, days=[], registration_opens_at=None, registration_closes_at=None)
    assert codes_of(lambda: services.transition_competition(comp, S.open, by="test")) == "not_ready"


def test_judging_needs_a_rubric():
    """closed → judging without criteria is `rubric_missing`."""
    comp = make_competition(state=S.closed, criteria=0)
    assert codes_of(lambda: services.transition_competition(comp, S.judging, by="test")) == "rubric_missing"


def test_a_registered_hook_can_refuse_a_transition(monkeypatch):
    """Later domains guard transitions through hooks (e.g. `final` only with a results snapshot)."""

    def guard(comp, target, by, now):
        if target == S.final:
            raise DomainError("use_finalise", "finalise first")

    monkeypatch.setattr(services, "_transition_hooks", [])
    services.register_transition_hook(guard)
    comp = make_competition(state=S.judging)
    assert codes_of(lambda: services.transition_competition(comp, S.final, by="test")) == "use_finalise"


# --- the window job ------------------------------------------------------------------------


def test_window_job_opens_and_closes_at_the_window_times_and_is_idempotent():
    """Before: draft stays; at opens: open; twice: nothing more; at closes: closed; again: nothing."""
    comp = make_competition(state=S.draft)
    assert services.sync_registration_windows(now=BEFORE) == {"opened": 0, "closed": 0}
    assert comp.state == S.draft
    assert services.sync_registration_windows(now=OPENS) == {"opened": 1, "closed": 0}
    assert comp.state == S.open
    assert services.sync_registration_windows(now=INSIDE) == {"opened": 0, "closed": 0}
    assert services.sync_registration_windows(now=CLOSES - timedelta(seconds=1)) == {"opened": 0, "closed": 0}
    assert services.sync_registration_windows(now=AFTER) == {"opened": 0, "closed": 1}
    assert comp.state == S.closed
    assert services.sync_registration_windows(now=AFTER) == {"opened": 0, "closed": 0}


def test_window_job_never_reopens_an_early_close_nor_opens_an_unscheduled_draft():
    """The office's early close holds; a draft without days stays a draft."""
    closed_early = make_competition(state=S.closed)
    unscheduled = make_competition(state=S.draft, days=[])
    services.sync_registration_windows(now=INSIDE)
    assert closed_early.state == S.closed
    assert unscheduled.state == S.draft


def test_window_job_leaves_a_draft_whose_window_already_passed():
    """A draft first seen after its window ended is not opened (it would only close again)."""
    late = make_competition(state=S.draft)
    assert services.sync_registration_windows(now=AFTER) == {"opened": 0, "closed": 0}
    assert late.state == S.draft


def test_window_job_through_the_job_runner_twice(app):
    """The scheduler's job, run twice with `now=`, opens once and records two runs."""
    from harkop.jobs import run_job
    from harkop.scheduler import find_job

    comp = make_competition(state=S.draft)
    spec = find_job("registration_windows")
    first = run_job(spec, slot="t1", now=INSIDE)
    second = run_job(spec, slot="t2", now=INSIDE)
    assert first.outcome == "ok" and "'opened': 1" in first.result
    assert second.outcome == "ok" and "'opened': 0" in second.result
    assert comp.state == S.open


# --- exceptions and counts -----------------------------------------------------------------


def test_exceptions_are_granted_once_with_a_reason_and_logged(make_cooperative):
    """An exception needs a reason, is unique per cooperative, and grant and revoke are audited."""
    comp = make_competition()
    coop = make_cooperative()
    assert codes_of(lambda: services.grant_exception(comp, coop.id, "", by="test")) == "reason_required"
    exc = services.grant_exception(comp, coop.id, "Juara bertahan 2023", by="test")
    assert services.exception_for(comp, coop.id) is exc
    assert (
        codes_of(lambda: services.grant_exception(comp, coop.id, "Lagi-lagi", by="test"))
        == "exception_exists"
    )
    services.revoke_exception(exc, by="test")
    assert services.exception_for(comp, coop.id) is None
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.entity_type == "competition", AuditLog.entity_id == str(comp.id)
        )
    ).all()
    assert "competition.exception_granted" in actions and "competition.exception_revoked" in actions


def test_qualify_count_reads_every_cooperative(registry, make_cooperative):
    """The count the office sees follows the registry's facts."""
    comp = make_competition()
    before = services.qualify_count(comp, today=INSIDE.date())
    inactive = make_cooperative()
    registry.set(inactive, is_active=False)
    make_cooperative()
    after = services.qualify_count(comp, today=INSIDE.date())
    assert after.total == before.total + 2
    assert after.qualifying == before.qualifying + 1
    assert after.failing.get("not_active", 0) == before.failing.get("not_active", 0) + 1


def test_programme_groups_public_competitions_by_day():
    """The programme lists each event day with its non-draft competitions; drafts stay hidden."""
    event = make_event()
    a = make_competition(
        event, days=[date(2024, 7, 26), date(2024, 7, 27)], starts_at=time(13, 0), ends_at=time(14, 0)
    )
    b = make_competition(event, days=[date(2024, 7, 26)])
    make_competition(event, state=S.draft, days=[date(2024, 7, 26)])
    by_day = dict(services.programme_by_day(event))
    assert by_day[date(2024, 7, 26)] == [b, a]
    assert by_day[date(2024, 7, 27)] == [a]
    assert by_day[date(2024, 7, 28)] == []
