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
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from flask import current_app, has_app_context

from .vocabulary import current_locale

WITA = ZoneInfo("Asia/Makassar")
UTC = UTC


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


# Dates and times are written by Babel in the current language (the request's, Indonesian outside
# a request; see vocabulary.LOCALES): 'Jumat, 26 Juli 2024' / 'Friday, 26 July 2024', 09.30 / 09:30.
# `locale` ("id", "en") overrides it; official documents render under force_locale("id") instead.
Lang = str | Locale | None
# The weekday, then the day unpadded: CLDR's full Indonesian form pads it ('Jumat, 05 Juli 2024'),
# people here write 'Jumat, 5 Juli 2024'; English as en_GB writes 'Friday, 5 July 2024' alike.
DATE_WITH_WEEKDAY = "EEEE, d MMMM y"


def format_date(value: date, locale: Lang = None) -> str:
    """A date with its weekday: 'Jumat, 26 Juli 2024'."""
    return babel_dates.format_date(value, DATE_WITH_WEEKDAY, locale=current_locale(locale))


def format_short_date(value: date, locale: Lang = None) -> str:
    """A date without the weekday: '26 Juli 2024'."""
    return babel_dates.format_date(value, "long", locale=current_locale(locale))


def format_time(value: datetime | time, locale: Lang = None) -> str:
    """A time of day: '09.30' (Indonesian), '09:30' (English); a stored moment is shown in WITA,
    a `time` (a wall-clock slot in Balikpapan) as it is."""
    if isinstance(value, datetime):
        return babel_dates.format_time(to_wita(value), "short", tzinfo=WITA, locale=current_locale(locale))
    return babel_dates.format_time(value, "short", locale=current_locale(locale))


def format_datetime(value: datetime, locale: Lang = None) -> str:
    """A stored moment in WITA: 'Jumat, 26 Juli 2024, 09.30 WITA'."""
    local = to_wita(value)
    return f"{format_date(local.date(), locale)}, {format_time(local, locale)} WITA"
