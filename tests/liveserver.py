"""A real Harkop server in a subprocess, on its own migrated and seeded database.

Browser tests and multi-instance tests (a shared Redis rate limit) need the app served the way
production serves it: gunicorn, a committed database, the environment as the only configuration.
`LiveServer.start(...)` builds a fresh database (a SQLite file, or a PostgreSQL schema when
HARKOP_TEST_DATABASE_URL is set), runs `flask db upgrade` and `flask harkop seed-demo` on it, starts
gunicorn on a free loopback port and waits for /readyz.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.dbutil import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_FAKE_NOW = "2024-07-26T09:00:00+08:00"
START_TIMEOUT = 60.0

# Variables of the test runner's own environment that must not leak into a server.
_SCRUBBED = (
    "DATABASE_URL",
    "HARKOP_TEST_DATABASE_URL",
    "HARKOP_RATELIMIT_STORAGE_URI",
    "HARKOP_FAKE_NOW",
    "HARKOP_FAKE_NOW_SINCE",
    "HARKOP_LOG_FORMAT",
    "HARKOP_BACKUP_DIR",
    "HARKOP_UPLOAD_DIR",
    "HARKOP_RETENTION_DAYS",
    "HARKOP_SMTP_HOST",
    "HARKOP_ENV",
    "HARKOP_PROXY_FIX",
    "HARKOP_SECURE_COOKIES",
    "FLASK_APP",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url: str, fake_now: str | None, extra: dict[str, str] | None = None) -> dict:
    """The environment a server subprocess runs with: only what the test chose."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        DATABASE_URL=database_url,
        HARKOP_SECRET_KEY=secrets.token_urlsafe(32),
        # Browser suites log in dozens of times from 127.0.0.1 within a minute.
        HARKOP_LOGIN_RATE_LIMIT="1000 per minute",
        PYTHONUNBUFFERED="1",
    )
    if fake_now:
        env["HARKOP_FAKE_NOW"] = fake_now
    env.update(extra or {})
    return env


def _flask(args: list[str], env: dict, log: Path) -> None:
    """Run `flask --app wsgi ...` as an operator would; raise with its output when it fails."""
    cmd = [str(BIN / "python"), "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    with log.open("a") as fh:
        fh.write(f"$ flask {' '.join(args)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


class LiveServer:
    """A running gunicorn serving Harkop; `url`, `database_url` and `fake_now` describe it."""

    def __init__(self, *, url: str, database_url: str, fake_now: str | None, process, log_path: Path):
        self.url = url
        self.database_url = database_url
        self.fake_now = fake_now
        self.process = process
        self.log_path = log_path
        self._cache: dict[str, Any] = {}
        self._app = None
        self._command: tuple[list[str], dict[str, str], bool] = ([], {}, False)

    @classmethod
    def start(
        cls,
        tmp_dir: Path,
        *,
        fake_now: str | None = DEFAULT_FAKE_NOW,
        database_url: str | None = None,
        seed: bool = True,
        env: dict[str, str] | None = None,
        threads: int = 2,
        workers: int = 1,
        own_group: bool = False,
    ) -> LiveServer:
        """Build (or reuse) a database, migrate and seed it, start gunicorn and wait until healthy."""
        tmp_dir.mkdir(parents=True, exist_ok=True)
        log_path = tmp_dir / "server.log"
        if database_url is None:
            database_url = fresh_database_url(tmp_dir, "live")
        # Uploads and backups of a test server stay in its own folder, never in the repository's instance/.
        own = {"HARKOP_UPLOAD_DIR": str(tmp_dir / "uploads"), "HARKOP_BACKUP_DIR": str(tmp_dir / "backups")}
        server_env = server_environment(database_url, fake_now, {**own, **(env or {})})
        _flask(["db", "upgrade"], server_env, log_path)
        if seed:
            _flask(["harkop", "seed-demo"], server_env, log_path)
        port = free_port()
        cmd = [
            str(BIN / "gunicorn"),
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--graceful-timeout",
            "3",
            "--log-level",
            "warning",
            "wsgi:app",
        ]
        log = log_path.open("a")
        # own_group: a process group of its own, so `kill()` takes the master and its workers at once
        # (otherwise the server shares the test run's group and dies with it on Ctrl-C).
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=own_group
        )
        log.close()
        server = cls(
            url=f"http://127.0.0.1:{port}",
            database_url=database_url,
            fake_now=fake_now,
            process=process,
            log_path=log_path,
        )
        server._command = (cmd, server_env, own_group)
        try:
            server.wait_until_healthy()
        except BaseException:
            server.stop()
            raise
        return server

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Poll /readyz until it answers 200; fail with the server's log if it dies or never does."""
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
                last_error = str(err)
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy after {timeout:.0f}s ({last_error}):\n{self.log()}")

    def log(self) -> str:
        """What the server and its set-up commands printed."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL gunicorn's master and workers at once (a server started with own_group=True)."""
        import signal

        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Start gunicorn again on the same port and database after `kill()` or `stop()` (a real outage)."""
        cmd, env, own_group = self._command
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=own_group
        )
        log.close()
        self.wait_until_healthy()

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL after a grace period)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._app is not None:
            from harkop.extensions import db

            with self._app.app_context():
                db.engine.dispose()

    # Data for tests -------------------------------------------------------------------------

    def make_app(self):
        """An app object on the server's database (built once) for creating test data."""
        if self._app is None:
            from tests.conftest import make_app

            self._app = make_app(self.database_url)
            # Data made by the test carries the same simulated time as the server's pages.
            self._app.config["HARKOP_FAKE_NOW"] = self.fake_now
            # Files a test makes for the server (a background job's PDF) go to the server's folder.
            if self._command[1].get("HARKOP_UPLOAD_DIR"):
                self._app.config["HARKOP_UPLOAD_DIR"] = self._command[1]["HARKOP_UPLOAD_DIR"]
        return self._app

    @contextmanager
    def app_context(self) -> Iterator[None]:
        """`with server.app_context(): ...; db.session.commit()` writes data the server then sees."""
        from harkop.extensions import db

        app = self.make_app()
        with app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    def run_background_job(self, job_id: int) -> str:
        """Run one queued background job (import_jobs) as the scheduler would, which the live server
        does not run; returns its status. Only this job: others queued by other tests stay queued."""
        from harkop.cooperatives import import_jobs
        from harkop.cooperatives.models import ImportJob
        from harkop.extensions import db

        with self.app_context():
            job = db.session.get(ImportJob, job_id)
            job.status, job.holder = "running", "e2e-test"
            db.session.commit()
            return import_jobs.run_import_job(job, holder="e2e-test").status

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        """A value made once per server (e.g. an invitation link shared by several tests)."""
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def __repr__(self) -> str:
        return f"<LiveServer {self.url} fake_now={self.fake_now} db={self.database_url}>"
