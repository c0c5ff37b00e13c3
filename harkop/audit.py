"""The audit log: who did what, when, with the state before and after.

Services call `record_audit` in the same transaction as the change, so the log and the change
are committed (or rolled back) together.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Select, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .extensions import db
from .models_base import UTCDateTime


class AuditLog(db.Model):
    """One recorded action on one entity."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(String(500))


def jsonable(value: Any) -> Any:
    """Audit values as a JSON column keeps them, the same on every database.

    Dates as ISO text, enums by their value, anything else unusual (decimals) as text.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return str(value)


def actor_name(by: Any) -> str | None:
    """The name the log keeps for an actor: an account's username, or a system process's name."""
    return getattr(by, "username", None) or (by if isinstance(by, str) else None)


def record_audit(
    action: str,
    *,
    entity_type: str,
    entity_id: Any = None,
    by: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> AuditLog:
    """Add an audit entry to the current transaction (flushes, never commits)."""
    entry = AuditLog(
        at=now or clock.now(),
        actor_id=getattr(by, "id", None),
        actor_name=actor_name(by),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        detail=detail,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def history_for(entity_type: str, entity_id: Any, limit: int = 200) -> list[AuditLog]:
    """The audit entries of one entity, newest first."""
    stmt = (
        select(AuditLog)
        .where(AuditLog.entity_type == entity_type, AuditLog.entity_id == str(entity_id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


@dataclass
class AuditFilter:
    """What the office narrows the audit page to: who, what, which object, which days (WITA)."""

    actor: str = ""
    action: str = ""
    entity_type: str = ""
    entity_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for links and the CSV export), empty ones left out."""
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                args[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return args


def parse_filter(args: Any) -> tuple[AuditFilter, dict[str, str]]:
    """Read the audit page's query string; the filter and any field's error (a date that is not one)."""
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        raw = (args.get(name) or "").strip()
        dates[name] = None
        if raw:
            try:
                dates[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = "invalid_date"
    if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
        errors["date_to"] = "before_start"
    return (
        AuditFilter(
            actor=(args.get("actor") or "").strip()[:80],
            action=(args.get("action") or "").strip()[:80],
            entity_type=(args.get("entity_type") or args.get("entity") or "").strip()[:40],
            entity_id=(args.get("entity_id") or "").strip()[:40],
            date_from=dates["date_from"],
            date_to=dates["date_to"],
        ),
        errors,
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.WITA)


def audit_query(flt: AuditFilter) -> Select:
    """The audit entries the filter lets through, newest first.

    `actor` matches the start of a username (case-insensitive), `action` the start of an action
    ("entry." for every decision on entries), `entity_type` and `entity_id` exactly; the dates are
    whole days in WITA, both included.
    """
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if flt.actor:
        stmt = stmt.where(func.lower(AuditLog.actor_name).startswith(flt.actor.lower(), autoescape=True))
    if flt.action:
        stmt = stmt.where(AuditLog.action.startswith(flt.action, autoescape=True))
    if flt.entity_type:
        stmt = stmt.where(AuditLog.entity_type == flt.entity_type)
    if flt.entity_id:
        stmt = stmt.where(AuditLog.entity_id == flt.entity_id)
    if flt.date_from:
        stmt = stmt.where(AuditLog.at >= _start_of(flt.date_from))
    if flt.date_to:
        stmt = stmt.where(AuditLog.at < _start_of(flt.date_to + timedelta(days=1)))
    return stmt


def entity_types() -> list[str]:
    """The kinds of object the log has entries for, for the page's choice list."""
    return list(db.session.scalars(select(AuditLog.entity_type).distinct().order_by(AuditLog.entity_type)))


@dataclass(frozen=True)
class Change:
    """One value of an audit entry: its name, before and after, and whether it changed.

    `changed` is False for a value that only one side names (the context of the change, such as
    the entry and judge of an unlocked scorecard): it is shown as it is, without an arrow.
    """

    key: str
    before: Any
    after: Any
    changed: bool


def changes_of(entry: AuditLog) -> list[Change]:
    """What an entry changed: with both sides, the values that differ plus the context; else all values."""
    before, after = entry.before or {}, entry.after or {}
    if entry.before is None or entry.after is None:
        side = after if entry.after is not None else before
        return [Change(k, before.get(k), after.get(k), False) for k in side]
    rows = [Change(k, before[k], after[k], True) for k in before if k in after and before[k] != after[k]]
    rows += [Change(k, before[k], None, False) for k in before if k not in after]
    rows += [Change(k, None, after[k], False) for k in after if k not in before]
    return rows
