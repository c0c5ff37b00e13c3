"""The job table and the scheduler process (`flask --app wsgi harkop scheduler`).

Jobs run in this one dedicated process, never inside web workers. A database lease decides
which scheduler process fires; a second one stands by and takes over when the lease lapses.
Each firing runs through `harkop.jobs.run_job`, which records the run and refuses a slot that
already ran, so even an overlap at hand-over cannot run one slot twice.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

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


def slot_for(spec: jobs.JobSpec, fire_time: datetime) -> str:
    """The slot key of one scheduled firing: the same for every process that fires it."""
    return fire_time.strftime("%Y-%m-%dT%H:%M")


class SchedulerProcess:
    """APScheduler in the foreground, firing jobs only while this process holds the lease."""

    def __init__(self, app: Flask, *, lease_seconds: int = 60, renew_seconds: int = 15) -> None:
        self.app = app
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds
        self.leader = threading.Event()

    def renew(self) -> bool:
        """Take or keep the lease; returns whether this process may fire jobs."""
        with self.app.app_context():
            held = jobs.acquire_lease(self.holder, seconds=self.lease_seconds)
            db.session.remove()
        if held:
            self.leader.set()
        else:
            self.leader.clear()
        return held

    def fire(self, name: str, fire_time: datetime | None = None) -> None:
        """Run one job if this process is the leader."""
        if not self.leader.is_set():
            return
        spec = find_job(name)
        fire_time = fire_time or jobs.real_now()
        with self.app.app_context():
            try:
                jobs.run_job(spec, slot=slot_for(spec, fire_time), holder=self.holder)
            finally:
                db.session.remove()

    def build(self, scheduler_class: type[BaseScheduler] | None = None) -> BaseScheduler:
        """The APScheduler in WITA with the lease renewal and every declared job, not yet started."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler = (scheduler_class or BlockingScheduler)(timezone=TIMEZONE)
        scheduler.add_job(
            self.renew, "interval", seconds=self.renew_seconds, id="_lease", next_run_time=jobs.real_now()
        )
        for spec in JOBS:
            trigger = dict(spec.trigger)
            kind = trigger.pop("trigger", "interval")
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

    def run(self) -> None:
        """Block, renewing the lease and firing jobs until interrupted."""
        scheduler = self.build()
        try:
            scheduler.start()
        finally:
            with self.app.app_context():
                jobs.release_lease(self.holder)

    def _fire_scheduled(self, name: str) -> None:
        self.fire(name, jobs.real_now())
