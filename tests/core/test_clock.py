"""The one clock: frozen time, WITA dates and Indonesian formatting."""

from datetime import UTC, date, datetime

import pytest

from harkop import clock


def test_fake_now_freezes_the_clock(app, fake_now):
    """HARKOP_FAKE_NOW makes now() return that instant, in UTC."""
    fake_now("2024-07-26T09:00:00+08:00")
    assert clock.now() == datetime(2024, 7, 26, 1, 0, tzinfo=UTC)
    assert clock.is_simulated()


def test_fake_now_needs_an_offset():
    """A fake time without an offset is ambiguous and refused."""
    with pytest.raises(ValueError):
        clock.parse_fake_now("2024-07-26T09:00:00")


def test_today_is_the_date_in_balikpapan(app, fake_now):
    """At 16:30 UTC it is already the next day in WITA (UTC+8)."""
    fake_now("2024-07-25T16:30:00+00:00")
    assert clock.today() == date(2024, 7, 26)


def test_real_clock_when_not_simulated(app):
    """Without HARKOP_FAKE_NOW the clock follows real time."""
    before = datetime.now(UTC)
    assert clock.now() >= before
    assert not clock.is_simulated()


def test_format_datetime_in_indonesian():
    """A stored UTC time reads 'Jumat, 26 Juli 2024, 09.30 WITA'."""
    moment = datetime(2024, 7, 26, 1, 30, tzinfo=UTC)
    assert clock.format_datetime(moment) == "Jumat, 26 Juli 2024, 09.30 WITA"
    assert clock.format_datetime(moment, "en") == "Friday, 26 July 2024, 09:30 WITA"


def test_naive_database_values_are_utc():
    """A naive value (as SQLite returns it) is taken as UTC."""
    assert clock.as_utc(datetime(2024, 7, 26, 1, 0)).tzinfo == UTC


def test_pages_show_a_banner_when_simulated(client, fake_now):
    """Every page says the date is simulated while the clock is frozen."""
    fake_now("2024-07-26T09:00:00+08:00")
    html = client.get("/").get_data(as_text=True)
    assert "Tanggal disimulasikan" in html
    assert "Jumat, 26 Juli 2024, 09.00 WITA" in html


def test_no_banner_on_real_time(client):
    """Without a fake clock there is no simulated-date banner."""
    assert "Tanggal disimulasikan" not in client.get("/").get_data(as_text=True)


def test_fake_clock_runs_on_from_its_start(app, fake_now):
    """With HARKOP_FAKE_NOW_SINCE the simulated clock runs: ten real minutes later it is 09.10."""
    started = datetime.now(UTC).timestamp() - 600
    fake_now("2024-07-26T09:00:00+08:00")
    app.config["HARKOP_FAKE_NOW_SINCE"] = str(started)
    try:
        shown = clock.now()
    finally:
        app.config["HARKOP_FAKE_NOW_SINCE"] = None
    assert datetime(2024, 7, 26, 1, 10, tzinfo=UTC) <= shown < datetime(2024, 7, 26, 1, 11, tzinfo=UTC)
    assert clock.is_simulated()


def test_fake_clock_start_accepts_an_iso_instant():
    """HARKOP_FAKE_NOW_SINCE takes Unix seconds or an ISO date-time with an offset, nothing vaguer."""
    assert clock.parse_fake_since("0") == datetime(1970, 1, 1, tzinfo=UTC)
    assert clock.parse_fake_since("2026-01-01T08:00:00+08:00") == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.parse_fake_since("2026-01-01T08:00:00")
