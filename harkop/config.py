"""Configuration read from the environment (HARKOP_*, DATABASE_URL)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def normalise_database_url(url: str) -> str:
    """Make a DATABASE_URL use psycopg 3 for PostgreSQL, as hosting providers write `postgres://`."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _secret_key(production: bool) -> str:
    """Return HARKOP_SECRET_KEY, or a key generated once into instance/ for local use."""
    key = os.environ.get("HARKOP_SECRET_KEY")
    if key:
        return key
    if production:
        raise RuntimeError(
            "HARKOP_SECRET_KEY harus diisi di produksi (several instances must share one key)."
        )
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for running Harkop; every value can be set from the environment."""

    def __init__(self) -> None:
        self.PRODUCTION = os.environ.get("HARKOP_ENV", "development") == "production"
        self.SECRET_KEY = _secret_key(self.PRODUCTION)
        default_db = f"sqlite:///{INSTANCE / 'harkop.db'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL", default_db))
        # A server database's connections can go stale (restart, idle timeout); a SQLite file's cannot.
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")
        }
        self.HARKOP_FAKE_NOW = os.environ.get("HARKOP_FAKE_NOW") or None
        self.HARKOP_FAKE_NOW_SINCE = os.environ.get("HARKOP_FAKE_NOW_SINCE") or None
        # Shared by every worker by default: counters in the database (harkop/ratelimit.py).
        self.RATELIMIT_STORAGE_URI = os.environ.get("HARKOP_RATELIMIT_STORAGE_URI") or "harkopdb://"
        self.HARKOP_LOGIN_RATE_LIMIT = os.environ.get("HARKOP_LOGIN_RATE_LIMIT", "10 per minute")
        # Server-side sessions (harkop/auth/sessions.py): idle timeout and absolute lifetime. The
        # signed cookie itself is refused past the lifetime too.
        self.HARKOP_SESSION_IDLE_MINUTES = int(os.environ.get("HARKOP_SESSION_IDLE_MINUTES", "240"))
        self.HARKOP_SESSION_MAX_HOURS = int(os.environ.get("HARKOP_SESSION_MAX_HOURS", "24"))
        self.PERMANENT_SESSION_LIFETIME = self.HARKOP_SESSION_MAX_HOURS * 3600
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Secure cookies are forced here, and also set per request when it arrives over HTTPS.
        self.SESSION_COOKIE_SECURE = _flag("HARKOP_SECURE_COOKIES", self.PRODUCTION)
        self.HARKOP_PROXY_FIX = _flag("HARKOP_PROXY_FIX")
        self.WTF_CSRF_TIME_LIMIT = None
        self.BABEL_DEFAULT_LOCALE = "id"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"
        self.HARKOP_LANGUAGES = ["id", "en"]
        self.HARKOP_BASE_URL = os.environ.get("HARKOP_BASE_URL", "http://127.0.0.1:5000")
        self.MAIL_SERVER = os.environ.get("HARKOP_SMTP_HOST") or None
        self.MAIL_PORT = int(os.environ.get("HARKOP_SMTP_PORT", "587"))
        self.MAIL_USERNAME = os.environ.get("HARKOP_SMTP_USER") or None
        self.MAIL_PASSWORD = os.environ.get("HARKOP_SMTP_PASSWORD") or None
        self.MAIL_STARTTLS = _flag("HARKOP_SMTP_STARTTLS", True)
        self.MAIL_SENDER = os.environ.get("HARKOP_MAIL_FROM", "harkop@localhost")
        self.HARKOP_INVITE_HOURS = int(os.environ.get("HARKOP_INVITE_HOURS", "72"))
        # API tokens (harkop/auth/services.py): default and longest life; a gate scanner's token
        # lasts to the event's last day plus a margin.
        self.HARKOP_TOKEN_DAYS = int(os.environ.get("HARKOP_TOKEN_DAYS", "30"))
        self.HARKOP_TOKEN_MAX_DAYS = int(os.environ.get("HARKOP_TOKEN_MAX_DAYS", "365"))
        self.HARKOP_TOKENS_PER_HOUR = int(os.environ.get("HARKOP_TOKENS_PER_HOUR", "20"))
        self.HARKOP_DEVICE_TOKEN_MARGIN_DAYS = int(os.environ.get("HARKOP_DEVICE_TOKEN_MARGIN_DAYS", "1"))
        self.MAX_CONTENT_LENGTH = int(os.environ.get("HARKOP_MAX_UPLOAD_MB", "20")) * 1024 * 1024
        # Registry imports: limits checked before a file is parsed (zip bombs, huge sheets), and
        # the size from which a web import runs as a background job (harkop/cooperatives/import_jobs.py).
        self.HARKOP_IMPORT_MAX_UNZIPPED_MB = int(os.environ.get("HARKOP_IMPORT_MAX_UNZIPPED_MB", "300"))
        self.HARKOP_IMPORT_MAX_RATIO = float(os.environ.get("HARKOP_IMPORT_MAX_RATIO", "100"))
        self.HARKOP_IMPORT_MAX_ROWS = int(os.environ.get("HARKOP_IMPORT_MAX_ROWS", "200000"))
        self.HARKOP_IMPORT_BACKGROUND_ROWS = int(os.environ.get("HARKOP_IMPORT_BACKGROUND_ROWS", "2000"))
        # The desk's teams import (harkop/registrations/desk.py): each row is a registration with its
        # checks, so a file goes to the background from fewer rows than a registry import.
        self.HARKOP_TEAM_IMPORT_BACKGROUND_ROWS = int(
            os.environ.get("HARKOP_TEAM_IMPORT_BACKGROUND_ROWS", "200")
        )
        # Bulk PDFs (tickets, certificates, badges) of more cards than this are made by a background job.
        self.HARKOP_PRINT_BACKGROUND_ITEMS = int(os.environ.get("HARKOP_PRINT_BACKGROUND_ITEMS", "60"))
        # Files the background jobs leave (print PDFs with names and ticket codes, report packages,
        # progress files) are removed this many days after they were written.
        self.HARKOP_JOB_FILES_DAYS = int(os.environ.get("HARKOP_JOB_FILES_DAYS", "14"))
        self.HARKOP_TESTING_ROUTES = False
        # Office workflows: where uploads (RAT minutes) live, their size limit, and letter numbers.
        self.HARKOP_UPLOAD_DIR = os.environ.get("HARKOP_UPLOAD_DIR") or None
        self.HARKOP_MINUTES_MAX_BYTES = int(float(os.environ.get("HARKOP_MINUTES_MAX_MB", "5")) * 1024 * 1024)
        self.HARKOP_LETTER_CODE = os.environ.get("HARKOP_LETTER_CODE", "500.3")
        self.HARKOP_LETTER_OFFICE = os.environ.get("HARKOP_LETTER_OFFICE", "DKUMKMP")
        self.HARKOP_WARNING_DAYS = int(os.environ.get("HARKOP_WARNING_DAYS", "30"))
        self.HARKOP_LETTER_SIGNER = os.environ.get("HARKOP_LETTER_SIGNER", "")
        # Operations: log format, backups and how long participants' personal data is kept.
        self.HARKOP_LOG_FORMAT = os.environ.get("HARKOP_LOG_FORMAT") or (
            "json" if self.PRODUCTION else "text"
        )
        self.HARKOP_BACKUP_DIR = os.environ.get("HARKOP_BACKUP_DIR") or None
        self.HARKOP_BACKUP_KEEP = int(os.environ.get("HARKOP_BACKUP_KEEP", "14"))
        self.HARKOP_RETENTION_DAYS = int(os.environ.get("HARKOP_RETENTION_DAYS", "90"))


class TestConfig(Config):
    """Settings for the test suite: a database of the test's choosing, no rate limit surprises."""

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            database_url or os.environ.get("HARKOP_TEST_DATABASE_URL") or "sqlite://"
        )
        self.HARKOP_FAKE_NOW = None
        self.HARKOP_FAKE_NOW_SINCE = None
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SESSION_COOKIE_SECURE = False
        self.MAIL_SERVER = None
        self.HARKOP_PASSWORD_METHOD = "pbkdf2:sha256:1000"
