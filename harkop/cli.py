"""`flask --app wsgi harkop …` commands: demo data, users and tokens, the scheduler, jobs, backups."""

from __future__ import annotations

import contextlib

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db

harkop_cli = AppGroup("harkop", help="Harkop commands.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


@harkop_cli.command("create-user")
@click.option("--role", required=True, type=click.Choice(["admin", "coop_rep", "judge", "checkin_staff"]))
@click.option("--username", required=True)
@click.option("--password", default=None, help="Generated and printed when omitted.")
@click.option("--cooperative", "cooperative_nik", default=None, help="NIK of a coop_rep's cooperative.")
@click.option(
    "--affiliation", "affiliations", multiple=True, help="NIK of a judge's cooperative (repeatable)."
)
@click.option("--display-name", default="")
@click.option("--email", default=None)
@click.option("--token", is_flag=True, help="Also print a bearer token, alone on the last line.")
def create_user_command(role, username, password, cooperative_nik, affiliations, display_name, email, token):
    """Create a user; with --token print an API token alone on the last line."""
    from .auth.services import create_user, issue_token
    from .errors import DomainError

    try:
        user, generated = create_user(
            username=username,
            role=role,
            password=password,
            display_name=display_name,
            email=email,
            cooperative_nik=cooperative_nik,
            affiliation_niks=list(affiliations),
            by="cli",
        )
        plain = issue_token(user, label="cli", by="cli") if token else None
    except DomainError as err:
        db.session.rollback()
        _fail(f"{err.code}: {err.message}")
    db.session.commit()
    click.echo(f"created {user.role.value} {user.username}")
    if generated:
        click.echo(f"password: {generated}")
    if plain:
        click.echo(plain)


@harkop_cli.command("create-token")
@click.argument("username")
@click.option("--label", default="cli")
def create_token_command(username, label):
    """Print a new API token for an existing user, alone on the last line."""
    from .auth.services import get_user, issue_token
    from .errors import DomainError

    try:
        plain = issue_token(get_user(username), label=label, by="cli")
    except DomainError as err:
        db.session.rollback()
        _fail(f"{err.code}: {err.message}")
    db.session.commit()
    click.echo(plain)


@harkop_cli.command("seed-demo")
def seed_demo_command():
    """Create the demo event, registry and accounts (idempotent) and print the logins."""
    from .demo import seed_demo

    logins = seed_demo()
    db.session.commit()
    click.echo("Demo siap. Akun demo:")
    for role, username, password in logins:
        click.echo(f"  {role:<14} {username:<16} {password}")


@harkop_cli.command("is-empty")
def is_empty_command():
    """Exit 0 when the database has no users yet (used by `make run` to seed once)."""
    from sqlalchemy import func, select

    from .auth.models import User

    count = db.session.scalar(select(func.count(User.id)))
    raise SystemExit(0 if not count else 1)


@harkop_cli.command("report-inactive")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write into."
)
@click.option(
    "--recompute/--no-recompute",
    default=True,
    show_default=True,
    help="Refresh cached statuses first, so the report is right for today.",
)
def report_inactive_command(out_dir, recompute):
    """Write the inactive-cooperatives report (XLSX, PDF) and this year's warning letters into DIR."""
    from pathlib import Path

    from .cooperatives.services import recompute_registry
    from .office.reports import write_inactive_report

    if recompute:
        recompute_registry()
        db.session.commit()
    for path in write_inactive_report(Path(out_dir)):
        click.echo(str(path))


@harkop_cli.command("scheduler")
@click.option("--lease-seconds", default=60, show_default=True)
@click.option("--renew-seconds", default=15, show_default=True, help="How often the lease is renewed.")
def scheduler_command(lease_seconds, renew_seconds):
    """Run the job scheduler in the foreground (one per deployment; extras stand by).

    SIGTERM (a supervisor's stop) stops firing and releases the lease for the stand-by.
    """
    import signal
    import sys

    from .scheduler import SchedulerProcess

    # systemd and `make run` stop it with SIGTERM or SIGINT: either way it gives its lease up on
    # the way out, so a standby scheduler takes over at its next renewal instead of a minute later.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    process = SchedulerProcess(
        current_app._get_current_object(), lease_seconds=lease_seconds, renew_seconds=renew_seconds
    )
    click.echo(f"scheduler {process.holder} starting", err=True)
    try:
        process.run()
    except KeyboardInterrupt:
        pass
    click.echo(f"scheduler {process.holder} stopped", err=True)


@harkop_cli.command("run-job")
@click.argument("name")
def run_job_command(name):
    """Run one declared job now and record the run."""
    from .jobs import run_job
    from .scheduler import find_job

    try:
        spec = find_job(name)
    except KeyError:
        _fail(f"unknown job: {name}")
    run = run_job(spec, holder="cli")
    click.echo(f"{spec.name}: {run.outcome if run else 'skipped'} {run.result or '' if run else ''}")
    if run is not None and run.outcome != "ok":
        click.echo(run.error or "", err=True)
        raise SystemExit(1)


class _NoBar:
    def update(self, n: int) -> None:
        pass


@harkop_cli.command("import-cooperatives")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the whole file and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows, report the rest (exit 1).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None, help="Default: from the name."
)
def import_cooperatives_command(file, dry_run, skip_invalid, fmt):
    """Import cooperatives (ODS layout, CSV or XLSX): all rows valid or nothing written; exit 1 if any row is refused."""
    from .cooperatives.importer import import_cooperatives, tidy_after_import

    def progress(label: str, length: int):
        # A bar only on long files; short ones finish before anyone could read it.
        if length < 2000:
            return contextlib.nullcontext(_NoBar())
        return click.progressbar(length=length, label=label, file=click.get_text_stream("stderr"))

    report = import_cooperatives(
        file, by="cli", fmt=fmt, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress
    )
    for warning in report.warnings:
        click.echo(f"peringatan: {warning}", err=True)
    for error in report.errors:
        where = f"baris {error.row}" + (f", kolom {error.column}" if error.column else "")
        click.echo(f"{where}: {error.message}", err=True)
    if report.error_count > len(report.errors):
        click.echo(f"… dan {report.error_count - len(report.errors)} kesalahan lain", err=True)
    if report.written:
        db.session.commit()
        tidy_after_import(report)
    else:
        db.session.rollback()
    verdict = "disimpan" if report.written else ("uji saja, tidak disimpan" if dry_run else "TIDAK disimpan")
    click.echo(
        f"{report.rows} baris: {report.valid} valid, {report.rejected_rows} ditolak "
        f"({report.error_count} kesalahan); {verdict}."
    )
    if report.written:
        click.echo(f"baru {report.created}, diperbarui {report.updated}, tidak berubah {report.unchanged}")
    if report.rejected:
        raise SystemExit(1)


@harkop_cli.command("export-cooperatives")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None, help="Default: from the name."
)
def export_cooperatives_command(file, fmt):
    """Export the registry in the ODS column layout (CSV or XLSX)."""
    from sqlalchemy import func, select

    from .cooperatives.exporter import export_cooperatives
    from .cooperatives.models import Cooperative
    from .cooperatives.spreadsheet import FileFormatError

    total = db.session.scalar(select(func.count(Cooperative.id))) or 0
    try:
        with click.progressbar(
            length=max(total, 1), label="Mengekspor", file=click.get_text_stream("stderr")
        ) as bar:
            count = export_cooperatives(file, fmt=fmt, progress=bar.update)
    except FileFormatError as err:
        _fail(str(err))
    click.echo(f"{count} koperasi ditulis ke {file}")


@harkop_cli.command("recompute-registry")
def recompute_registry_command():
    """Recompute every cooperative's status, grade and predikat for today (the nightly job, now)."""
    from . import clock
    from .cooperatives.services import recompute_registry

    changed = recompute_registry()
    db.session.commit()
    click.echo(f"{changed} koperasi berubah (per {clock.today().isoformat()})")


@harkop_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file):
    """Write one archive (database, uploaded files, manifest) to FILE while the app runs."""
    from .backup.services import BackupError, create_backup

    try:
        result = create_backup(file)
    except BackupError as err:
        _fail(f"{err.code}: {err.message}")
    click.echo(
        f"cadangan ditulis: {result.path} ({result.size} bita, revisi skema {result.revision}, "
        f"{result.files} berkas unggahan)"
    )


@harkop_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file, yes):
    """Replace the database and uploaded files by FILE's (stop the web app and scheduler first)."""
    from .backup.services import BackupError, restore_backup

    if not yes:
        click.confirm(
            "Semua data dan berkas unggahan saat ini akan diganti isi arsip. Lanjutkan?", abort=True
        )
    try:
        result = restore_backup(file)
    except BackupError as err:
        _fail(f"{err.code}: {err.message} Tidak ada yang diubah.")
    upgraded = f", dinaikkan ke {result.revision_now}" if result.upgraded else ""
    click.echo(
        f"dipulihkan dari cadangan {result.created_at}: revisi skema {result.revision_in_archive}"
        f"{upgraded}, {result.files} berkas unggahan"
    )


def register_cli(app: Flask) -> None:
    """Attach the `harkop` command group to the app."""
    app.cli.add_command(harkop_cli)
