"""Browser sessions kept on the server, and the small writes that note when they were last used.

The session cookie (signed by Flask) carries a random key; the server keeps its SHA-256 in
`user_session` with the user, when it started, when it was last seen and when it ended. A request
is logged in only while that row is live:

- logging out ends the row, so a copied cookie stops working at once;
- a session ends after `HARKOP_SESSION_IDLE_MINUTES` without a request and, whatever happens,
  `HARKOP_SESSION_MAX_HOURS` after login;
- a password reset, a password change, a role change or deactivation ends the user's sessions
  (a change the user makes themself keeps the session they made it in).

Session times are wall-clock time, never the simulated clock: a frozen demo date must not keep a
session alive or end it.

"Last seen" is written at most once a minute per session, and the same goes for a bearer token's
"last used": `defer_touch` collects such writes during a request and `write_touches` runs them
after the response is ready, in a short transaction of their own, so a read-only page never
turns into a writing transaction and the check-in's hot path pays nothing per scan.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from ..db.sqlite import sqlite_begin_mode
from ..extensions import db
from .models import User, UserSession

SESSION_KEY = "_sid"
TOUCH_EVERY = timedelta(minutes=1)
log = logging.getLogger(__name__)


def wall_now() -> datetime:
    """Wall-clock time for sessions: the simulated clock must not stretch or shorten them."""
    return datetime.now(UTC)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    """How long a session may go without a request (HARKOP_SESSION_IDLE_MINUTES)."""
    minutes = current_app.config.get("HARKOP_SESSION_IDLE_MINUTES", 240) if has_app_context() else 240
    return timedelta(minutes=minutes)


def max_lifetime() -> timedelta:
    """How long a session may last at all (HARKOP_SESSION_MAX_HOURS)."""
    hours = current_app.config.get("HARKOP_SESSION_MAX_HOURS", 24) if has_app_context() else 24
    return timedelta(hours=hours)


def start_session(user: User, *, user_agent: str = "", now: datetime | None = None) -> str:
    """Open a session for a user who just proved who they are; returns the key for the cookie."""
    now = now or wall_now()
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            key_hash=_hash(key),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:200],
        )
    )
    db.session.flush()
    return key


def cookie_values(user: User, *, user_agent: str = "", now: datetime | None = None) -> dict[str, Any]:
    """What a logged-in session cookie holds for `user` (a new server session; flushes)."""
    key = start_session(user, user_agent=user_agent, now=now)
    return {"_user_id": user.get_id(), SESSION_KEY: key, "_fresh": True}


def find_session(key: str | None, user_id: str | None, *, now: datetime | None = None):
    """The (user, session) a cookie's key stands for while it is live, or None.

    Not live: unknown key, another user's, ended, idle too long, past its lifetime, or the
    user deactivated. One query (the user and the session together).
    """
    if not key or not user_id:
        return None
    now = now or wall_now()
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.key_hash == _hash(key))
    ).first()
    if row is None:
        return None
    user, current = row
    if str(user.id) != str(user_id) or current.ended_at is not None or not user.active:
        return None
    if now - current.last_seen_at > idle_limit() or now - current.created_at > max_lifetime():
        return None
    if now - current.last_seen_at >= TOUCH_EVERY:
        defer_touch(update(UserSession).where(UserSession.id == current.id).values(last_seen_at=now))
    return user, current


def end_session(session_id: int | None, *, reason: str, now: datetime | None = None) -> None:
    """End one session (logging out, or the device it made a token on was revoked). Flushes."""
    if session_id is None:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=now or wall_now(), end_reason=reason)
    )


def end_user_sessions(
    user_id: int, *, reason: str, keep: int | None = None, now: datetime | None = None
) -> int:
    """End every live session of a user but `keep`; returns how many ended. Flushes."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    return db.session.execute(stmt.values(ended_at=now or wall_now(), end_reason=reason)).rowcount or 0


def purge_old_sessions(*, now: datetime | None = None, keep_days: int = 30) -> int:
    """Delete sessions that ended (or lapsed) more than `keep_days` ago. Flushes."""
    from sqlalchemy import delete, or_

    cutoff = (now or wall_now()) - timedelta(days=keep_days)
    result = db.session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < cutoff, UserSession.last_seen_at < cutoff - max_lifetime())
        )
    )
    return result.rowcount or 0


def current_session_id() -> int | None:
    """The server session of this request, when it was authenticated by its cookie."""
    return g.get("harkop_session_id")


def live_sessions(user_id: int, *, now: datetime | None = None) -> list[UserSession]:
    """A user's sessions that have not ended, newest first (idle or expired ones left out)."""
    now = now or wall_now()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    )
    return [s for s in rows if now - s.last_seen_at <= idle_limit() and now - s.created_at <= max_lifetime()]


# --- Deferred "last seen" writes ------------------------------------------------------------------


def defer_touch(statement: Any) -> None:
    """Queue a small UPDATE (last seen, last used) to run once the response is ready."""
    pending = g.setdefault("harkop_touches", [])
    pending.append(statement)


def write_touches(response):
    """After a request: run the queued touches in a short transaction of their own.

    The request's own work is finished by now (views commit or roll back themselves), so what
    is left in the session is rolled back first, as the request's teardown would. A failure
    here is logged and never spoils the answer.
    """
    pending = g.pop("harkop_touches", None)
    if not pending or response.status_code >= 500:
        return response
    mode = sqlite_begin_mode.set("IMMEDIATE")
    try:
        db.session.rollback()
        for statement in pending:
            db.session.execute(statement)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not note a session's or token's last use", exc_info=True)
    finally:
        sqlite_begin_mode.reset(mode)
    return response
