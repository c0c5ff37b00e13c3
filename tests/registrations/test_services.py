"""Registration services: window, eligibility, capacity and waiting list, approval, withdrawal,
replacement, notifications and the jobs, each with an explicit `now`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from harkop import clock
from harkop.audit import AuditLog
from harkop.competitions import services as competitions
from harkop.competitions.models import CompetitionState
from harkop.errors import DomainError
from harkop.extensions import db
from harkop.outbox import OutboxMessage
from harkop.registrations import services
from harkop.registrations.models import Entry, EntryState
from harkop.registrations.services import ParticipantInput
from harkop.registrations.tickets import ALPHABET
from tests.competitions.factories import AFTER, BEFORE, CLOSES, INSIDE, OPENS, make_competition, people

E = EntryState
START = datetime(2024, 7, 26, 9, 0, tzinfo=clock.WITA)


@pytest.fixture
def rep(make_user):
    """A coop_rep (with their own new cooperative)."""
    return make_user("coop_rep")


def register(comp, user, *, n=2, now=INSIDE, team="Tim Uji", **kw):
    return services.register_entry(
        comp,
        user.cooperative_id,
        team_name=team,
        participants=kw.pop("participants", people(n)),
        by=user,
        now=now,
    )


def code_of(call) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    return info.value


def messages(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


# --- the window ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "ok"),
    [
        (BEFORE, False),
        (OPENS - timedelta(seconds=1), False),
        (OPENS, True),  # opens is inclusive
        (INSIDE, True),
        (CLOSES - timedelta(seconds=1), True),
        (AFTER, False),  # closes is exclusive
    ],
)
def test_registration_is_accepted_only_inside_the_window(registry, rep, now, ok):
    """Before the window and from its closing instant on: `registration_closed`."""
    comp = make_competition()
    if ok:
        assert register(comp, rep, now=now).state == E.confirmed
    else:
        err = code_of(lambda: register(comp, rep, now=now))
        assert (err.code, err.status) == ("registration_closed", 409)


@pytest.mark.parametrize("state", [CompetitionState.draft, CompetitionState.closed, CompetitionState.judging])
def test_registration_needs_the_competition_open(registry, rep, state):
    """Inside the window but not `open` (closed early, still a draft…): `registration_closed`."""
    comp = make_competition(state=state)
    assert code_of(lambda: register(comp, rep)).code == "registration_closed"


# --- who may register ----------------------------------------------------------------------


def test_a_coop_rep_cannot_register_another_cooperative(registry, rep, make_cooperative):
    """A pengurus registering for someone else's cooperative gets `forbidden` (403)."""
    comp = make_competition()
    other = make_cooperative()
    err = code_of(
        lambda: services.register_entry(
            comp, other.id, team_name="X", participants=people(1), by=rep, now=INSIDE
        )
    )
    assert (err.code, err.status) == ("forbidden", 403)


@pytest.mark.parametrize("role", ["judge", "checkin_staff"])
def test_other_roles_cannot_register(registry, make_user, make_cooperative, role):
    """Judges and check-in staff register no one."""
    comp = make_competition()
    user = make_user(role)
    err = code_of(
        lambda: services.register_entry(
            comp, make_cooperative().id, team_name="X", participants=people(1), by=user, now=INSIDE
        )
    )
    assert err.code == "forbidden"


def test_the_office_may_register_any_cooperative(registry, make_user, make_cooperative):
    """An admin registers on a cooperative's behalf."""
    comp = make_competition()
    entry = services.register_entry(
        comp, make_cooperative().id, team_name="X", participants=people(1), by=make_user("admin"), now=INSIDE
    )
    assert entry.state == E.confirmed


# --- eligibility ---------------------------------------------------------------------------


def test_an_ineligible_cooperative_is_refused_with_reasons_and_the_refusal_is_recorded(registry, rep):
    """`not_eligible` carries every reason; the audit entry is written before the refusal is raised."""
    comp = make_competition()
    registry.set(rep.cooperative, is_active=False, rat_book_years=frozenset())
    err = code_of(lambda: register(comp, rep))
    assert (err.code, err.status) == ("not_eligible", 422)
    assert services.refusal_is_recorded(err)
    assert [r["code"] for r in err.details["reasons"]] == ["not_active", "rat_missing"]
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.refused"))
    assert row.entity_id == str(comp.id)
    assert row.after["cooperative_id"] == rep.cooperative_id
    assert [r["code"] for r in row.after["reasons"]] == ["not_active", "rat_missing"]
    assert db.session.scalar(select(func.count(Entry.id))) == 0


def test_the_per_cooperative_limit_counts_active_entries_only(registry, rep):
    """A second team is `not_eligible` (limit_reached) until the first withdraws."""
    comp = make_competition(per_cooperative_limit=1)
    first = register(comp, rep, team="A")
    err = code_of(lambda: register(comp, rep, team="B"))
    assert [r["code"] for r in err.details["reasons"]] == ["limit_reached"]
    services.withdraw_entry(first, by=rep, now=INSIDE)
    assert register(comp, rep, team="B").state == E.confirmed


def test_an_exception_lets_an_ineligible_cooperative_in_and_is_logged(registry, rep):
    """With the office's exception the entry is accepted; the decision and the log show what was waived."""
    comp = make_competition()
    registry.set(rep.cooperative, is_active=False)
    competitions.grant_exception(comp, rep.cooperative_id, "Juara bertahan 2023", by="test")
    entry = register(comp, rep)
    assert entry.state == E.confirmed
    assert entry.decision["exception"] == "Juara bertahan 2023"
    assert [w["code"] for w in entry.decision["waived"]] == ["not_active"]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.exception_used")) is not None


def test_an_accepted_entry_stores_its_decision(registry, rep):
    """The entry keeps the eligibility decision that let it in (stage, date, who)."""
    entry = register(make_competition(), rep)
    assert entry.decision["eligible"] is True
    assert entry.decision["stage"] == "registration"
    assert entry.decision["checked_on"] == "2024-07-10"
    assert entry.decision["by"] == rep.username


# --- input ---------------------------------------------------------------------------------


def test_team_size_is_enforced(registry, rep):
    """Fewer than the minimum or more than the maximum participants: `team_size`."""
    comp = make_competition(min_team_size=2, max_team_size=3)
    assert code_of(lambda: register(comp, rep, n=1)).code == "team_size"
    assert code_of(lambda: register(comp, rep, n=4)).code == "team_size"
    assert len(register(comp, rep, n=3).participants) == 3


def test_blank_rows_are_ignored_and_problems_name_their_row(registry, rep):
    """A form's untouched rows do not count; each problem carries its row index and field."""
    comp = make_competition(max_team_size=3)
    rows = [
        ParticipantInput(name="Ani", phone="0812345678901", consent=True),
        ParticipantInput(name="", phone=""),
        ParticipantInput(name="Budi", phone="12", consent=False),
    ]
    err = code_of(lambda: register(comp, rep, participants=rows))
    assert err.code == "invalid_phone"
    assert {(p["index"], p["field"]) for p in err.details["participants"]} == {(2, "phone"), (2, "consent")}


def test_consent_is_required(registry, rep):
    """Without consent to data processing the registration is `consent_required`."""
    comp = make_competition()
    rows = [ParticipantInput(name="Ani", phone="081234567890", consent=False)]
    assert code_of(lambda: register(comp, rep, participants=rows)).code == "consent_required"


def test_childrens_competitions_need_a_guardian_and_their_consent(registry, rep):
    """For children: the guardian's name and consent are required and stored."""
    comp = make_competition(for_children=True, team_kind="individual")
    child = ParticipantInput(name="Citra", phone="081234567890", consent=True)
    assert code_of(lambda: register(comp, rep, participants=[child])).code == "guardian_consent_required"
    entry = register(comp, rep, participants=people(1, children=True), team="")
    assert entry.participants[0].guardian_name == "Wali 1"
    assert entry.participants[0].guardian_consent is True
    assert entry.team_name == "Peserta 1"  # an individual entry is named after its participant


def test_a_team_needs_a_name(registry, rep):
    """Team competitions refuse an entry without a team name."""
    comp = make_competition()
    assert code_of(lambda: register(comp, rep, team=" ")).code == "team_name_required"


# --- capacity, waiting list, tickets ---------------------------------------------------------


def test_over_capacity_goes_to_the_waiting_list_in_order(registry, make_user):
    """Capacity 2: the third and fourth are waitlisted at positions 1 and 2, without tickets."""
    comp = make_competition(capacity=2)
    reps = [make_user("coop_rep") for _ in range(4)]
    entries = [register(comp, r, now=INSIDE + timedelta(minutes=i)) for i, r in enumerate(reps)]
    assert [e.state for e in entries] == [E.confirmed, E.confirmed, E.waitlisted, E.waitlisted]
    assert [e.waitlist_position for e in entries] == [None, None, 1, 2]
    assert all(p.ticket is None for e in entries[2:] for p in e.participants)
    assert comp.confirmed_count == 2 and comp.places_left == 0


def test_confirmation_issues_one_unguessable_ticket_per_participant(registry, rep):
    """Each participant gets a ticket whose secret and page token are random, long and look-alike free."""
    entry = register(make_competition(), rep, n=3)
    tickets = [p.ticket for p in entry.participants]
    assert all(t is not None for t in tickets)
    secrets = [t.secret for t in tickets] + [t.page_token for t in tickets]
    assert len(set(secrets)) == 6
    for s in secrets:
        assert len(s) >= 26 and set(s) <= set(ALPHABET)
        assert not set(s) & set("01OIL")
        assert s != str(tickets[0].id)


def test_withdrawal_promotes_the_next_on_the_waiting_list(registry, make_user):
    """A confirmed team withdraws: its tickets are revoked, the first waitlisted is confirmed with tickets."""
    comp = make_competition(capacity=1)
    a, b, c = (make_user("coop_rep") for _ in range(3))
    first, second, third = register(comp, a), register(comp, b), register(comp, c)
    old_ticket = first.participants[0].ticket
    services.withdraw_entry(first, by=a, now=INSIDE)
    assert first.state == E.withdrawn and old_ticket.revoked_at is not None
    assert second.state == E.confirmed and second.waitlist_position is None
    assert all(p.ticket is not None for p in second.participants)
    assert third.state == E.waitlisted and third.waitlist_position == 1  # renumbered: first in line
    assert len(messages("entry.promoted")) == 1
    assert comp.confirmed_count == 1


def test_promotion_skips_an_ineligible_entry_records_why_and_promotes_the_next(registry, make_user):
    """The first in line became inactive: it stays waitlisted with its reasons recorded, the next is confirmed."""
    comp = make_competition(capacity=1)
    a, b, c = (make_user("coop_rep") for _ in range(3))
    first, second, third = register(comp, a), register(comp, b), register(comp, c)
    registry.set(b.cooperative, is_active=False)
    services.withdraw_entry(first, by=a, now=INSIDE)
    assert (second.state, third.state) == (E.waitlisted, E.confirmed)
    assert second.waitlist_position == 1 and "Dilewati" in second.state_reason
    skipped = db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.promotion_skipped"))
    assert skipped is not None and skipped.entity_id == str(second.id)
    assert skipped.after["reasons"] and skipped.after["stage"] == "promotion"
    assert len(messages("entry.promotion_skipped")) == 1
    assert third.decision["stage"] == "promotion"


def test_a_skipped_entry_is_told_once_and_promoted_when_eligible_again(registry, make_user):
    """The job's later runs add no second skip record; once eligible, the entry gets the next place."""
    comp = make_competition(capacity=1)
    a, b = make_user("coop_rep"), make_user("coop_rep")
    first, second = register(comp, a), register(comp, b)
    registry.set(b.cooperative, is_active=False)
    services.withdraw_entry(first, by=a, now=INSIDE)
    services.promote_all_waitlists(now=INSIDE)
    assert len(messages("entry.promotion_skipped")) == 1 and second.state == E.waitlisted
    registry.set(b.cooperative)
    assert services.promote_all_waitlists(now=INSIDE)["promoted"] == 1
    assert second.state == E.confirmed and second.state_reason is None


def test_waitlist_positions_are_renumbered_after_every_change(registry, make_user):
    """Leaving the list (withdrawal, rejection, promotion) closes the gap: positions stay 1..n in order."""
    comp = make_competition(capacity=1)
    users = [make_user("coop_rep") for _ in range(5)]
    entries = [register(comp, u) for u in users]
    assert [e.waitlist_position for e in entries[1:]] == [1, 2, 3, 4]
    services.withdraw_entry(entries[2], by=users[2], now=INSIDE)  # number 2 leaves the list
    assert [e.waitlist_position for e in (entries[1], entries[3], entries[4])] == [1, 2, 3]
    services.reject_entry(entries[3], "Berkas tidak lengkap", by=make_user("admin"), now=INSIDE)
    assert [e.waitlist_position for e in (entries[1], entries[4])] == [1, 2]
    services.withdraw_entry(entries[0], by=users[0], now=INSIDE)  # entries[1] promoted
    assert entries[1].state == E.confirmed and entries[4].waitlist_position == 1
    late = register(comp, make_user("coop_rep"))
    assert late.waitlist_position == 2


def test_withdrawing_a_waitlisted_entry_promotes_no_one(registry, make_user):
    """Leaving the waiting list frees no place."""
    comp = make_competition(capacity=1)
    a, b = make_user("coop_rep"), make_user("coop_rep")
    first, second = register(comp, a), register(comp, b)
    services.withdraw_entry(second, by=b, now=INSIDE)
    assert (first.state, second.state, second.waitlist_position) == (E.confirmed, E.withdrawn, None)


def test_withdrawal_after_the_start_is_too_late(registry, rep):
    """Once the competition has begun an entry cannot be withdrawn (`too_late`)."""
    comp = make_competition()
    entry = register(comp, rep)
    comp.state = CompetitionState.closed
    assert code_of(lambda: services.withdraw_entry(entry, by=rep, now=START)).code == "too_late"
    services.withdraw_entry(entry, by=rep, now=START - timedelta(minutes=1))
    assert entry.state == E.withdrawn


def test_a_coop_rep_cannot_withdraw_another_cooperatives_entry(registry, rep, make_user):
    """Withdrawing someone else's entry is `forbidden`."""
    entry = register(make_competition(), rep)
    other = make_user("coop_rep")
    assert code_of(lambda: services.withdraw_entry(entry, by=other, now=INSIDE)).code == "forbidden"


def test_a_withdrawn_entry_cannot_be_withdrawn_again(registry, rep):
    """Withdrawing twice is `invalid_entry_state`."""
    entry = register(make_competition(), rep)
    services.withdraw_entry(entry, by=rep, now=INSIDE)
    assert code_of(lambda: services.withdraw_entry(entry, by=rep, now=INSIDE)).code == "invalid_entry_state"


# --- approval ------------------------------------------------------------------------------


def test_approval_required_entries_wait_then_are_confirmed(registry, rep, make_user):
    """With approval required the entry is pending (no tickets) until the office approves it."""
    comp = make_competition(approval_required=True)
    entry = register(comp, rep)
    assert entry.state == E.pending and entry.participants[0].ticket is None
    services.approve_entry(entry, by=make_user("admin"), now=INSIDE)
    assert entry.state == E.confirmed and entry.participants[0].ticket is not None
    assert entry.decision["stage"] == "approval"


def test_approval_when_full_waitlists(registry, make_user):
    """Approving past capacity puts the entry on the waiting list."""
    comp = make_competition(approval_required=True, capacity=1)
    admin = make_user("admin")
    first, second = (register(comp, make_user("coop_rep")) for _ in range(2))
    services.approve_entry(first, by=admin, now=INSIDE)
    services.approve_entry(second, by=admin, now=INSIDE)
    assert (first.state, second.state, second.waitlist_position) == (E.confirmed, E.waitlisted, 1)


def test_approval_checks_eligibility_again(registry, rep, make_user):
    """A cooperative that became inactive after registering is refused at approval, and that is recorded."""
    comp = make_competition(approval_required=True)
    entry = register(comp, rep)
    registry.set(rep.cooperative, is_active=False)
    err = code_of(lambda: services.approve_entry(entry, by=make_user("admin"), now=INSIDE))
    assert err.code == "not_eligible" and services.refusal_is_recorded(err)
    assert entry.state == E.pending
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.approval_refused")) is not None


def test_approval_does_not_count_the_entry_against_its_own_limit(registry, rep, make_user):
    """The pending entry itself is not 'another entry' when the limit is checked at approval."""
    comp = make_competition(approval_required=True, per_cooperative_limit=1)
    entry = register(comp, rep)
    services.approve_entry(entry, by=make_user("admin"), now=INSIDE)
    assert entry.state == E.confirmed


def test_only_pending_entries_can_be_approved(registry, rep, make_user):
    """Approving a confirmed entry is `invalid_entry_state`; a coop_rep approving is `forbidden`."""
    comp = make_competition()
    entry = register(comp, rep)
    assert code_of(lambda: services.approve_entry(entry, by=make_user("admin"))).code == "invalid_entry_state"
    assert code_of(lambda: services.approve_entry(entry, by=rep)).code == "forbidden"


def test_rejection_needs_a_reason_notifies_and_frees_the_place(registry, make_user):
    """The office rejects with a reason: tickets revoked, the cooperative told, the next promoted."""
    comp = make_competition(capacity=1)
    admin = make_user("admin")
    a, b = make_user("coop_rep"), make_user("coop_rep")
    first, second = register(comp, a), register(comp, b)
    assert code_of(lambda: services.reject_entry(first, "no", by=admin)).code == "reason_required"
    services.reject_entry(first, "Peserta bukan anggota koperasi", by=admin, now=INSIDE)
    assert first.state == E.rejected and first.state_reason == "Peserta bukan anggota koperasi"
    assert first.participants[0].ticket is None
    assert second.state == E.confirmed
    rejected = messages("entry.rejected")
    assert len(rejected) == 1 and "Peserta bukan anggota koperasi" in rejected[0].body
    assert rejected[0].user_id == a.id


# --- replacement ---------------------------------------------------------------------------


def test_replacing_a_participant_revokes_the_old_ticket_and_issues_a_new_one(registry, rep):
    """Before the event a participant is swapped: old ticket revoked, replacement ticketed, notified."""
    entry = register(make_competition(), rep, n=2)
    old = entry.participants[0]
    old_ticket = old.ticket
    new = services.replace_participant(
        old, ParticipantInput(name="Dewi", phone="081298765432", consent=True), by=rep, now=INSIDE
    )
    assert old.replaced_at is not None and old.replaced_by_id == new.id
    assert old_ticket.revoked_at is not None and old.ticket is None
    assert new.ticket is not None and new.ticket.secret != old_ticket.secret
    assert new.role == old.role and new.position == old.position
    assert [p.name for p in entry.current_participants] == ["Dewi", "Peserta 2"]
    assert len(messages("entry.participant_replaced")) == 1


def test_replacement_is_refused_once_the_competition_started_or_twice(registry, rep, make_user):
    """Replacing after the start is `too_late`; the same participant twice is `already_replaced`;
    another cooperative's pengurus is `forbidden`."""
    comp = make_competition()
    entry = register(comp, rep)
    person = ParticipantInput(name="Eka", phone="081298765432", consent=True)
    old = entry.participants[0]
    assert code_of(lambda: services.replace_participant(old, person, by=rep, now=START)).code == "too_late"
    assert (
        code_of(lambda: services.replace_participant(old, person, by=make_user("coop_rep"))).code
        == "forbidden"
    )
    services.replace_participant(old, person, by=rep, now=INSIDE)
    assert (
        code_of(lambda: services.replace_participant(old, person, by=rep, now=INSIDE)).code
        == "already_replaced"
    )


def test_a_waitlisted_entrys_replacement_gets_no_ticket_yet(registry, make_user):
    """Replacing in a waitlisted entry issues nothing until the entry is confirmed."""
    comp = make_competition(capacity=1)
    register(comp, make_user("coop_rep"))
    rep = make_user("coop_rep")
    waiting = register(comp, rep)
    new = services.replace_participant(
        waiting.participants[0],
        ParticipantInput(name="Fajar", phone="081298765432", consent=True),
        by=rep,
        now=INSIDE,
    )
    assert new.ticket is None


# --- notifications -------------------------------------------------------------------------


def test_notifications_go_to_every_active_pengurus_of_the_cooperative(registry, make_user, make_cooperative):
    """Confirmation and waiting list each queue a message per pengurus, with a link to the entry."""
    coop = make_cooperative()
    one = make_user("coop_rep", cooperative=coop)
    make_user("coop_rep", cooperative=coop)
    comp = make_competition(capacity=1)
    register(comp, one)
    register(comp, make_user("coop_rep"))
    confirmed = messages("entry.confirmed")
    assert len(confirmed) == 2
    assert confirmed[0].link.endswith(f"/koperasi-saya/pendaftaran/{confirmed[0].link.rsplit('/', 1)[1]}")
    assert len(messages("entry.waitlisted")) == 1


# --- jobs ----------------------------------------------------------------------------------


def test_promotion_job_fills_places_added_later_and_is_idempotent(registry, make_user):
    """After the office raises the capacity, the job promotes in order; a second run does nothing."""
    comp = make_competition(capacity=1)
    entries = [register(comp, make_user("coop_rep")) for _ in range(3)]
    competitions.save_competition(comp.event, comp, {"capacity": 2}, by="test")
    assert services.promote_all_waitlists(now=INSIDE) == {"competitions": 1, "promoted": 1}
    assert services.promote_all_waitlists(now=INSIDE) == {"competitions": 1, "promoted": 0}
    assert [e.state for e in entries] == [E.confirmed, E.confirmed, E.waitlisted]


def test_promotion_job_stops_once_the_competition_has_started(registry, make_user):
    """No promotion after the start: a late place would only confuse the gate."""
    comp = make_competition(capacity=1)
    register(comp, make_user("coop_rep"))
    waiting = register(comp, make_user("coop_rep"))
    comp.capacity = 2
    assert services.promote_all_waitlists(now=START)["promoted"] == 0
    assert waiting.state == E.waitlisted


def test_reminder_job_runs_the_day_before_once(registry, rep):
    """The day before the first day, each confirmed entry is reminded once; other days nothing."""
    comp = make_competition()
    entry = register(comp, rep)
    day_before = datetime(2024, 7, 25, 8, 0, tzinfo=clock.WITA)
    assert services.remind_confirmed_entrants(now=day_before - timedelta(days=1)) == {"reminded": 0}
    assert services.remind_confirmed_entrants(now=day_before) == {"reminded": 1}
    assert services.remind_confirmed_entrants(now=day_before + timedelta(hours=1)) == {"reminded": 0}
    assert entry.reminded_at is not None
    assert len(messages("entry.reminder")) == 1
    assert "Jumat, 26 Juli 2024" in messages("entry.reminder")[0].body


def test_scheduler_jobs_are_declared():
    """The three registration jobs are in the scheduler's table."""
    from harkop.scheduler import job_table

    names = {spec.name for spec in job_table()}
    assert {"registration_windows", "promote_waitlists", "remind_entrants"} <= names


def test_jobs_through_the_runner_twice(registry, make_user):
    """Promotion and reminder jobs run through the job runner twice with `now=` change things once."""
    from harkop.jobs import run_job
    from harkop.scheduler import find_job

    comp = make_competition(capacity=1)
    register(comp, make_user("coop_rep"))
    waiting = register(comp, make_user("coop_rep"))
    comp.capacity = 2
    db.session.flush()
    promote = find_job("promote_waitlists")
    assert "'promoted': 1" in run_job(promote, slot="p1", now=INSIDE).result
    assert "'promoted': 0" in run_job(promote, slot="p2", now=INSIDE).result
    assert waiting.state == E.confirmed
    remind = find_job("remind_entrants")
    eve = datetime(2024, 7, 25, 9, 0, tzinfo=clock.WITA)
    assert "'reminded': 2" in run_job(remind, slot="r1", now=eve).result
    assert "'reminded': 0" in run_job(remind, slot="r2", now=eve).result
