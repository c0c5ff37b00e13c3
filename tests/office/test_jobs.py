"""The office's scheduled jobs: declared in the job table, idempotent when run twice."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from harkop.cooperatives import services
from harkop.cooperatives.models import Cooperative
from harkop.cooperatives.vocab import CoopStatus, Grade
from harkop.extensions import db
from harkop.jobs import OUTCOME_OK, run_job
from harkop.office.models import WarningLetter
from harkop.outbox import OutboxMessage
from harkop.scheduler import find_job
from tests.office.conftest import NOW


def registry_state() -> tuple:
    """Everything the daily job may change: cached columns and the letter register."""
    coops = db.session.execute(
        select(
            Cooperative.id,
            Cooperative.status,
            Cooperative.grade,
            Cooperative.rat_terlambat,
            Cooperative.rat_missed_in_a_row,
            Cooperative.computed_on,
        ).order_by(Cooperative.id)
    ).all()
    register = db.session.execute(
        select(
            WarningLetter.cooperative_id,
            WarningLetter.kind,
            WarningLetter.book_year,
            WarningLetter.status,
            WarningLetter.found_on,
        ).order_by(WarningLetter.id)
    ).all()
    return tuple(coops), tuple(register)


def test_the_daily_job_recomputes_and_registers_due_warnings(make_cooperative):
    """After 30 June the job moves grades and statuses and writes the new breaches as drafts."""
    coop = make_cooperative(founded_on=date(2010, 1, 1))
    for year in (2020, 2021, 2022):
        services.record_rat(coop, book_year=year, held_on=f"{year + 1}-04-01", by="clerk", now=NOW)
    services.recompute_cooperative(coop, today=date(2024, 6, 1))
    assert coop.grade == Grade.a  # on 1 June 2024 the last three book years are 2022, 2021, 2020
    db.session.commit()
    run = run_job(find_job("registry_daily"), slot="2024-07-01T00:20", now=NOW - timedelta(days=25))
    assert run.outcome == OUTCOME_OK, run.error
    db.session.expire_all()
    coop = db.session.get(Cooperative, coop.id)
    assert coop.grade == Grade.b and coop.rat_terlambat and coop.status == CoopStatus.aktif
    kinds = db.session.scalars(
        select(WarningLetter.kind).where(WarningLetter.cooperative_id == coop.id)
    ).all()
    assert [k.value for k in kinds] == ["teguran_1"]


def test_running_the_daily_job_twice_changes_nothing(make_cooperative):
    """The second run of the same day recomputes no row and finds no new breach: the state is equal."""
    make_cooperative(founded_on=date(2015, 1, 1))
    late = make_cooperative(founded_on=date(2015, 1, 1))
    services.record_rat(late, book_year=2022, held_on="2023-10-01", by="clerk", now=NOW)
    on_time = make_cooperative(founded_on=date(2015, 1, 1))
    services.record_rat(on_time, book_year=2023, held_on="2024-03-01", by="clerk", now=NOW)
    db.session.commit()
    spec = find_job("registry_daily")
    first = run_job(spec, slot="2024-07-26T00:20", now=NOW)
    after_first = registry_state()
    second = run_job(spec, slot="2024-07-26T00:20:again", now=NOW)
    assert first.outcome == second.outcome == OUTCOME_OK
    assert "'created': 2" in first.result
    assert "'recomputed': 0" in second.result and "'created': 0" in second.result
    assert "'regraded': 0" in second.result and "'withdrawn': 0" in second.result
    assert registry_state() == after_first


def test_the_reminder_job_is_declared_and_idempotent_within_a_week(rep):
    """round_reminders sends one reminder; a second run the same week sends none."""
    spec = find_job("round_reminders")
    first = run_job(spec, slot="2024-07-26T01:00", now=NOW)
    second = run_job(spec, slot="2024-07-27T01:00", now=NOW + timedelta(days=1))
    assert first.outcome == second.outcome == OUTCOME_OK
    assert "'messages': 1" in first.result and "'messages': 0" in second.result
    sent = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.user_id == rep.id)).all()
    assert sent == ["update_round.reminder"]


def test_a_slot_runs_once():
    """The job runner refuses to run the same slot of the daily job twice."""
    spec = find_job("registry_daily")
    assert run_job(spec, slot="2024-07-26T00:20", now=NOW) is not None
    assert run_job(spec, slot="2024-07-26T00:20", now=NOW) is None
