"""The scheduler's lease (issue 17, item 7): firings keyed by their scheduled time, the lease
checked again before a job runs, SIGTERM releasing it, and a paused leader running nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from harkop import jobs
from harkop.extensions import db
from harkop.jobs import JobRun, JobSpec, SchedulerLease
from harkop.scheduler import SchedulerProcess, slot_for
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate

ROOT = Path(__file__).resolve().parents[2]
# How long a child may take to exit after SIGTERM: it lets a running job finish, and the CI
# machine runs this suite at low priority beside the browser flows.
EXIT_SECONDS = 90


@pytest.fixture
def lease_db(tmp_path):
    url = fresh_database_url(tmp_path, "lease")
    app = make_app(url)
    migrate(app)
    return app, url


def test_a_slot_is_the_scheduled_time_not_the_time_it_ran():
    """Is a firing's slot its scheduled time (to the second, in UTC), whoever fires it and when?"""
    spec = JobSpec("x", lambda *, now: None)
    scheduled = datetime(2024, 7, 26, 9, 0, 0, tzinfo=jobs.clock.WITA)
    assert slot_for(spec, scheduled) == "2024-07-26T01:00:00Z"
    assert slot_for(spec, scheduled.astimezone(UTC)) == slot_for(spec, scheduled)


def test_interval_jobs_fire_at_the_same_times_in_every_process(app):
    """Two scheduler processes started at different moments compute the same fire times."""
    from apscheduler.schedulers.background import BackgroundScheduler

    first = SchedulerProcess(app).build(BackgroundScheduler)
    time.sleep(1.1)
    second = SchedulerProcess(app).build(BackgroundScheduler)
    now = datetime.now(UTC)
    for name in ("send_outbox", "promote_waitlists"):
        a = first.get_job(name).trigger.get_next_fire_time(None, now)
        b = second.get_job(name).trigger.get_next_fire_time(None, now)
        assert a == b and a.second == 0


@pytest.mark.committed
def test_a_leader_that_lost_the_lease_runs_nothing(lease_db):
    """Reproduction: a paused leader, resumed after the stand-by took over, ran jobs while not
    holding the lease. Is the lease checked again as the slot is claimed?"""
    app, _url = lease_db
    ran = []
    table = [JobSpec("tick", lambda *, now: ran.append(now), {"trigger": "interval", "seconds": 5})]
    leader = SchedulerProcess(app, jobs_table=table, lease_seconds=60)
    standby = SchedulerProcess(app, jobs_table=table, lease_seconds=60)
    assert leader.renew() and not standby.renew()
    with app.app_context():
        lease = db.session.get(SchedulerLease, "scheduler")
        lease.expires_at = jobs.real_now() - timedelta(seconds=1)  # the leader was paused
        db.session.commit()
    assert standby.renew()
    fire_time = jobs.real_now()
    assert leader.fire("tick", fire_time) is None  # still believes it leads: refused at the claim
    assert not leader.leader.is_set()
    assert standby.fire("tick", fire_time) is not None
    assert len(ran) == 1


@pytest.mark.committed
@pytest.mark.slow
def test_sigterm_releases_the_lease(lease_db, tmp_path):
    """Reproduction: SIGTERM left the lease held until it expired. Is it released at once?

    The child holds a 10-minute lease, so a lease found over once the child has exited was given
    up on SIGTERM, not left to expire; the child may take its time to exit on a loaded machine
    (it lets a running job finish), so the wait for the exit is generous."""
    _app, url = lease_db
    child = _start_child(url, tmp_path / "ticks.log", lease_seconds=600)
    try:
        _wait_for(lambda: _lease_holder(lease_db[0]) == child.holder, 30)
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=EXIT_SECONDS)
    finally:
        _kill(child)
    with lease_db[0].app_context():
        lease = db.session.get(SchedulerLease, "scheduler")
        assert lease.holder == child.holder
        assert lease.expires_at <= jobs.real_now()


@pytest.mark.committed
@pytest.mark.slow
def test_sigterm_while_a_job_is_being_submitted_still_stops_the_scheduler(lease_db, tmp_path):
    """Reproduction: SIGTERM arriving while the main thread held the job pool's lock (submitting a
    firing) shut the scheduler down from the handler, which waited on that same lock for ever: the
    process never exited (CI: a child still running 20 s after SIGTERM). Does it exit now?"""
    app, url = lease_db
    child = _start_child(url, tmp_path / "ticks.log", lease_seconds=600, mode="signal-while-submitting")
    try:
        child.wait(timeout=EXIT_SECONDS)
    finally:
        _kill(child)
    assert child.returncode == 0
    with app.app_context():
        lease = db.session.get(SchedulerLease, "scheduler")
        assert lease.holder == child.holder
        assert lease.expires_at <= jobs.real_now()


@pytest.mark.committed
def test_a_firing_that_renews_the_lease_after_sigterm_does_not_keep_it(lease_db):
    """Reproduction: a firing that had passed its `stopping` check when SIGTERM came renewed the
    lease in its claim after `run` had released it, so the stand-by waited out a whole lease.
    Is the lease released again once the running firings are done?"""
    app, _url = lease_db
    renewed = threading.Event()

    class Racing(SchedulerProcess):
        def fire(self, name, fire_time=None):
            _wait_for(lambda: _lease_holder(app) == self.holder, 20)
            os.kill(os.getpid(), signal.SIGTERM)  # the signal lands just after the check
            _wait_for(lambda: _lease_holder(app) is None, 20)  # `run` has released the lease
            with self.app.app_context():
                jobs.run_job(self.find(name), holder=self.holder, lease_seconds=self.lease_seconds)
                db.session.remove()
            renewed.set()

    table = [JobSpec("tick", lambda *, now: None, {"trigger": "interval", "seconds": 1})]
    process = Racing(app, jobs_table=table, lease_seconds=600, import_every_seconds=3600)
    process.run()
    assert renewed.wait(30)
    with app.app_context():
        lease = db.session.get(SchedulerLease, "scheduler")
        assert lease.holder == process.holder
        assert lease.expires_at <= jobs.real_now()
        assert db.session.scalar(select(JobRun.id).where(JobRun.job == "tick")) is not None


@pytest.mark.committed
@pytest.mark.slow
def test_a_leader_paused_with_sigstop_never_runs_a_firing_twice(lease_db, tmp_path):
    """Two scheduler processes, a tick every second and a 4-second lease: the leader is paused
    with SIGSTOP until the stand-by has taken over, then resumed. Does every firing run exactly
    once, with the stand-by running firings and the resumed leader running none of the ones it
    missed?"""
    app, url = lease_db
    log = tmp_path / "ticks.log"
    leader = _start_child(url, log)
    standby = None
    try:
        _wait_for(lambda: _lease_holder(app) == leader.holder and _ticks(log), 20)
        standby = _start_child(url, log)
        time.sleep(2)
        leader.send_signal(signal.SIGSTOP)
        paused_at = datetime.now(UTC)
        _wait_for(lambda: _lease_holder(app) == standby.holder, 20)
        time.sleep(3)
        leader.send_signal(signal.SIGCONT)
        resumed_at = datetime.now(UTC)
        time.sleep(4)
        for child in (leader, standby):
            child.send_signal(signal.SIGTERM)
        for child in (leader, standby):
            child.wait(timeout=EXIT_SECONDS)
    finally:
        for child in (leader, standby):
            if child is not None:
                child.send_signal(signal.SIGCONT)
                _kill(child)
    ticks = _ticks(log)
    counts = Counter(at for at, _slot, _pid in ticks)
    assert counts and max(counts.values()) == 1, [s for s, n in counts.items() if n > 1]
    by_pid = {pid for _at, _slot, pid in ticks}
    assert by_pid == {str(leader.pid), str(standby.pid)}
    missed = [
        at for at, _slot, pid in ticks if pid == str(leader.pid) and paused_at <= _parse(at) <= resumed_at
    ]
    assert missed == []
    with app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job == "tick")).all()
        assert sorted(r.slot for r in runs) == sorted(slot for _at, slot, _pid in ticks)


class _Child(subprocess.Popen):
    holder: str = ""


def _start_child(url: str, log: Path, *, lease_seconds: int = 4, mode: str = "") -> _Child:
    child = _Child(
        [sys.executable, "-m", "tests.core.scheduler_child", url, str(log), str(lease_seconds), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    child.holder = child.stdout.readline().strip()
    return child


def _kill(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.kill()
        child.wait(timeout=10)


def _lease_holder(app) -> str | None:
    with app.app_context():
        lease = db.session.get(SchedulerLease, "scheduler")
        holder = lease.holder if lease is not None and lease.expires_at > jobs.real_now() else None
        db.session.remove()
        return holder


def _ticks(log: Path) -> list[tuple[str, ...]]:
    if not log.exists():
        return []
    return [tuple(line.split()) for line in log.read_text().splitlines() if line.strip()]


def _parse(slot: str) -> datetime:
    return datetime.strptime(slot, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")
