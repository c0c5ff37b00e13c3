"""The one clock: every date rule, job and page asks this module what time it is.

`HARKOP_FAKE_NOW` (an ISO date-time with offset) freezes the clock for demos and tests. With
`HARKOP_FAKE_NOW_SINCE` (a real instant: Unix seconds or an ISO date-time with offset) the
simulated clock is not frozen but runs on from HARKOP_FAKE_NOW, which it showed at that real
instant: `make run` starts the demo at 09.00 on its first day and lets time pass, so the
scheduler publishes a result set for 09.15 a quarter of an hour later. Every process given the
same two values (the web app, the scheduler) reads the same simulated time.
Times are stored in UTC and shown in WITA (Asia/Makassar, UTC+8).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

WITA = ZoneInfo("Asia/Makassar")
UTC = UTC

_DAYS_ID = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
_MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
_DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS_EN = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def parse_fake_now(value: str) -> datetime:
    """Parse a HARKOP_FAKE_NOW value; it must carry a UTC offset so it is unambiguous."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"HARKOP_FAKE_NOW needs an offset, e.g. 2024-07-26T09:00:00+08:00: {value}")
    return parsed.astimezone(UTC)


def parse_fake_since(value: str) -> datetime:
    """Parse HARKOP_FAKE_NOW_SINCE: Unix seconds, or an ISO date-time with an offset."""
    value = value.strip()
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        pass
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"HARKOP_FAKE_NOW_SINCE needs Unix seconds or an offset: {value}")
    return parsed.astimezone(UTC)


def _setting(name: str) -> str | None:
    if has_app_context():
        return current_app.config.get(name) or None
    return os.environ.get(name) or None


def _fake_value() -> str | None:
    return _setting("HARKOP_FAKE_NOW")


def is_simulated() -> bool:
    """True when the clock is simulated by HARKOP_FAKE_NOW (frozen, or running from it)."""
    return bool(_fake_value())


def now() -> datetime:
    """The current instant as an aware UTC datetime (frozen when simulated)."""
    fake = _fake_value()
    if fake:
        frozen = parse_fake_now(fake)
        since = _setting("HARKOP_FAKE_NOW_SINCE")
        if since:
            return frozen + (datetime.now(UTC) - parse_fake_since(since))
        return frozen
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Balikpapan (WITA), which every date rule uses."""
    return now().astimezone(WITA).date()


def as_utc(value: datetime) -> datetime:
    """Return an aware UTC datetime; naive values from the database are UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_wita(value: datetime) -> datetime:
    """Convert a stored (UTC) datetime to WITA for display."""
    return as_utc(value).astimezone(WITA)


def format_date(value: date, locale: str = "id") -> str:
    """A date the way people in Balikpapan write it: 'Jumat, 26 Juli 2024'."""
    days, months = (_DAYS_EN, _MONTHS_EN) if locale == "en" else (_DAYS_ID, _MONTHS_ID)
    return f"{days[value.weekday()]}, {value.day} {months[value.month - 1]} {value.year}"


def format_short_date(value: date, locale: str = "id") -> str:
    """A date without the weekday: '26 Juli 2024'."""
    months = _MONTHS_EN if locale == "en" else _MONTHS_ID
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime, locale: str = "id") -> str:
    """A moment in WITA: 'Jumat, 26 Juli 2024, 09.30 WITA'."""
    local = to_wita(value)
    sep = ":" if locale == "en" else "."
    return f"{format_date(local.date(), locale)}, {local:%H}{sep}{local:%M} WITA"


def format_time(value: datetime, locale: str = "id") -> str:
    """A time of day in WITA: '09.30'."""
    local = to_wita(value)
    sep = ":" if locale == "en" else "."
    return f"{local:%H}{sep}{local:%M}"
