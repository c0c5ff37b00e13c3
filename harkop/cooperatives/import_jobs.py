"""Large registry imports from the web run in the background, with a progress bar the page polls.

A file of `HARKOP_IMPORT_BACKGROUND_ROWS` rows or more is not imported inside the request (a
130,000-row file takes minutes, past any proxy's or gunicorn's timeout, and ties a worker up).
The page stores the upload under `HARKOP_UPLOAD_DIR/imports/` and adds a queued `import_job`
row; the scheduler process (`flask harkop scheduler`, the lease holder) looks for queued jobs every
few seconds and runs them one at a time with the same `import_cooperatives` as the command line.

Why the scheduler and not a thread in the web worker: the job must survive what happens to web
workers (gunicorn restarts them after a timeout, a deploy restarts them all). The row and the
file are on disk; if the scheduler itself dies mid-import, its transaction rolls back (an import
is all or nothing) and the job is queued again once its progress has gone stale, by whichever
scheduler then holds the lease.

Progress goes to a small JSON file beside the upload (`<id>.progress.json`, replaced atomically),
not to the database: the import holds one long transaction, and on SQLite no other connection
may write while it does. The page reads the file through `job_status`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import traceback
import uuid
from collections.abc import Callable, Collection
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import clock
from ..auth.models import User
from ..errors import NotFound
from ..extensions import db
from .importer import ImportReport, import_cooperatives, tidy_after_import
from .models import ImportJob

STALE_AFTER = timedelta(minutes=10)
IMPORT = "import"

# Other kinds of background work that use this queue (its table, lease, progress file and page
# script): kind -> runner(job, progress) returning the report to keep. A runner writes its result
# file to `output_path(job)`; the package that owns the work registers it at start-up.
Runner = Callable[[ImportJob, Callable[..., Any]], dict[str, Any]]
RUNNERS: dict[str, Runner] = {}


def register_runner(kind: str, runner: Runner) -> None:
    """Let the queue run jobs of `kind` with `runner` (called once per app, at start-up)."""
    RUNNERS[kind] = runner


def enqueue_job(kind: str, *, filename: str, fmt: str, by: Any, now: datetime | None = None) -> ImportJob:
    """Queue a job of a registered kind that makes a file (`filename`, `fmt`); the caller commits."""
    if kind not in RUNNERS:
        raise KeyError(kind)
    job = ImportJob(
        kind=kind,
        status="queued",
        filename=filename[:200],
        stored_name=f"{uuid.uuid4().hex}.{fmt}",
        fmt=fmt[:4],
        created_by_id=getattr(by, "id", None),
        created_at=now or clock.now(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def output_path(job: ImportJob) -> Path:
    """Where a job that makes a file keeps it: beside the uploads (HARKOP_UPLOAD_DIR/imports)."""
    return imports_dir() / job.stored_name


def job_of_kind(job_id: int, kinds: Collection[str]) -> ImportJob:
    """The background job with this id if it is of one of `kinds`; a coded 404 otherwise, so a
    job's page under one kind's address never shows another kind's job."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.kind not in kinds:
        raise NotFound("job_not_found", _("Tugas tidak ditemukan."))
    return job


def finished_output(job: ImportJob) -> Path:
    """The file a finished job made; a coded 404 while the job waits or runs, if it failed, or once
    `purge_job_files` has removed it."""
    path = output_path(job)
    if job.status != "done":
        raise NotFound("job_output_not_ready", _("Berkas tugas ini belum siap."))
    if not path.exists():
        raise NotFound(
            "job_output_removed",
            _(
                "Berkas tugas ini sudah dihapus (disimpan %(n)d hari). Buat lagi bila perlu.",
                n=job_files_days(),
            ),
        )
    return path


def output_kept(job: ImportJob) -> bool:
    """Whether a finished job's file is still there to download."""
    return job.status == "done" and output_path(job).exists()


def job_files_days() -> int:
    """How many days the files of background jobs are kept (HARKOP_JOB_FILES_DAYS)."""
    return int(current_app.config.get("HARKOP_JOB_FILES_DAYS", 14))


def purge_job_files() -> dict[str, int]:
    """The daily job: remove the job folder's files older than HARKOP_JOB_FILES_DAYS.

    Print PDFs hold names and ticket codes, report packages the registry's figures; nobody needs
    them once downloaded, and the folder grew with every job. A queued or running job's upload and
    progress are kept whatever their age. Ages are the files' own (the server's real clock, not a
    simulated one): a file is as old as the last time it was written.
    """
    folder = imports_dir()
    active = db.session.execute(
        select(ImportJob.id, ImportJob.stored_name).where(ImportJob.status.in_(("queued", "running")))
    ).all()
    keep = {name for _id, name in active} | {f"{job_id}.progress.json" for job_id, _name in active}
    cutoff = time.time() - job_files_days() * 86400
    removed = freed = 0
    for path in folder.iterdir():
        if not path.is_file() or path.name in keep:
            continue
        stat = path.stat()
        if stat.st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
            freed += stat.st_size
    return {"files": removed, "bytes": freed}


WRITE_EVERY_SECONDS = 0.5


def imports_dir() -> Path:
    """Where waiting uploads and their progress files live (HARKOP_UPLOAD_DIR/imports)."""
    configured = current_app.config.get("HARKOP_UPLOAD_DIR")
    root = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    folder = root / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def runs_in_background(estimated_rows: int) -> bool:
    """Whether a file of this many rows is imported by a background job."""
    return estimated_rows >= current_app.config.get("HARKOP_IMPORT_BACKGROUND_ROWS", 2000)


def enqueue_import(
    source: str | Path,
    *,
    filename: str,
    fmt: str,
    dry_run: bool,
    skip_invalid: bool,
    by: Any,
    now: datetime | None = None,
) -> ImportJob:
    """Keep the uploaded file and queue its import (the caller commits). The file is copied."""
    stored_name = f"{uuid.uuid4().hex}.{fmt}"
    shutil.copyfile(source, imports_dir() / stored_name)
    job = ImportJob(
        status="queued",
        filename=(filename or stored_name)[:200],
        stored_name=stored_name,
        fmt=fmt,
        dry_run=bool(dry_run),
        skip_invalid=bool(skip_invalid),
        created_by_id=getattr(by, "id", None),
        created_at=now or clock.now(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def _progress_path(job: ImportJob) -> Path:
    return imports_dir() / f"{job.id}.progress.json"


def read_progress(job: ImportJob) -> dict[str, Any]:
    """The job's last written progress: phase, done, total, at (epoch seconds); {} when none."""
    try:
        return json.loads(_progress_path(job).read_text())
    except (OSError, ValueError):
        return {}


def _write_progress(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(data))
    os.replace(partial, path)


def progress_writer(job: ImportJob):
    """A progress factory for `import_cooperatives` that writes the job's progress file."""
    path = _progress_path(job)

    @contextmanager
    def factory(label: str, length: int):
        state = {"phase": str(label), "done": 0, "total": int(length or 0), "at": time.time()}
        last = 0.0

        class Bar:
            def update(self, n: int) -> None:
                nonlocal last
                state["done"] += int(n)
                now = time.time()
                if now - last >= WRITE_EVERY_SECONDS:
                    state["at"] = now
                    _write_progress(path, state)
                    last = now

        _write_progress(path, state)
        yield Bar()
        state["done"] = max(state["done"], state["total"])
        state["at"] = time.time()
        _write_progress(path, state)

    return factory


def job_status(job: ImportJob) -> dict[str, Any]:
    """What the page shows and polls: status, phase, done, total, percent."""
    progress = read_progress(job) if job.status in ("queued", "running") else {}
    total = int(progress.get("total") or 0)
    done = min(int(progress.get("done") or 0), total) if total else 0
    if job.status in ("done", "failed"):
        percent = 100
    else:
        percent = int(done * 100 / total) if total else 0
    return {
        "id": job.id,
        "status": job.status,
        "phase": progress.get("phase") or "",
        "done": done,
        "total": total,
        "percent": percent,
    }


def claim_next(holder: str, *, now: datetime | None = None) -> ImportJob | None:
    """Take the oldest queued job for `holder` (one conditional UPDATE: one taker), and queue
    again a running job whose progress went stale (its scheduler died). Commits."""
    now = now or clock.now()
    for job in db.session.scalars(select(ImportJob).where(ImportJob.status == "running")):
        seen = read_progress(job).get("at") or (job.started_at.timestamp() if job.started_at else 0)
        if time.time() - seen > STALE_AFTER.total_seconds():
            job.status, job.holder = "queued", None
    db.session.commit()
    candidate = db.session.scalar(
        select(ImportJob.id).where(ImportJob.status == "queued").order_by(ImportJob.id).limit(1)
    )
    if candidate is None:
        return None
    claimed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == candidate, ImportJob.status == "queued")
        .values(status="running", holder=holder, started_at=now)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.get(ImportJob, candidate)


def run_other_job(job: ImportJob) -> ImportJob:
    """Run a claimed job of a registered kind: its runner makes its file and returns its report."""
    job_id = job.id
    try:
        report = RUNNERS[job.kind](job, progress_writer(job))
        db.session.commit()
        job = db.session.get(ImportJob, job_id)
        job.status, job.report = "done", report
    except Exception:  # noqa: BLE001 - a failed job is recorded for the office, never fatal
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.status, job.error = "failed", traceback.format_exc()[-4000:]
        current_app.logger.exception("%s job %s failed", job.kind, job_id)
    job.finished_at = clock.now()
    db.session.commit()
    return job


def run_import_job(job: ImportJob, *, holder: str) -> ImportJob:
    """Run one claimed job to its end: the import commits (or not) and the job records the report.
    A job of another kind goes to its registered runner."""
    if job.kind != IMPORT:
        return run_other_job(job)
    job_id, path = job.id, imports_dir() / job.stored_name
    by = db.session.get(User, job.created_by_id) if job.created_by_id else None
    try:
        report = import_cooperatives(
            path,
            by=by,
            fmt=job.fmt,
            dry_run=job.dry_run,
            skip_invalid=job.skip_invalid,
            filename=job.filename,
            progress=progress_writer(job),
        )
        if report.written:
            db.session.commit()
            tidy_after_import(report)
        else:
            db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.status, job.report = "done", report.to_dict()
    except Exception:  # noqa: BLE001 - a failed import is recorded for the office, never fatal
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.status, job.error = "failed", traceback.format_exc()[-4000:]
        current_app.logger.exception("import job %s failed", job_id)
    job.finished_at = clock.now()
    db.session.commit()
    path.unlink(missing_ok=True)
    return job


def run_pending(holder: str, *, limit: int = 10) -> int:
    """Run queued jobs one after another (at most `limit`); returns how many ran."""
    ran = 0
    while ran < limit:
        job = claim_next(holder)
        if job is None:
            break
        run_import_job(job, holder=holder)
        ran += 1
    return ran


def report_of(job: ImportJob) -> ImportReport | None:
    """The finished job's report, as the import page shows it."""
    return ImportReport.from_dict(job.report) if job.report else None
