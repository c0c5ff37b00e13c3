"""Participants' personal data and how long it is kept (UU PDP 27/2022).

Contact data (the phone), the guardian's name and the consent details are kept for
HARKOP_RETENTION_DAYS days (default 90) after the event ends, then erased by the scheduler's
daily `purge_personal_data` job; the office can erase one person's data earlier at their request
(`harkop/privacy/`). What stays: names where results and certificates carry them, teams,
cooperatives, tickets' dates, check-ins and scores, so counts and published results never change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app

from .models import Participant

DEFAULT_RETENTION_DAYS = 90
ERASED_NAME = "(data dihapus)"
ERASURE_RETENTION = "retention"
ERASURE_REQUEST = "request"


def retention_days() -> int:
    """How many days after an event its participants' contact data is kept (HARKOP_RETENTION_DAYS)."""
    return int(current_app.config.get("HARKOP_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


def retention_until(event_ends_on: date) -> date:
    """The last day contact data of an event ending on `event_ends_on` is kept; erased the day after."""
    return event_ends_on + timedelta(days=retention_days())


def erase_participant(participant: Participant, *, erasure: str, keep_name: bool, now: datetime) -> bool:
    """Erase a participant's phone, guardian and consent details (and the name unless kept).

    Returns whether anything changed; a participant already erased the same way is left alone.
    Flushes nothing itself: the caller's service does, in its own transaction.
    """
    changed = False
    for attribute, empty in (
        ("phone", ""),
        ("guardian_name", None),
        ("consent", False),
        ("consent_at", None),
        ("guardian_consent", False),
    ):
        if getattr(participant, attribute) != empty:
            setattr(participant, attribute, empty)
            changed = True
    if not keep_name and participant.name != ERASED_NAME:
        participant.name = ERASED_NAME
        changed = True
    if participant.erased_at is None or changed:
        participant.erased_at = now
        # a request outranks the schedule: once erased at the person's request it says so
        if participant.erasure != ERASURE_REQUEST:
            participant.erasure = erasure
        changed = True
    return changed
