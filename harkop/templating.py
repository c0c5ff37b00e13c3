"""Jinja filters and globals: WITA dates, numbers and rupiah in the page's language, the simulated-clock
banner and the menu."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import clock, vocabulary

# The menu: (endpoint, label, roles). An endpoint that does not exist yet is left out,
# so later issues add their pages by adding a line here.
NAV = [
    ("main.admin_home", _l("Beranda Dinas"), {"admin"}),
    ("cooperatives.admin_list", _l("Registri Koperasi"), {"admin"}),
    ("office.dashboard_page", _l("Dasbor Registri"), {"admin"}),
    ("office.round_progress", _l("Pemutakhiran Data"), {"admin"}),
    ("office.letters_page", _l("Surat Teguran"), {"admin"}),
    ("office.reports_page", _l("Laporan"), {"admin"}),
    ("competitions.admin_events", _l("Acara & Lomba"), {"admin"}),
    ("registrations.desk_home", _l("Meja Panitia"), {"admin"}),
    ("judging.admin_monitor", _l("Penilaian"), {"admin"}),
    ("judging.screen_keys", _l("Layar Acara"), {"admin"}),
    ("auth.users", _l("Pengguna"), {"admin"}),
    ("auth.invitations", _l("Undangan Pengurus"), {"admin"}),
    ("auth.admin_tokens", _l("Token Perangkat"), {"admin"}),
    ("main.admin_jobs", _l("Tugas Terjadwal"), {"admin"}),
    ("main.admin_outbox", _l("Kotak Keluar"), {"admin"}),
    ("main.admin_audit", _l("Log Audit"), {"admin"}),
    ("privacy.index", _l("Data Pribadi"), {"admin"}),
    ("main.coop_home", _l("Koperasi Saya"), {"coop_rep"}),
    ("registrations.open_competitions", _l("Daftar Lomba"), {"coop_rep"}),
    ("registrations.my_entries", _l("Pendaftaran & Tiket"), {"coop_rep"}),
    ("office.my_proposals", _l("Pemutakhiran Data"), {"coop_rep"}),
    ("judging.my_results", _l("Hasil & Piagam"), {"coop_rep"}),
    ("judging.judge_home", _l("Penilaian Saya"), {"judge"}),
    ("main.checkin_home", _l("Check-in"), {"checkin_staff"}),
    ("checkin.scanner", _l("Pindai Tiket"), {"checkin_staff"}),
    ("checkin.dashboard", _l("Dasbor Check-in"), {"admin", "checkin_staff"}),
    ("checkin.conflicts", _l("Konflik Check-in"), {"admin"}),
    ("main.notifications", _l("Notifikasi"), {"admin", "coop_rep", "judge", "checkin_staff"}),
]
PUBLIC_NAV = [
    ("main.index", _l("Acara")),
    ("cooperatives.directory", _l("Direktori Koperasi")),
    ("office.statistics", _l("Statistik")),
    ("competitions.programme", _l("Jadwal Lomba")),
    ("judging.results_index", _l("Hasil Lomba")),
]


def nav_items() -> list[tuple[str, str]]:
    """The menu for the current visitor: public pages, then their role's own pages."""
    have = current_app.view_functions
    items = [(e, str(label)) for e, label in PUBLIC_NAV if e in have]
    if current_user.is_authenticated:
        role = current_user.role.value
        items += [(e, str(label)) for e, label, roles in NAV if role in roles and e in have]
    return items


def wita(value: datetime | None) -> str:
    """Jinja filter: a stored UTC time shown in WITA, in the page's language."""
    return "" if value is None else clock.format_datetime(value)


def _day(value: date | datetime) -> date:
    """A date as it is; a stored moment as its date in WITA."""
    return clock.to_wita(value).date() if isinstance(value, datetime) else value


def tanggal(value: date | datetime | None) -> str:
    """Jinja filter: a date with its weekday, in the page's language (a moment: its WITA date)."""
    return "" if value is None else clock.format_date(_day(value))


def tanggal_pendek(value: date | datetime | None) -> str:
    """Jinja filter: a date without the weekday (a moment: its WITA date)."""
    return "" if value is None else clock.format_short_date(_day(value))


def rupiah(value: float | int | None) -> str:
    """Jinja filter: whole rupiah with the page's separators, 'Rp1.250.000'."""
    return vocabulary.rupiah(value)


def angka(value: float | int | None, digits: int = 0) -> str:
    """Jinja filter: a number with the page's separators (1.234,56 / 1,234.56)."""
    return vocabulary.number(value, digits)


def install_templating(app: Flask) -> None:
    """Register filters and the values every template can read."""
    app.jinja_env.filters.update(
        wita=wita,
        tanggal=tanggal,
        tanggal_pendek=tanggal_pendek,
        rupiah=rupiah,
        angka=angka,
    )

    from .audit import changes_of

    app.jinja_env.globals["audit_changes"] = changes_of

    @app.context_processor
    def _globals():
        return {
            "nav_items": nav_items,
            "simulated_now": clock.now() if clock.is_simulated() else None,
            "current_lang": session.get("lang", "id"),
            "request_path": request.full_path.rstrip("?") if request else "/",
        }
