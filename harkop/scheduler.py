"""The job table and the scheduler process (`flask --app wsgi harkop scheduler`).

Jobs run in this one dedicated process, never inside web workers. A database lease decides
which scheduler process fires; a second one stands by and takes over when the lease lapses.
Each firing runs through `harkop.jobs.run_job`, which records the run and refuses a slot that
already ran, so even an overlap at hand-over cannot run one slot twice. A slot is the firing's
scheduled time (not when it happened to start), the same in every process, and the lease is
checked again as the slot is claimed.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import socket
import threading
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.executors.base import BaseExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from flask import Flask

from . import jobs
from .competitions.services import sync_registration_windows
from .extensions import db
from .judging.assignments import mark_due_no_shows
from .judging.services import publish_due_results
from .outbox import send_pending
from .registrations.services import promote_all_waitlists, remind_confirmed_entrants

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler


def _send_outbox(*, now: datetime) -> dict[str, int]:
    return send_pending(now=now)


def _sync_registration_windows(*, now: datetime) -> dict[str, int]:
    return sync_registration_windows(now=now)


def _promote_waitlists(*, now: datetime) -> dict[str, int]:
    return promote_all_waitlists(now=now)


def _remind_entrants(*, now: datetime) -> dict[str, int]:
    return remind_confirmed_entrants(now=now)


def _publish_due_results(*, now: datetime) -> dict[str, int]:
    return publish_due_results(now=now)


def _mark_no_shows(*, now: datetime) -> dict[str, int]:
    return mark_due_no_shows(now=now)


def _registry_daily(*, now: datetime) -> dict[str, int]:
    from .office.jobs import registry_daily

    return registry_daily(now=now)


def _round_reminders(*, now: datetime) -> dict[str, int]:
    from .office.rounds import send_round_reminders

    return send_round_reminders(now=now)


def _backup(*, now: datetime) -> dict[str, object]:
    from .backup.services import nightly_backup

    return nightly_backup(now=now)


def _purge_personal_data(*, now: datetime) -> dict[str, int]:
    from .privacy.services import purge_due_personal_data

    return purge_due_personal_data(now=now)


def _purge_job_files(*, now: datetime) -> dict[str, int]:
    from .cooperatives.import_jobs import purge_job_files

    return purge_job_files()


def _security_tidy(*, now: datetime) -> dict[str, int]:
    from .auth import sessions, throttle
    from .ratelimit import purge_expired

    return {
        "rate_limit_counters": purge_expired(),
        "login_throttles": throttle.purge_old(),
        "sessions": sessions.purge_old_sessions(),
    }


# The scheduler runs in the office's time zone: a cron trigger's hour and minute are WITA, as the
# office reads them (Balikpapan keeps no daylight saving, so a job fires at the same hour all year).
TIMEZONE = "Asia/Makassar"

JOBS: list[jobs.JobSpec] = [
    jobs.JobSpec(
        "send_outbox",
        _send_outbox,
        {"trigger": "interval", "minutes": 1},
        "Kirim pesan di kotak keluar",
    ),
    jobs.JobSpec(
        "registration_windows",
        _sync_registration_windows,
        {"trigger": "interval", "minutes": 1},
        "Buka dan tutup pendaftaran lomba sesuai jadwalnya",
    ),
    jobs.JobSpec(
        "promote_waitlists",
        _promote_waitlists,
        {"trigger": "interval", "minutes": 5},
        "Naikkan daftar tunggu lomba bila ada tempat kosong",
    ),
    # Hourly, not daily: a missed run is caught up within the hour, and `reminded_at` keeps it once.
    jobs.JobSpec(
        "remind_entrants",
        _remind_entrants,
        {"trigger": "interval", "hours": 1},
        "Ingatkan peserta terdaftar sehari sebelum lomba",
    ),
    # Results go public at their `publish_at`; every minute so the announcement is on time.
    jobs.JobSpec(
        "publish_results",
        _publish_due_results,
        {"trigger": "interval", "minutes": 1},
        "Umumkan hasil lomba pada waktu yang dijadwalkan",
    ),
    # Attendance from the gate's check-ins, refreshed while competitions run (late arrivals count).
    jobs.JobSpec(
        "mark_no_shows",
        _mark_no_shows,
        {"trigger": "interval", "minutes": 10},
        "Tandai peserta lomba yang tidak hadir dari data check-in",
    ),
    # Office workflows: recompute, then write the warnings that fell due into the register as
    # drafts, just after midnight. Running it twice changes nothing.
    jobs.JobSpec(
        "registry_daily",
        _registry_daily,
        {"trigger": "cron", "hour": 0, "minute": 20},
        "Hitung ulang status dan catat surat teguran yang jatuh tempo (draf)",
    ),
    # Reminders to pengurus of active cooperatives not yet updated this year: runs daily at the
    # start of office hours but sends at most once per cooperative per ISO week.
    jobs.JobSpec(
        "round_reminders",
        _round_reminders,
        {"trigger": "cron", "hour": 9, "minute": 0},
        "Kirim pengingat pemutakhiran data (sekali seminggu per koperasi)",
    ),
    # Nightly, when nobody works: one archive into HARKOP_BACKUP_DIR, the last HARKOP_BACKUP_KEEP kept.
    jobs.JobSpec(
        "backup",
        _backup,
        {"trigger": "cron", "hour": 1, "minute": 30},
        "Cadangkan basis data dan berkas unggahan (arsip terakhir disimpan)",
    ),
    # UU PDP: participants' contact and consent data leave HARKOP_RETENTION_DAYS after their event.
    jobs.JobSpec(
        "purge_personal_data",
        _purge_personal_data,
        {"trigger": "cron", "hour": 2, "minute": 30},
        "Hapus data kontak peserta yang masa simpannya berakhir (UU PDP)",
    ),
    # Background jobs' files (print PDFs, report packages, progress) leave after HARKOP_JOB_FILES_DAYS.
    jobs.JobSpec(
        "purge_job_files",
        _purge_job_files,
        {"trigger": "cron", "hour": 2, "minute": 50},
        "Hapus berkas tugas latar belakang yang sudah lama (PDF cetak, paket laporan)",
    ),
    # Security bookkeeping: ended sessions, lapsed rate-limit windows and login throttles.
    jobs.JobSpec(
        "security_tidy",
        _security_tidy,
        {"trigger": "cron", "hour": 3, "minute": 10},
        "Bersihkan sesi yang berakhir dan penghitung batas percobaan masuk",
    ),
]


def job_table() -> list[jobs.JobSpec]:
    """Every declared job, in the order they are registered."""
    return list(JOBS)


def find_job(name: str) -> jobs.JobSpec:
    """The declared job with this name."""
    for spec in JOBS:
        if spec.name == name:
            return spec
    raise KeyError(name)


# Interval jobs count their firings from this instant, so every scheduler process (the leader and
# its stand-by, started at different times) computes the same fire times, and a firing is known
# by the time it was scheduled for: the slot that `run_job` claims once.
INTERVAL_ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)


def slot_for(spec: jobs.JobSpec, fire_time: datetime) -> str:
    """The slot key of one scheduled firing: its scheduled time in UTC, the same in every process."""
    return fire_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FireTimeExecutor(BaseExecutor):
    """An APScheduler executor that tells a job the time it was scheduled for.

    APScheduler's own executors call a job without its scheduled time, and a job that keys its
    run by the time it happens to start gets a new key after a pause, so a paused leader and its
    stand-by both ran the same firing. This one (APScheduler's documented extension point:
    `_do_submit_job`) passes the latest of the times due (jobs coalesce) as `fire_time`.
    """

    def __init__(self, max_workers: int = 4) -> None:
        super().__init__()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix="harkop-job")

    def _do_submit_job(self, job, run_times) -> None:  # noqa: D102
        fire_time = run_times[-1]

        def done(future: concurrent.futures.Future) -> None:
            error = future.exception()
            if error is not None:
                self._run_job_error(job.id, error, error.__traceback__)
            else:
                self._run_job_success(job.id, [])

        future = self._pool.submit(job.func, *job.args, fire_time=fire_time, **job.kwargs)
        future.add_done_callback(done)

    def shutdown(self, wait: bool = True) -> None:  # noqa: D102
        self._pool.shutdown(wait)


class SchedulerProcess:
    """APScheduler in the foreground, firing jobs only while this process holds the lease.

    The lease is renewed every `renew_seconds` and checked again, in the transaction that claims
    the slot, just before each job runs (`jobs.run_job(lease_seconds=…)`); SIGTERM (and Ctrl-C)
    stop new firings and release the lease so the stand-by takes over at once. The scheduler
    also runs queued background imports (harkop/cooperatives/import_jobs.py) while it leads.
    """

    def __init__(
        self,
        app: Flask,
        *,
        lease_seconds: int = 60,
        renew_seconds: int = 15,
        jobs_table: list[jobs.JobSpec] | None = None,
        import_every_seconds: float = 3,
    ) -> None:
        self.app = app
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds
        self.jobs = list(JOBS if jobs_table is None else jobs_table)
        self.import_every_seconds = import_every_seconds
        self.leader = threading.Event()
        self.stopping = threading.Event()
        self._scheduler: BaseScheduler | None = None
        self._executors: list[BaseExecutor] = []

    def renew(self) -> bool:
        """Take or keep the lease; returns whether this process may fire jobs."""
        if self.stopping.is_set():
            return False
        with self.app.app_context():
            held = jobs.acquire_lease(self.holder, seconds=self.lease_seconds)
            db.session.remove()
        if held:
            self.leader.set()
        else:
            self.leader.clear()
        return held

    def find(self, name: str) -> jobs.JobSpec:
        """This process's job of that name."""
        for spec in self.jobs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def fire(self, name: str, fire_time: datetime | None = None) -> jobs.JobRun | None:
        """Run one job's firing if this process leads, holding the lease as it claims the slot."""
        if not self.leader.is_set() or self.stopping.is_set():
            return None
        spec = self.find(name)
        fire_time = fire_time or jobs.real_now()
        with self.app.app_context():
            try:
                run = jobs.run_job(
                    spec, slot=slot_for(spec, fire_time), holder=self.holder, lease_seconds=self.lease_seconds
                )
                if run is None and not self._still_leader():
                    self.leader.clear()  # paused past the lease: the stand-by leads now
                return run
            finally:
                db.session.remove()

    def _still_leader(self) -> bool:
        lease = db.session.get(jobs.SchedulerLease, "scheduler")
        return lease is not None and lease.holder == self.holder and lease.expires_at > jobs.real_now()

    def run_imports(self) -> int:
        """Run queued background imports while this process leads."""
        if not self.leader.is_set() or self.stopping.is_set():
            return 0
        from .cooperatives.import_jobs import run_pending

        with self.app.app_context():
            try:
                return run_pending(self.holder)
            finally:
                db.session.remove()

    def build(self, scheduler_class: type[BaseScheduler] | None = None) -> BaseScheduler:
        """The APScheduler in WITA with the lease renewal and every declared job, not yet started."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        self._executors = [FireTimeExecutor(), ThreadPoolExecutor()]
        scheduler = (scheduler_class or BlockingScheduler)(
            timezone=TIMEZONE, executors={"default": self._executors[0], "plain": self._executors[1]}
        )
        scheduler.add_job(
            self.renew,
            "interval",
            seconds=self.renew_seconds,
            id="_lease",
            next_run_time=jobs.real_now(),
            executor="plain",
        )
        scheduler.add_job(
            self.run_imports,
            "interval",
            seconds=self.import_every_seconds,
            id="_imports",
            executor="plain",
            coalesce=True,
            max_instances=1,
        )
        for spec in self.jobs:
            trigger = dict(spec.trigger)
            kind = trigger.pop("trigger", "interval")
            if kind == "interval":
                trigger.setdefault("start_date", INTERVAL_ANCHOR)
            scheduler.add_job(
                self._fire_scheduled,
                kind,
                args=[spec.name],
                id=spec.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=300,
                **trigger,
            )
        return scheduler

    def stop(self, *_args) -> None:
        """Stop firing (the SIGTERM handler): it only sets flags; `_shut_down_when_stopped` does the rest.

        A handler runs in the main thread between two of its bytecodes, possibly while that thread
        holds an executor's lock as it submits a job; shutting the scheduler down from the handler
        waited on that lock for ever, and the process never exited.
        """
        self.stopping.set()
        self.leader.clear()

    def run(self) -> None:
        """Block, renewing the lease and firing jobs until SIGTERM or Ctrl-C; then release the lease.

        The lease is released at once, so the stand-by takes over while a running job finishes;
        once the running jobs are done it is released again, in case a firing that had passed its
        `stopping` check before the signal renewed the lease in its claim after the release.
        """
        self._scheduler = self.build()
        done = threading.Event()
        watcher = threading.Thread(
            target=self._shut_down_when_stopped, args=(done,), name="harkop-stop", daemon=True
        )
        previous = signal.signal(signal.SIGTERM, self.stop)
        watcher.start()
        try:
            self._scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            self.stop()
        finally:
            done.set()
            signal.signal(signal.SIGTERM, previous)
            self._release()
            for executor in self._executors:
                executor.shutdown(wait=True)
            self._release()

    def _shut_down_when_stopped(self, done: threading.Event) -> None:
        """Shut the scheduler down once `stop` has been called (from a thread of its own)."""
        while not done.wait(0.2):
            if self.stopping.is_set():
                try:
                    self._scheduler.shutdown(wait=False)
                    return
                except SchedulerNotRunningError:
                    pass  # stopped before the scheduler had started: try again once it runs

    def _release(self) -> None:
        with self.app.app_context():
            jobs.release_lease(self.holder)
            db.session.remove()

    def _fire_scheduled(self, name: str, fire_time: datetime | None = None) -> None:
        self.fire(name, fire_time or jobs.real_now())
