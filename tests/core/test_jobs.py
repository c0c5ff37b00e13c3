"""The job runner: recorded runs, one run per slot, and the scheduler lease."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from harkop import clock, jobs
from harkop.extensions import db
from harkop.jobs import JobRun, JobSpec, SchedulerLease
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate


def test_a_run_is_recorded_with_its_outcome(app):
    """A job run records start, end, outcome and result."""
    spec = JobSpec("demo_ok", lambda *, now: "3 rows")
    run = jobs.run_job(spec, slot="s1")
    assert run.outcome == "ok" and run.result == "3 rows"
    assert run.finished_at >= run.started_at


def test_a_failing_job_is_recorded_and_its_work_rolled_back(app, make_cooperative):
    """A job that raises is recorded as an error; its partial work is undone."""
    from harkop.cooperatives.models import Cooperative

    def broken(*, now):
        db.session.add(Cooperative(nik="6471999999999999", name="Setengah jadi"))
        db.session.flush()
        raise RuntimeError("boom")

    run = jobs.run_job(JobSpec("demo_broken", broken), slot="s1")
    assert run.outcome == "error" and "boom" in run.error
    assert db.session.scalar(select(Cooperative).where(Cooperative.nik == "6471999999999999")) is None


def test_a_slot_runs_only_once(app):
    """The same job and slot never run twice, whoever fires it."""
    calls = []
    spec = JobSpec("demo_once", lambda *, now: calls.append(now))
    assert jobs.run_job(spec, slot="2024-07-26T02:00") is not None
    assert jobs.run_job(spec, slot="2024-07-26T02:00") is None
    assert len(calls) == 1


def test_jobs_read_the_one_clock(app, fake_now):
    """A job gets `now` from harkop/clock.py (the fake time when simulated)."""
    fake_now("2024-07-26T09:00:00+08:00")
    seen = []
    jobs.run_job(JobSpec("demo_clock", lambda *, now: seen.append(now)), slot="x")
    assert seen[0].isoformat() == "2024-07-26T01:00:00+00:00"


@pytest.fixture
def committed_app(tmp_path):
    app = make_app(fresh_database_url(tmp_path, "jobs"))
    migrate(app)
    return app


@pytest.mark.committed
def test_two_processes_firing_the_same_slot_run_it_once(committed_app):
    """Two scheduler workers racing on one slot: the job body runs exactly once."""
    calls = []
    lock = threading.Lock()

    def body(*, now):
        with lock:
            calls.append(1)

    spec = JobSpec("race", body)
    barrier = threading.Barrier(4)
    results = []

    def worker():
        with committed_app.app_context():
            barrier.wait()
            results.append(
                jobs.run_job(spec, slot="2024-07-26T02:00", holder=threading.current_thread().name)
            )
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert sum(r is not None for r in results) == 1
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "race")) == 1


@pytest.mark.committed
def test_only_one_scheduler_holds_the_lease(committed_app):
    """A second scheduler process stands by while the first holds the lease."""
    with committed_app.app_context():
        assert jobs.acquire_lease("a", seconds=60)
        assert not jobs.acquire_lease("b", seconds=60)
        assert jobs.acquire_lease("a", seconds=60)  # renewal by the holder


@pytest.mark.committed
def test_a_lapsed_lease_is_taken_over(committed_app):
    """When the holder stops renewing, the stand-by takes over."""
    with committed_app.app_context():
        assert jobs.acquire_lease("a", seconds=60)
        lease = db.session.get(SchedulerLease, "scheduler")
        lease.expires_at = jobs.real_now() - timedelta(seconds=1)
        db.session.commit()
        assert jobs.acquire_lease("b", seconds=60)
        assert not jobs.acquire_lease("a", seconds=60)


@pytest.mark.committed
def test_released_lease_passes_at_once(committed_app):
    """A scheduler shutting down releases the lease for the stand-by."""
    with committed_app.app_context():
        assert jobs.acquire_lease("a")
        jobs.release_lease("a")
        assert jobs.acquire_lease("b")


@pytest.mark.committed
def test_two_scheduler_processes_never_run_a_job_twice(committed_app):
    """Two SchedulerProcess objects firing every job: only the leader runs them, once per slot."""
    from harkop.scheduler import SchedulerProcess

    first = SchedulerProcess(committed_app)
    second = SchedulerProcess(committed_app)
    assert first.renew() and not second.renew()
    fire_time = jobs.real_now()
    for process in (first, second, first, second):
        process.fire("send_outbox", fire_time)
    with committed_app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job == "send_outbox")).all()
        assert len(runs) == 1 and runs[0].holder == first.holder and runs[0].outcome == "ok"


def test_the_daily_jobs_fire_at_the_wita_hours_the_office_reads(app):
    """Does the scheduler run in Asia/Makassar, so that the job table's next fire times are the
    WITA hours written there: registry_daily at 00.20 and round_reminders at 09.00 WITA?"""
    from apscheduler.schedulers.background import BackgroundScheduler

    from harkop.scheduler import JOBS, SchedulerProcess

    scheduler = SchedulerProcess(app).build(BackgroundScheduler)  # built, never started
    assert str(scheduler.timezone) == "Asia/Makassar"
    triggers = {job.id: job.trigger for job in scheduler.get_jobs()}
    friday_10 = datetime(2024, 7, 26, 10, 0, tzinfo=clock.WITA)  # 02.00 UTC
    registry = triggers["registry_daily"].get_next_fire_time(None, friday_10)
    reminders = triggers["round_reminders"].get_next_fire_time(None, friday_10)
    assert str(registry.tzinfo) == "Asia/Makassar" and registry.utcoffset() == timedelta(hours=8)
    assert registry == datetime(2024, 7, 27, 0, 20, tzinfo=clock.WITA)  # 16.20 UTC on the 26th
    assert reminders == datetime(2024, 7, 27, 9, 0, tzinfo=clock.WITA)
    before_nine = datetime(2024, 7, 26, 8, 59, tzinfo=clock.WITA)
    assert triggers["round_reminders"].get_next_fire_time(None, before_nine) == datetime(
        2024, 7, 26, 9, 0, tzinfo=clock.WITA
    )
    for spec in JOBS:  # every cron job: the hour written in the table is the WITA hour it fires
        if spec.trigger.get("trigger") == "cron":
            fires = triggers[spec.name].get_next_fire_time(None, friday_10).astimezone(clock.WITA)
            assert (fires.hour, fires.minute) == (spec.trigger["hour"], spec.trigger["minute"]), spec.name


def test_run_job_command_records_a_run(runner):
    """`flask harkop run-job send_outbox` runs the job and records it."""
    result = runner.invoke(args=["harkop", "run-job", "send_outbox"])
    assert result.exit_code == 0, result.output
    assert "send_outbox: ok" in result.output


def test_unknown_job_is_refused(runner):
    """An unknown job name is a clear CLI error."""
    result = runner.invoke(args=["harkop", "run-job", "tidak_ada"])
    assert result.exit_code != 0 and "unknown job" in result.output


def test_web_app_does_not_start_a_scheduler(app):
    """Creating the app (as gunicorn does) starts no scheduler thread."""
    assert not any("APScheduler" in t.name or "apscheduler" in t.name.lower() for t in threading.enumerate())


def test_the_jobs_page_shows_each_schedule_in_words_not_trigger_arguments(client, login_as):
    """`/admin/jobs` said `{'trigger': 'interval', 'minutes': 1}`; now every declared job's schedule
    reads as words (every n minutes or hours, or daily at a WITA time), in Indonesian and in English."""
    from harkop.scheduler import job_table

    login_as("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "trigger" not in page and "{" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "setiap 1 menit" in page and "setiap hari pukul 02.30 WITA" in page
    for spec in job_table():
        described = jobs.describe_trigger(spec.trigger)
        assert described.startswith("setiap "), (spec.name, described)
    client.post("/bahasa", data={"lang": "en", "next": "/admin/jobs"})
    english = client.get("/admin/jobs").get_data(as_text=True)
    assert "every 1 minute<" in english
    assert "every 5 minutes" in english and "daily at 02.30 WITA" in english


def test_an_unusual_trigger_is_shown_as_its_arguments(app):
    """A trigger the words do not cover is shown as it is, not hidden."""
    with app.test_request_context():
        assert jobs.describe_trigger({"trigger": "cron", "day_of_week": "mon"}) == "cron, day_of_week=mon"
        assert jobs.describe_trigger({"trigger": "interval", "hours": 1, "minutes": 30}) == (
            "interval, hours=1, minutes=30"
        )
