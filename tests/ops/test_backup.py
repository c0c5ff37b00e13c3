"""Backup and restore (issue 19): the same rows and files come back, on SQLite and PostgreSQL.

The commands run as an operator runs them (`flask --app wsgi harkop backup FILE` / `restore FILE`
in a subprocess with DATABASE_URL), on a database of the test's own: a SQLite file, or a
PostgreSQL schema when HARKOP_TEST_DATABASE_URL is set (the archive then holds `pg_dump -n` of
that schema, the code path a production database in `public` takes).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text

from harkop.config import normalise_database_url
from harkop.schema import head_revision, known_revisions
from tests.dbutil import fresh_database_url, migrate, using_postgres
from tests.liveserver import DEFAULT_FAKE_NOW, ROOT, server_environment

pytestmark = [pytest.mark.committed, pytest.mark.slow]

PDF = b"%PDF-1.4\n% minutes of the RAT\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Site:
    """A database and an upload folder, with the operator's commands."""

    def __init__(self, tmp: Path, name: str, database_url: str | None = None) -> None:
        self.url = database_url or fresh_database_url(tmp, name)
        self.uploads = tmp / f"{name}-uploads"
        self.env = server_environment(self.url, DEFAULT_FAKE_NOW, {"HARKOP_UPLOAD_DIR": str(self.uploads)})

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """`flask --app wsgi …` as the operator types it; the finished process."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def ok(self, *args: str) -> str:
        done = self.flask(*args)
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def execute(self, *statements: str) -> None:
        engine = create_engine(normalise_database_url(self.url))
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    def rows(self) -> dict[str, list[tuple]]:
        """Every row of every table, ordered: the database's content as a comparable value."""
        engine = create_engine(normalise_database_url(self.url))
        try:
            meta = MetaData()
            meta.reflect(engine)
            content = {}
            with engine.connect() as conn:
                for table in meta.sorted_tables:
                    if table.name.startswith("cooperative_fts"):
                        continue  # SQLite's search index: derived from `cooperative`
                    found = conn.execute(select(table)).all()
                    content[table.name] = sorted((tuple(r) for r in found), key=repr)
            return content
        finally:
            engine.dispose()

    def files(self) -> dict[str, str]:
        """Every uploaded file by its path under the folder, with its SHA-256."""
        if not self.uploads.exists():
            return {}
        return {
            str(p.relative_to(self.uploads)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.uploads.rglob("*"))
            if p.is_file()
        }

    def upload(self, name: str, content: bytes) -> None:
        folder = self.uploads / "rat-minutes"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def _build(site: Site, revision: str | None = None) -> None:
    site.ok("db", "upgrade", *([revision] if revision else []))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[Site, Path]:
    """The demo's database with two uploaded files, and an archive of it taken by `backup`."""
    tmp = tmp_path_factory.mktemp("backup")
    site = Site(tmp, "seeded")
    _build(site)
    site.ok("harkop", "seed-demo")
    site.upload("0123456789abcdef0123456789abcdef.pdf", PDF)
    site.upload("fedcba9876543210fedcba9876543210.png", PNG)
    archive = tmp / "seeded.tar.gz"
    out = site.ok("harkop", "backup", str(archive))
    assert "cadangan ditulis" in out
    return site, archive


def test_restore_brings_back_the_same_rows_and_files(seeded):
    """After changes and deletions, `restore` gives back exactly the rows and files of the backup."""
    site, archive = seeded
    rows, files = site.rows(), site.files()
    assert rows["cooperative"] and rows["entry"] and rows["alembic_version"] == [(head_revision(),)]
    site.execute(
        "DELETE FROM audit_log",
        "UPDATE cooperative SET name = 'Diubah' WHERE id IN (SELECT id FROM cooperative ORDER BY id LIMIT 5)",
        "CREATE TABLE stray_table (x INTEGER)",
    )
    (site.uploads / "rat-minutes" / "0123456789abcdef0123456789abcdef.pdf").unlink()
    site.upload("99999999999999999999999999999999.pdf", PDF + b"new")
    assert site.rows() != rows

    out = site.ok("harkop", "restore", "--yes", str(archive))

    assert "dipulihkan" in out
    assert site.rows() == rows
    assert site.files() == files


def test_archive_lists_every_member_with_its_checksum(seeded):
    """The manifest names the engine, the schema revision, and each member's size and SHA-256."""
    _site, archive = seeded
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile() and m.name != "manifest.json"}
    assert manifest["dialect"] == ("postgresql" if using_postgres() else "sqlite")
    assert manifest["revision"] == head_revision()
    listed = [manifest["database"], *manifest["files"]]
    assert sorted(m["path"] for m in listed) == sorted(members)
    for member in listed:
        assert hashlib.sha256(members[member["path"]]).hexdigest() == member["sha256"]
    assert archive.stat().st_mode & 0o077 == 0  # personal data: the owner's eyes only


def _refused(site: Site, archive: Path, code: str) -> None:
    rows, files = site.rows(), site.files()
    done = site.flask("harkop", "restore", "--yes", str(archive))
    assert done.returncode != 0
    assert code in done.stderr, done.stderr
    assert site.rows() == rows, "a refused restore changed the database"
    assert site.files() == files, "a refused restore changed the uploaded files"


def test_a_damaged_archive_is_refused_and_nothing_changes(seeded, tmp_path):
    """A byte flipped in the compressed archive: refused as damaged, database and files untouched."""
    site, archive = seeded
    site.execute("DELETE FROM outbox_message")
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(raw))
    _refused(site, broken, "backup_damaged")
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: len(raw) // 3])
    _refused(site, truncated, "backup_damaged")


def _repack(archive: Path, target: Path, change) -> None:
    """Copy an archive member by member through `change(name, bytes) -> bytes`, recompressed."""
    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as src, tarfile.open(fileobj=out, mode="w") as dst:
        for info in src:
            data = change(info.name, src.extractfile(info).read()) if info.isfile() else b""
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    target.write_bytes(gzip.compress(out.getvalue()))


def test_a_member_that_does_not_match_its_checksum_is_refused(seeded, tmp_path):
    """A well-formed archive whose file differs from the manifest's SHA-256 is refused."""
    site, archive = seeded
    forged = tmp_path / "forged.tar.gz"
    _repack(archive, forged, lambda name, data: data + b"x" if name.endswith(".png") else data)
    _refused(site, forged, "backup_damaged")


def test_an_archive_from_a_newer_schema_is_refused(seeded, tmp_path):
    """A database at a revision this code does not know (a newer Harkop) is refused, nothing written."""
    site, archive = seeded
    site.execute("UPDATE alembic_version SET version_num = '9999_future'")
    newer = tmp_path / "newer.tar.gz"
    try:
        site.ok("harkop", "backup", str(newer))
    finally:
        site.execute(f"UPDATE alembic_version SET version_num = '{head_revision()}'")
    _refused(site, newer, "backup_newer_schema")


def test_an_archive_from_an_older_schema_is_upgraded(tmp_path):
    """An archive of the previous schema revision is restored and upgraded to the code's head."""
    site = Site(tmp_path, "older")
    previous = known_revisions()[-2]
    _build(site, previous)
    site.execute(
        "INSERT INTO audit_log (at, action, entity_type, entity_id, detail) "
        "VALUES ('2024-07-01 01:00:00', 'test.before_upgrade', 'test', '1', 'kept across the upgrade')"
    )
    site.upload("abcdefabcdefabcdefabcdefabcdefab.pdf", PDF)
    archive = tmp_path / "older.tar.gz"
    assert f"revisi skema {previous}" in site.ok("harkop", "backup", str(archive))
    _build(site)  # the code moved on: the live database is at head now
    site.execute("DELETE FROM audit_log")

    out = site.ok("harkop", "restore", "--yes", str(archive))

    assert f"dinaikkan ke {head_revision()}" in out
    rows = site.rows()
    assert rows["alembic_version"] == [(head_revision(),)]
    assert [r for r in rows["audit_log"] if "test.before_upgrade" in r]
    assert site.files() == {
        "rat-minutes/abcdefabcdefabcdefabcdefabcdefab.pdf": hashlib.sha256(PDF).hexdigest()
    }


def test_an_archive_of_the_other_database_engine_is_refused(seeded, tmp_path):
    """An archive made on SQLite is refused by a PostgreSQL deployment and the other way round."""
    site, archive = seeded
    other = "sqlite" if using_postgres() else "postgresql"
    member = "database/harkop.sqlite3" if other == "sqlite" else "database/harkop.pgdump"

    def swap(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["dialect"] = other
        manifest["database"]["path"] = member
        return json.dumps(manifest).encode()

    def rename(name: str) -> str:
        return member if name.startswith("database/") else name

    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as src, tarfile.open(fileobj=out, mode="w") as dst:
        for info in src:
            data = swap(info.name, src.extractfile(info).read())
            info.name, info.size = rename(info.name), len(data)
            dst.addfile(info, io.BytesIO(data))
    foreign = tmp_path / "foreign.tar.gz"
    foreign.write_bytes(gzip.compress(out.getvalue()))
    _refused(site, foreign, "backup_wrong_database")


def test_nightly_job_writes_an_archive_keeps_the_last_n_and_the_office_sees_it(tmp_path):
    """The `backup` job writes into HARKOP_BACKUP_DIR, prunes to HARKOP_BACKUP_KEEP, and /admin shows it."""
    from harkop.auth.services import create_user
    from harkop.backup.services import backup_status, prune_backups
    from harkop.extensions import db
    from harkop.jobs import run_job
    from harkop.scheduler import find_job
    from tests.conftest import make_app, sign_in

    backups = tmp_path / "backups"
    backups.mkdir()
    for day in range(1, 5):  # four older nightly archives and one an operator put there by hand
        (backups / f"harkop-2024070{day}-013000.tar.gz").write_bytes(b"old")
    (backups / "sebelum-upgrade.tar.gz").write_bytes(b"kept")
    app = make_app(
        fresh_database_url(tmp_path, "nightly"),
        HARKOP_BACKUP_DIR=str(backups),
        HARKOP_BACKUP_KEEP=3,
        HARKOP_UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    migrate(app)
    with app.app_context():
        admin, _ = create_user(username="kantor", role="admin", password="rahasia123", by="test")
        db.session.commit()
        run = run_job(find_job("backup"), holder="test")
        assert run.outcome == "ok", run.error
        status = backup_status()
        assert status.last_success is not None and not status.failing
        client = app.test_client()
        sign_in(client, admin)
        html = client.get("/admin").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
    names = sorted(p.name for p in backups.iterdir())
    assert len([n for n in names if n.startswith("harkop-")]) == 3
    assert "harkop-20240701-013000.tar.gz" not in names and "sebelum-upgrade.tar.gz" in names
    assert len([n for n in names if n.startswith("harkop-") and not n.startswith("harkop-202407")]) == 1
    assert "Cadangan terakhir" in html
    assert prune_backups(backups, 3) == []


def test_a_restore_that_fails_while_loading_puts_the_files_back(tmp_path, monkeypatch):
    """If the database load fails after the upload folder was swapped, the old folder comes back and
    the database is as it was: a failed restore writes nothing."""
    from harkop.backup import databases
    from harkop.backup.archive import BackupError
    from harkop.backup.services import create_backup, restore_backup
    from harkop.extensions import db
    from tests.conftest import make_app

    site = Site(tmp_path, "failing")
    app = make_app(site.url, HARKOP_UPLOAD_DIR=str(site.uploads))
    migrate(app)
    site.upload("11111111111111111111111111111111.pdf", PDF)
    archive = tmp_path / "failing.tar.gz"
    with app.app_context():
        create_backup(archive)
        db.session.remove()
        db.engine.dispose()
    site.upload("22222222222222222222222222222222.png", PNG)
    rows, files = site.rows(), site.files()

    def broken_load(self, copy):
        raise BackupError("restore_failed", "the load failed half-way (test)")

    monkeypatch.setattr(databases.SqliteDatabase, "load", broken_load)
    monkeypatch.setattr(databases.PostgresDatabase, "load", broken_load)
    with app.app_context(), pytest.raises(BackupError):
        restore_backup(archive)
    assert site.files() == files
    assert site.rows() == rows
    leftovers = [p.name for p in tmp_path.iterdir() if ".restore-" in p.name or ".before-restore-" in p.name]
    assert leftovers == []
