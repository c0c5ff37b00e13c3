"""The job runner's core: declared jobs, recorded runs and the scheduler lease.

Jobs are plain functions that call services. `run_job` records each run (job, slot, start,
end, outcome, error); a unique (job, slot) row means a slot runs once even if two scheduler
processes fire it. The lease makes a second scheduler process stand by instead of firing.
APScheduler itself is wired in `harkop/scheduler.py`, on top of every domain.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .extensions import db
from .models_base import UTCDateTime

OUTCOME_RUNNING = "running"
OUTCOME_OK = "ok"
OUTCOME_ERROR = "error"


class JobRun(db.Model):
    """One run of one job for one time slot."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(80), index=True)
    slot: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(12), default=OUTCOME_RUNNING)
    result: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str | None] = mapped_column(String(120))


class SchedulerLease(db.Model):
    """Which scheduler process may fire jobs, until when (real time, never the fake clock)."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class JobSpec:
    """A job declared in code: its name, the function, and its APScheduler trigger arguments."""

    name: str
    func: Callable[..., Any]
    trigger: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def describe_trigger(trigger: dict[str, Any]) -> str:
    """A job's schedule as the office reads it ("setiap 5 menit", "setiap hari pukul 02.30 WITA"),
    from its APScheduler trigger arguments; an unusual trigger is shown as its arguments."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    args = dict(trigger)
    kind = args.pop("trigger", "interval")
    if kind == "interval" and len(args) == 1:
        unit, n = next(iter(args.items()))
        if unit == "seconds":
            return ngettext("setiap %(num)d detik", "setiap %(num)d detik", n)
        if unit == "minutes":
            return ngettext("setiap %(num)d menit", "setiap %(num)d menit", n)
        if unit == "hours":
            return ngettext("setiap %(num)d jam", "setiap %(num)d jam", n)
        if unit == "days":
            return ngettext("setiap %(num)d hari", "setiap %(num)d hari", n)
    if kind == "cron" and set(args) == {"hour", "minute"}:
        return _("setiap hari pukul %(t)s WITA", t=f"{int(args['hour']):02d}.{int(args['minute']):02d}")
    return ", ".join([kind, *(f"{k}={v}" for k, v in args.items())])


def real_now() -> datetime:
    """Wall-clock time for leases: a frozen demo clock must not freeze a lease."""
    return datetime.now(UTC)


def acquire_lease(holder: str, *, seconds: int = 60, name: str = "scheduler") -> bool:
    """Take or renew the scheduler lease; True when `holder` may fire jobs. Commits itself.

    One conditional UPDATE decides, so two processes cannot both hold a live lease.
    """
    now = real_now()
    expires = now + timedelta(seconds=seconds)
    result = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name)
        .where((SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=expires)
    )
    if result.rowcount == 1:
        db.session.commit()
        return True
    db.session.rollback()
    if db.session.get(SchedulerLease, name) is None:
        try:
            db.session.add(SchedulerLease(name=name, holder=holder, expires_at=expires))
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
    return False


def release_lease(holder: str, *, name: str = "scheduler") -> None:
    """Give the lease up on shutdown so a stand-by process takes over at once."""
    db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=real_now() - timedelta(seconds=1))
    )
    db.session.commit()


# The slot a job body is running for (tests and logs read it; None outside a run).
current_slot: ContextVar[str | None] = ContextVar("current_slot", default=None)


def run_job(
    spec: JobSpec,
    *,
    slot: str | None = None,
    holder: str = "manual",
    now: datetime | None = None,
    lease_seconds: int | None = None,
) -> JobRun | None:
    """Run one job for one slot and record it; None when that slot already ran (or, with
    `lease_seconds`, when `holder` does not hold the scheduler lease).

    With `lease_seconds` (the scheduler's firings) the lease is taken or renewed in the same
    transaction that claims the slot: a scheduler that was paused and lost the lease to its
    stand-by finds out here, just before the job would run, and runs nothing. The job's own
    work and its run record commit together when it succeeds; on failure the work is rolled
    back and the failure is recorded.
    """
    now = now or clock.now()
    slot = slot or real_now().strftime("%Y-%m-%dT%H:%M:%S.%f")
    if lease_seconds is not None and not _hold_lease(holder, lease_seconds):
        db.session.rollback()
        return None
    run = JobRun(job=spec.name, slot=slot, started_at=real_now(), holder=holder)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    run_id = run.id
    token = current_slot.set(slot)
    try:
        result = spec.func(now=now)
        run = db.session.get(JobRun, run_id)
        run.outcome = OUTCOME_OK
        run.result = None if result is None else str(result)[:500]
        run.finished_at = real_now()
        db.session.commit()
    except Exception:  # noqa: BLE001 - a failing job is recorded, never fatal to the scheduler
        db.session.rollback()
        run = db.session.get(JobRun, run_id)
        run.outcome = OUTCOME_ERROR
        run.error = traceback.format_exc()[-4000:]
        run.finished_at = real_now()
        db.session.commit()
    finally:
        current_slot.reset(token)
    return run


def _hold_lease(holder: str, seconds: int, name: str = "scheduler") -> bool:
    """Renew (or take a lapsed) lease inside the current transaction; False when another holds it."""
    now = real_now()
    result = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name)
        .where((SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=now + timedelta(seconds=seconds))
    )
    return result.rowcount == 1


def failing_runs() -> list[JobRun]:
    """The latest run of each job, where that run failed: the jobs still failing now."""
    latest = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    stmt = (
        select(JobRun)
        .join(latest, JobRun.id == latest.c.id)
        .where(JobRun.outcome == OUTCOME_ERROR)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
    )
    return list(db.session.scalars(stmt))


def recent_runs(limit: int = 100) -> list[JobRun]:
    """The latest job runs, newest first, for the admin page."""
    stmt = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))
