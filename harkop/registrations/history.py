"""An entry's history for the office: its decisions and every change, from the audit log.

Decisions on an entry are recorded under the entry (registered, approved, rejected, promoted,
withdrawn, participant replaced, exception used), except a refused approval, which is recorded
under its competition with the entry's id in its values (no state of the entry changed).
"""

from __future__ import annotations

from sqlalchemy import select

from ..audit import AuditLog, history_for
from ..extensions import db
from .models import Entry


def entry_history(entry: Entry, limit: int = 500) -> list[AuditLog]:
    """The audit entries about this entry, newest first."""
    own = history_for("entry", entry.id, limit=limit)
    refused = [
        a
        for a in db.session.scalars(
            select(AuditLog).where(
                AuditLog.entity_type == "competition",
                AuditLog.entity_id == str(entry.competition_id),
                AuditLog.action == "entry.approval_refused",
            )
        )
        if (a.after or {}).get("entry_id") == entry.id
    ]
    return sorted([*own, *refused], key=lambda a: (a.at, a.id), reverse=True)[:limit]
