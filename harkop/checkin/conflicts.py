"""Conflicts: offline admissions the server could not keep, listed for the office and reviewed with a note.

A conflict is marked when a scan is recorded (`rule.is_conflict`): a device admitted someone
offline, and the ticket had been admitted by another device first, or the server refuses it.
An offline scan whose device time fell outside its day (`Scan.clock_suspect`, see
`rule.bound_to_day`) is listed and reviewed the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from .. import clock
from ..audit import record_audit
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from .models import Scan

_FLAGGED = or_(Scan.conflict.is_(True), Scan.clock_suspect.is_(True))


def conflicts(*, include_reviewed: bool = False):
    """A select of conflicting offline scans (and of scans with a device time outside their day), open ones first, newest first."""
    stmt = select(Scan).where(_FLAGGED)
    if not include_reviewed:
        stmt = stmt.where(Scan.reviewed_at.is_(None))
    return stmt.order_by(Scan.reviewed_at.is_not(None), Scan.received_at.desc(), Scan.id.desc())


def count_open_conflicts() -> int:
    """How many conflicts wait for the office."""
    return db.session.scalar(select(func.count(Scan.id)).where(_FLAGGED, Scan.reviewed_at.is_(None)))


def review_conflict(scan_id: int, note: str, *, by: Any, now: datetime | None = None) -> Scan:
    """Mark a conflict reviewed with the office's note (audited)."""
    now = now or clock.now()
    scan = db.session.get(Scan, scan_id)
    if scan is None or not (scan.conflict or scan.clock_suspect):
        raise NotFound("conflict_not_found", _("Konflik tidak ditemukan."))
    if scan.reviewed_at is not None:
        raise Conflict("already_reviewed", _("Konflik ini sudah ditinjau."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "note_required", _("Tulis catatan hasil peninjauan."), details={"field": "note"}
        )
    scan.reviewed_at = now
    scan.reviewed_by_id = getattr(by, "id", None)
    scan.review_note = note[:2000]
    db.session.flush()
    record_audit(
        "checkin.conflict_reviewed",
        entity_type="checkin_scan",
        entity_id=scan.id,
        by=by,
        after={"ticket_id": scan.ticket_id, "verdict": scan.verdict.value, "note": scan.review_note},
        now=now,
    )
    return scan
