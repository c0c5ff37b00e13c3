"""Copying a database out of and into its engine: SQLite's online backup API, PostgreSQL's tools.

Both classes answer the same four questions:
- `copy_out(path)`: write a consistent copy of the live database to `path`, while it runs;
- `check_copy(path)`: is the copy intact, and at which schema revision is it;
- `upgraded_copy(path, upgrade, work)`: a copy brought to the code's head revision, made on the
  side so the live database is untouched if an upgrade fails;
- `load(path)`: replace the live database's content by the copy, all at once or not at all.

PostgreSQL: the copy is `pg_dump --format=custom` of the application's schema (`public`, or the
schema a URL's `options=-csearch_path=…` names). Loading turns it into SQL with `pg_restore` and
runs it with `psql --single-transaction`, after dropping the schema's tables in the same
transaction: a failure anywhere rolls the whole load back. The pg_trgm extension that the
migrations install stays where it is (in `public`, outside the tables that are replaced). An
older copy is upgraded in a scratch database created and dropped for the purpose (the restoring
role needs CREATEDB for that, and only for that). `pg_dump`, `pg_restore` and `psql` must be of
the server's major version or newer.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from .archive import BackupError, damaged

Upgrade = Callable[[str], None]  # upgrade the database at this SQLAlchemy URL to the head revision
SQLITE_BUSY_SECONDS = 30.0


def database_for(url: str | URL) -> SqliteDatabase | PostgresDatabase:
    """The copier for the database at `url` (SQLite file or PostgreSQL)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return SqliteDatabase(parsed)
    if parsed.get_backend_name() == "postgresql":
        return PostgresDatabase(parsed)
    raise BackupError("backup_unsupported", f"Basis data {parsed.get_backend_name()} tidak didukung.")


def _sqlite_revision(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.DatabaseError, TypeError):
        return None
    finally:
        conn.close()


class SqliteDatabase:
    """A SQLite file: copied with the online backup API in both directions."""

    dialect = "sqlite"
    schema = None

    def __init__(self, url: URL) -> None:
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            raise BackupError("backup_unsupported", "Basis data di memori tidak dapat dicadangkan.")
        self.path = Path(database).resolve()
        self.url = url

    def copy_out(self, out: Path) -> str | None:
        """A consistent copy of the live file (writers carry on meanwhile); its revision."""
        if not self.path.is_file():
            raise BackupError("backup_failed", f"Berkas basis data tidak ditemukan: {self.path}")
        source = sqlite3.connect(self.path, timeout=SQLITE_BUSY_SECONDS)
        copy = sqlite3.connect(out)
        try:
            source.backup(copy)  # one step: one read snapshot of the whole file
            copy.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        finally:
            copy.close()
            source.close()
        return self.check_copy(out)

    def check_copy(self, copy: Path) -> str | None:
        """Refuse a copy that fails SQLite's integrity check; its schema revision."""
        try:
            conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            try:
                verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.DatabaseError as err:
            raise damaged(f"basis data SQLite tidak terbaca ({err})") from err
        if verdict != "ok":
            raise damaged(f"pemeriksaan integritas SQLite: {verdict}")
        return _sqlite_revision(copy)

    def upgraded_copy(self, copy: Path, upgrade: Upgrade, work: Path) -> Path:
        """Upgrade the staged copy itself (it is a file of its own); the same path."""
        upgrade(f"sqlite:///{copy}")
        return copy

    def load(self, copy: Path) -> None:
        """Replace the live database by the copy in one write transaction of SQLite's backup API."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        live = sqlite3.connect(self.path, timeout=SQLITE_BUSY_SECONDS)
        try:
            source.backup(live)
        except sqlite3.Error as err:
            raise BackupError("restore_failed", f"Pemulihan SQLite gagal: {err}") from err
        finally:
            live.close()
            source.close()


def _search_path(url: URL) -> str | None:
    options = url.query.get("options")
    if isinstance(options, tuple):
        options = " ".join(options)
    match = re.search(r"-c\s*search_path\s*=\s*([^\s,]+)", options or "")
    return match.group(1).strip('"') if match else None


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(match.group(1)) if match else 0


class PostgresDatabase:
    """A PostgreSQL schema: pg_dump out, pg_restore + psql in one transaction back in."""

    dialect = "postgresql"

    def __init__(self, url: URL) -> None:
        self.url = url
        self.schema = _search_path(url) or "public"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.schema):
            raise BackupError("backup_unsupported", f"Nama skema tidak didukung: {self.schema!r}")

    # Connecting the tools -------------------------------------------------------------------

    def _conninfo(self) -> str:
        """A libpq URI without the password (that goes in PGPASSWORD, out of the process list)."""
        plain = self.url.set(drivername="postgresql", password=None)
        return plain.render_as_string(hide_password=False)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        return env

    def _tool(self, name: str) -> str:
        found = shutil.which(name)
        if not found:
            raise BackupError(
                "backup_tool_missing", f"{name} tidak ditemukan: pasang klien PostgreSQL (postgresql-client)."
            )
        return found

    def _run(self, args: list[str], *, code: str = "backup_failed", what: str = "") -> str:
        done = subprocess.run(args, env=self._env(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise BackupError(code, f"{what or Path(args[0]).name} gagal: " + " | ".join(tail))
        return done.stdout

    def _engine(self, *, database: str | None = None):
        url = self.url if database is None else self.url.set(database=database)
        return create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)

    def check_tools(self) -> None:
        """Refuse tools older than the server: an older pg_dump cannot read a newer server."""
        engine = self._engine()
        try:
            with engine.connect() as conn:
                server = int(conn.execute(text("SHOW server_version_num")).scalar() or 0) // 10000
        finally:
            engine.dispose()
        for name in ("pg_dump", "pg_restore", "psql"):
            version = subprocess.run(
                [self._tool(name), "--version"], capture_output=True, text=True, check=False
            ).stdout
            if _major(version) < server:
                raise BackupError(
                    "backup_tool_too_old",
                    f"{name} versi {_major(version)} lebih tua dari server PostgreSQL {server}.",
                )

    # The four questions ---------------------------------------------------------------------

    def copy_out(self, out: Path) -> str | None:
        """`pg_dump` of the schema in custom format (a consistent snapshot); its revision."""
        self.check_tools()
        self._run(
            [
                self._tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--schema={self.schema}",
                f"--file={out}",
                f"--dbname={self._conninfo()}",
            ],
            what="pg_dump",
        )
        return self.check_copy(out)

    def check_copy(self, copy: Path) -> str | None:
        """Read the whole dump (its table of contents and every data block); its schema revision."""
        pg_restore = self._tool("pg_restore")
        self._run([pg_restore, "--list", str(copy)], code="backup_damaged", what="pg_restore --list")
        self._run([pg_restore, "--file=/dev/null", str(copy)], code="backup_damaged", what="pg_restore")
        data = self._run(
            [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(copy)],
            code="backup_damaged",
            what="pg_restore",
        )
        lines = data.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
                value = lines[i + 1].strip()
                return None if value == "\\." else value
        return None

    def upgraded_copy(self, copy: Path, upgrade: Upgrade, work: Path) -> Path:
        """Load the copy into a scratch database, upgrade it there, dump it again; the new dump."""
        base = self.url.database or "harkop"
        scratch = f"{base[:40]}_restore_{secrets.token_hex(4)}"
        admin = self._engine()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{scratch}"'))
            side = PostgresDatabase(self.url.set(database=scratch))
            side.load(copy)
            upgrade(side.url.render_as_string(hide_password=False))
            upgraded = work / "upgraded.pgdump"
            side.copy_out(upgraded)
            return upgraded
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
            admin.dispose()

    def load(self, copy: Path) -> None:
        """Replace the schema's tables by the dump's in one transaction (all or nothing)."""
        self.check_tools()
        pg_restore = self._tool("pg_restore")
        work = copy.parent
        toc = self._run([pg_restore, "--list", str(copy)], code="backup_damaged", what="pg_restore --list")
        # The schema itself stays (it may be `public`, which holds the pg_trgm extension).
        keep = [line for line in toc.splitlines() if not re.search(r"\b(SCHEMA|COMMENT) - ", line)]
        listing = work / "restore.list"
        listing.write_text("\n".join(keep) + "\n")
        script = work / "restore.sql"
        self._run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                f"--use-list={listing}",
                f"--file={script}",
                str(copy),
            ],
            code="backup_damaged",
            what="pg_restore",
        )
        self._run(
            [
                self._tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--dbname={self._conninfo()}",
                f"--command={self._prelude()}",
                f"--file={script}",
            ],
            code="restore_failed",
            what="psql",
        )

    def _prelude(self) -> str:
        """SQL run first in the load's transaction: the schema exists and holds no table any more."""
        schema = self.schema
        return f"""
SET LOCAL lock_timeout = '30s';
CREATE SCHEMA IF NOT EXISTS "{schema}";
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
DO $harkop$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass::text AS name, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (
        SELECT 1 FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
  LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                     WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      r.name);
  END LOOP;
END
$harkop$;
"""
