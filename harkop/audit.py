"""The audit log: who did what, when, with the state before and after.

Services call `record_audit` in the same transaction as the change, so the log and the change
are committed (or rolled back) together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, select
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
