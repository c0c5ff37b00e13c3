"""Event and competition rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import clock
from ..extensions import db
from .models import Event


def current_event(*, today: date | None = None) -> Event | None:
    """The event to feature: the next or running one, else the latest that ended."""
    today = today or clock.today()
    upcoming = db.session.scalar(
        select(Event).where(Event.ends_on >= today).order_by(Event.starts_on).limit(1)
    )
    if upcoming is not None:
        return upcoming
    return db.session.scalar(select(Event).order_by(Event.ends_on.desc()).limit(1))
