"""Backing up, restoring, the nightly job that keeps the last N archives, and what the office sees.

A restore runs in three stages and writes to the live database and upload folder only in the
last one: (1) unpack and check the archive in a staging folder beside the upload folder;
(2) check the database copy and its revision: a revision this code does not know is newer than
the code and refused, an older one is upgraded on the copy (SQLite) or in a scratch database
(PostgreSQL); (3) swap the staged upload folder in by renaming, then load the database copy in
one transaction; if that load fails, the previous upload folder is renamed back.

Stop the web processes and the scheduler before a restore (docs/deployment.md): a restore
replaces the data under their feet, and PostgreSQL waits at most 30 s for their locks.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import clock, jobs, schema
from ..extensions import db
from ..office.uploads import upload_root
from .archive import BackupError, read_archive, write_archive
from .databases import database_for

JOB_NAME = "backup"
NIGHTLY_NAME = re.compile(r"^harkop-\d{8}-\d{6}\.tar\.gz$")


@dataclass
class BackupResult:
    """A written archive."""

    path: Path
    size: int
    revision: str | None
    files: int


@dataclass
class RestoreResult:
    """What a restore did."""

    revision_in_archive: str | None
    revision_now: str
    upgraded: bool
    files: int
    created_at: str


def _database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def create_backup(target: str | Path, *, now: datetime | None = None) -> BackupResult:
    """Write one archive of the app's database and uploaded files to `target` (while the app runs)."""
    target = Path(target).resolve()
    database = database_for(_database_url())
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".harkop-backup-", dir=target.parent))
    try:
        copy = work / ("harkop.sqlite3" if database.dialect == "sqlite" else "harkop.pgdump")
        # The database first, then the files: every file a copied row names was stored before
        # its row was committed, so it is on disk by now.
        revision = database.copy_out(copy)
        manifest = write_archive(
            target,
            database_copy=copy,
            dialect=database.dialect,
            revision=revision,
            schema=database.schema,
            upload_root=upload_root(),
            created_at=(now or jobs.real_now()),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(path=target, size=target.stat().st_size, revision=revision, files=len(manifest.files))


def _upgrade(url: str) -> None:
    """Run the migrations on another database (a staged copy) with a second app object."""
    from flask_migrate import upgrade

    from .. import create_app

    side = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with side.app_context():
        try:
            upgrade()
        finally:
            side.extensions["sqlalchemy"].session.remove()
            side.extensions["sqlalchemy"].engine.dispose()


def restore_backup(source: str | Path) -> RestoreResult:
    """Replace the database and the uploaded files by an archive's; refuse anything doubtful first."""
    source = Path(source).resolve()
    database = database_for(_database_url())
    root = upload_root().resolve()
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.restore-", dir=root.parent))
    aside: Path | None = None
    try:
        # (1) the archive, checked member by member against its manifest
        extracted = read_archive(source, staging)
        manifest = extracted.manifest
        if manifest.dialect != database.dialect:
            raise BackupError(
                "backup_wrong_database",
                f"Arsip ini dari basis data {manifest.dialect}; aplikasi memakai {database.dialect}.",
            )
        if database.schema is not None and manifest.schema != database.schema:
            raise BackupError(
                "backup_wrong_schema",
                f"Arsip ini dari skema {manifest.schema!r}; aplikasi memakai skema {database.schema!r}.",
            )
        # (2) the copy itself, and its revision against the code's migrations
        revision = database.check_copy(extracted.database)
        if revision != manifest.revision:
            raise BackupError(
                "backup_damaged",
                f"Arsip cadangan rusak: revisi skema {revision!r} tidak sama dengan manifest ({manifest.revision!r}).",
            )
        head = schema.head_revision()
        if not schema.is_known(revision):
            raise BackupError(
                "backup_newer_schema",
                f"Arsip ini dari versi Harkop yang lebih baru (revisi skema {revision!r} tidak dikenal; "
                f"kode ini sampai {head}). Pasang versi yang sesuai dulu, lalu pulihkan.",
            )
        copy = extracted.database
        upgraded = revision != head
        if upgraded:
            copy = database.upgraded_copy(copy, _upgrade, staging)
        # (3) swap the files in, then load the database in one transaction
        db.session.remove()
        db.engine.dispose()
        if root.exists():
            aside = root.parent / f".{root.name}.before-restore-{secrets.token_hex(4)}"
            root.rename(aside)
        extracted.files_dir.rename(root)
        try:
            database.load(copy)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            if aside is not None:
                aside.rename(root)
                aside = None
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    return RestoreResult(
        revision_in_archive=revision,
        revision_now=head,
        upgraded=upgraded,
        files=len(manifest.files),
        created_at=manifest.created_at,
    )


# The nightly job ------------------------------------------------------------------------------


def backup_dir() -> Path:
    """Where the nightly archives go (HARKOP_BACKUP_DIR, default instance/backups)."""
    configured = current_app.config.get("HARKOP_BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` nightly archives in `folder`; the deleted ones.

    Only files named like the job's own (`harkop-YYYYMMDD-HHMMSS.tar.gz`) are touched: an archive
    an operator copied there under another name stays.
    """
    archives = sorted(p for p in folder.glob("harkop-*.tar.gz") if NIGHTLY_NAME.match(p.name))
    doomed = archives[: max(0, len(archives) - max(keep, 1))]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def nightly_backup(*, now: datetime) -> dict[str, Any]:
    """The scheduler's job: one archive named after the real time (WITA), then keep the last N."""
    moment = clock.to_wita(jobs.real_now())
    folder = backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    result = create_backup(folder / f"harkop-{moment:%Y%m%d-%H%M%S}.tar.gz")
    removed = prune_backups(folder, int(current_app.config.get("HARKOP_BACKUP_KEEP") or 14))
    return {"file": result.path.name, "bytes": result.size, "files": result.files, "removed": len(removed)}


@dataclass
class BackupStatus:
    """The office's view: the last run of the nightly backup and the last one that succeeded."""

    last_run: jobs.JobRun | None
    last_success: jobs.JobRun | None

    @property
    def failing(self) -> bool:
        """True when the latest run failed."""
        return self.last_run is not None and self.last_run.outcome == jobs.OUTCOME_ERROR


def backup_status() -> BackupStatus:
    """The nightly backup's latest run and latest success, from the job records."""
    runs = select(jobs.JobRun).where(jobs.JobRun.job == JOB_NAME).order_by(jobs.JobRun.id.desc())
    last_run = db.session.scalars(runs.where(jobs.JobRun.outcome != jobs.OUTCOME_RUNNING).limit(1)).first()
    last_success = db.session.scalars(runs.where(jobs.JobRun.outcome == jobs.OUTCOME_OK).limit(1)).first()
    return BackupStatus(last_run=last_run, last_success=last_success)


__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_dir",
    "backup_status",
    "create_backup",
    "nightly_backup",
    "prune_backups",
    "restore_backup",
]
