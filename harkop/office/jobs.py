"""Jobs of the office workflows (declared in harkop/scheduler.py; they call services only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import clock
from ..cooperatives import services
from . import letters


def registry_daily(*, now: datetime) -> dict[str, Any]:
    """Recompute cached grades and statuses, then register the warnings that fell due as drafts.

    Idempotent: on unchanged data a second run recomputes nothing and finds no new breach.
    """
    today = clock.to_wita(now).date()
    changed = services.recompute_registry(today=today)
    found = letters.find_due_warnings(today=today, now=now, by="job:registry_daily")
    return {"recomputed": changed, **found}
