"""The application shell: health check, security headers, cookies, configuration."""

import subprocess
import sys

import pytest

from harkop import config as config_module
from harkop.config import Config, normalise_database_url
from tests.conftest import make_app
from tests.liveserver import ROOT, server_environment


def test_healthz_answers_ok_with_a_database(client):
    """/healthz (alive) is 200 while the process answers."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


@pytest.mark.committed
def test_healthz_is_200_without_a_database(tmp_path):
    """/healthz does not touch the database: an outage must not make a supervisor restart the app."""
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200


def test_readyz_is_ok_on_a_database_at_head(client):
    """/readyz is 200 when the database answers and its schema is at the migrations' head."""
    from harkop.schema import head_revision

    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["revision"] == head_revision()


@pytest.mark.committed
def test_readyz_is_503_without_a_database(tmp_path):
    """/readyz is 503 when the database cannot be reached."""
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.committed
def test_readyz_is_503_before_the_migrations_ran(tmp_path):
    """/readyz is 503 on an empty database: the instance must not get traffic before `db upgrade`."""
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unmigrated"


@pytest.mark.committed
def test_readyz_is_503_when_migrations_are_behind(tmp_path):
    """/readyz is 503 on a database one migration behind the code."""
    from flask_migrate import upgrade

    from harkop.extensions import db
    from harkop.schema import known_revisions

    app = make_app(f"sqlite:///{tmp_path / 'behind.db'}")
    with app.app_context():
        upgrade(revision=known_revisions()[-2])
        db.session.remove()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "behind"
    with app.app_context():
        db.engine.dispose()


def test_security_headers_on_every_page(client):
    """A CSP without inline script, frame-ancestors, nosniff and a referrer policy."""
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(client):
    """The session cookie cannot be read by scripts nor sent cross-site."""
    response = client.post("/bahasa", data={"lang": "en", "next": "/"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client):
    """Served over HTTPS, the session cookie is marked Secure."""
    response = client.post("/bahasa", data={"lang": "en", "next": "/"}, base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_secret_key_required_in_production(monkeypatch):
    """In production several instances must share HARKOP_SECRET_KEY: without it, no start."""
    monkeypatch.setenv("HARKOP_ENV", "production")
    monkeypatch.delenv("HARKOP_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        Config()


def test_secret_key_generated_once_for_local_use(monkeypatch, tmp_path):
    """Locally a key is generated into instance/ once and reused."""
    monkeypatch.delenv("HARKOP_SECRET_KEY", raising=False)
    monkeypatch.delenv("HARKOP_ENV", raising=False)
    monkeypatch.setattr(config_module, "INSTANCE", tmp_path)
    first = Config().SECRET_KEY
    assert (tmp_path / "secret_key").exists()
    assert Config().SECRET_KEY == first and len(first) >= 32


def test_database_url_uses_psycopg3():
    """postgres:// and postgresql:// URLs are driven by psycopg 3."""
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_in_wal_with_foreign_keys(app):
    """SQLite runs with WAL, foreign keys and a busy timeout."""
    from sqlalchemy import text

    from harkop.extensions import db
    from tests.dbutil import using_postgres

    if using_postgres():
        pytest.skip("SQLite pragmas do not apply to PostgreSQL")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_unknown_page_is_a_404_page(client):
    """An unknown URL gets the 404 page in Indonesian."""
    response = client.get("/tidak-ada-halaman")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_language_switch_to_english(client):
    """The language switch shows the pages in English."""
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    html = client.get("/masuk").get_data(as_text=True)
    assert 'lang="en"' in html


def test_home_page_shows_the_event(client, runner):
    """The public home page shows the event's name, theme, venue and three days."""
    runner.invoke(args=["harkop", "seed-demo"])
    html = client.get("/").get_data(as_text=True)
    assert "Hari Koperasi 2024 Kota Balikpapan" in html
    assert "Pentacity Mall" in html
    assert "Konsolidasi, Akselerasi, dan Eskalasi" in html
    for day in ("Jumat, 26 Juli 2024", "Sabtu, 27 Juli 2024", "Minggu, 28 Juli 2024"):
        assert day in html


def test_wsgi_entry_point_freezes_the_long_lived_heap(tmp_path):
    """`import wsgi` (what gunicorn loads) leaves the startup objects frozen, out of every collection."""
    probe = "import gc, wsgi\nprint(gc.get_freeze_count(), len(gc.get_objects()), wsgi.app.name)\n"
    env = server_environment(f"sqlite:///{tmp_path / 'wsgi.db'}", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    frozen, tracked, name = done.stdout.split()
    assert name == "harkop"
    # the app's modules, mappers and templates are frozen; what the collector still tracks is tiny
    assert int(frozen) > 50_000
    assert int(tracked) < int(frozen) // 100
