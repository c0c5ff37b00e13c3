"""The per-account login throttle: after a few failures, each further one locks the username
for longer (30 s, 1 min, 2 min … at most 15 min).

The per-address limit (Flask-Limiter, harkop/ratelimit.py) stops one client guessing fast; it
cannot stop many addresses guessing one account, nor a crowd behind one proxy address. So the
failures of each username are counted too, in the database (every worker sees them), whether
the account exists or not, so a lock tells nothing about which usernames exist. A successful
login clears the count; failures older than `FORGET_AFTER` start the count afresh.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete

from ..errors import DomainError
from ..extensions import db
from .models import LoginThrottle
from .sessions import wall_now

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(minutes=30)


def _key(username: str | None) -> str:
    return (username or "").strip().lower()[:80]


def _free_failures() -> int:
    if has_app_context():
        return int(current_app.config.get("HARKOP_LOGIN_FREE_FAILURES", FREE_FAILURES))
    return FREE_FAILURES


def lock_for(failures: int) -> timedelta | None:
    """How long the account is locked after `failures` failures in a row (None: not locked)."""
    over = failures - _free_failures()
    if over < 0:
        return None
    return min(FIRST_LOCK * (2**over), LONGEST_LOCK)


def check_not_locked(username: str | None, *, now: datetime | None = None) -> None:
    """A coded 429 while the username is locked; nothing otherwise."""
    now = now or wall_now()
    row = db.session.get(LoginThrottle, _key(username))
    if row is not None and row.locked_until is not None and row.locked_until > now:
        seconds = int((row.locked_until - now).total_seconds()) + 1
        raise DomainError(
            "account_throttled",
            _(
                "Terlalu banyak percobaan masuk yang salah untuk akun ini. Coba lagi dalam %(s)d detik.",
                s=seconds,
            ),
            status=429,
            details={"retry_after": seconds},
        )


def record_failure(username: str | None, *, now: datetime | None = None) -> LoginThrottle:
    """Count one failed login of `username` and lock it when the count calls for it. Flushes."""
    now = now or wall_now()
    key = _key(username)
    row = db.session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(username=key, failures=0, last_failure_at=now)
        db.session.add(row)
    elif now - row.last_failure_at > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    lock = lock_for(row.failures)
    row.locked_until = now + lock if lock else None
    db.session.flush()
    return row


def clear_failures(username: str | None) -> None:
    """A successful login: the username's count starts again. Flushes."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.username == _key(username)))


def purge_old(*, now: datetime | None = None) -> int:
    """Delete counts that are forgotten anyway (the daily job). Flushes."""
    cutoff = (now or wall_now()) - FORGET_AFTER - LONGEST_LOCK
    return (
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < cutoff)).rowcount or 0
    )
