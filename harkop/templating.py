"""Jinja filters and globals: WITA dates, numbers and rupiah in the page's language, the simulated-clock
banner and the menu."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import clock, vocabulary

# The menu, defined here once. Each line is (group, endpoint, label, roles); group "" puts the
# link on the bar itself, any other group key collects it under that group's button (NAV_GROUPS,
# shown where its first line is; "akun" is the account menu under the user's name). An endpoint that does not exist yet is left out, so an issue adds its page with
# one line here. Old three-item lines (endpoint, label, roles) still work: they go on the bar.
NAV_GROUPS = [
    ("registri", _l("Registri")),
    ("acara", _l("Acara")),
    ("penjurian", _l("Penjurian")),
    ("laporan", _l("Laporan")),
    ("sistem", _l("Sistem")),
    ("lomba", _l("Lomba")),
    ("publik", _l("Publik")),
    ("akun", _l("Akun")),
]
ADMIN = {"admin"}
NAV = [
    ("", "main.admin_home", _l("Beranda"), ADMIN),
    ("registri", "cooperatives.admin_list", _l("Registri Koperasi"), ADMIN),
    ("registri", "office.dashboard_page", _l("Dasbor Registri"), ADMIN),
    ("registri", "office.round_progress", _l("Pemutakhiran Data"), ADMIN),
    ("registri", "office.proposal_queue", _l("Usulan Pemutakhiran"), ADMIN),
    ("registri", "office.letters_page", _l("Surat Teguran"), ADMIN),
    ("registri", "cooperatives.admin_import", _l("Impor Data"), ADMIN),
    ("acara", "competitions.admin_events", _l("Acara & Lomba"), ADMIN),
    ("acara", "registrations.desk_home", _l("Meja Panitia"), ADMIN),
    ("acara", "checkin.dashboard", _l("Dasbor Check-in"), ADMIN),
    ("acara", "checkin.conflicts", _l("Konflik Check-in"), ADMIN),
    ("acara", "checkin.attendance_lists", _l("Daftar Hadir"), ADMIN),
    ("acara", "checkin.badge_list", _l("Lencana"), ADMIN),
    ("penjurian", "judging.admin_monitor", _l("Penilaian"), ADMIN),
    ("acara", "judging.screen_keys", _l("Layar Acara"), ADMIN),
    ("laporan", "office.reports_page", _l("Laporan"), ADMIN),
    ("laporan", "main.admin_audit", _l("Log Audit"), ADMIN),
    ("sistem", "auth.users", _l("Pengguna"), ADMIN),
    ("sistem", "auth.invitations", _l("Undangan Pengurus"), ADMIN),
    ("sistem", "auth.admin_tokens", _l("Token Perangkat"), ADMIN),
    ("sistem", "main.admin_jobs", _l("Tugas Terjadwal"), ADMIN),
    ("sistem", "main.admin_outbox", _l("Kotak Keluar"), ADMIN),
    ("sistem", "privacy.index", _l("Data Pribadi"), ADMIN),
    ("", "main.coop_home", _l("Koperasi Saya"), {"coop_rep"}),
    ("lomba", "registrations.open_competitions", _l("Daftar Lomba"), {"coop_rep"}),
    ("lomba", "registrations.my_entries", _l("Pendaftaran & Tiket"), {"coop_rep"}),
    ("lomba", "judging.my_results", _l("Hasil & Piagam"), {"coop_rep"}),
    ("", "office.my_proposals", _l("Pemutakhiran Data"), {"coop_rep"}),
    ("", "judging.judge_home", _l("Penilaian Saya"), {"judge"}),
    ("", "main.checkin_home", _l("Check-in"), {"checkin_staff"}),
    ("", "checkin.scanner", _l("Pindai Tiket"), {"checkin_staff"}),
    ("", "checkin.dashboard", _l("Dasbor Check-in"), {"checkin_staff"}),
    ("", "checkin.staff_checkin", _l("Check-in Petugas"), {"checkin_staff"}),
    ("akun", "main.notifications", _l("Notifikasi"), {"admin", "coop_rep", "judge", "checkin_staff"}),
    ("akun", "auth.account", _l("Akun saya"), {"admin", "coop_rep", "judge", "checkin_staff"}),
]
# Public pages: on the bar for visitors, under "Publik" for someone logged in.
PUBLIC_NAV = [
    ("main.index", _l("Acara")),
    ("cooperatives.directory", _l("Direktori Koperasi")),
    ("office.statistics", _l("Statistik")),
    ("competitions.programme", _l("Jadwal Lomba")),
    ("judging.results_index", _l("Hasil Lomba")),
]


@dataclass
class NavLink:
    """One link of the menu; `current` when it is the page shown (or the page above it)."""

    endpoint: str
    label: str
    url: str
    current: bool = False


@dataclass
class NavGroup:
    """A group of links behind one button; `current` when the page shown is one of them."""

    key: str
    label: str
    links: list[NavLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        """The page shown is in this group."""
        return any(link.current for link in self.links)


def _nav_lines() -> list[tuple[str, str, object, set[str]]]:
    """NAV with old three-item lines read as bar links."""
    return [line if len(line) == 4 else ("", *line) for line in NAV]


def _mark_current(links: list[NavLink], path: str, endpoint: str | None) -> None:
    """Mark the link of the page shown: its own endpoint, else the longest link path above it."""
    exact = [link for link in links if link.endpoint == endpoint]
    if not exact:
        above = [
            link
            for link in links
            if link.url != "/" and (path == link.url or path.startswith(link.url.rstrip("/") + "/"))
        ]
        exact = sorted(above, key=lambda link: len(link.url), reverse=True)[:1]
    for link in exact[:1]:
        link.current = True


def nav_menu() -> list[NavLink | NavGroup]:
    """The menu for the current visitor, in order: bar links and groups, each group where its first
    line is (a group of one link is shown as that link under the group's name), the public pages
    last and the account group ("akun") at the very end. Exactly one link is marked current, if any."""
    have = current_app.view_functions
    entries: list[NavLink | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    labels = {key: str(label) for key, label in NAV_GROUPS}
    public = [NavLink(e, str(label), url_for(e)) for e, label in PUBLIC_NAV if e in have]
    if not current_user.is_authenticated:
        entries.extend(public)
    else:
        role = current_user.role.value
        for group, endpoint, label, roles in _nav_lines():
            if role not in roles or endpoint not in have:
                continue
            link = NavLink(endpoint, str(label), url_for(endpoint))
            if not group:
                entries.append(link)
                continue
            if group not in groups:
                groups[group] = NavGroup(group, labels.get(group, group))
                if group != "akun":
                    entries.append(groups[group])
            groups[group].links.append(link)
        if public:
            entries.append(NavGroup("publik", labels["publik"], public))
        if "akun" in groups:
            entries.append(groups["akun"])
    flat = [e for e in entries if isinstance(e, NavLink)] + [
        link for e in entries if isinstance(e, NavGroup) for link in e.links
    ]
    if request:
        _mark_current(flat, request.path, request.endpoint)
    return entries


def nav_items() -> list[tuple[str, str]]:
    """Every link of the current visitor's menu as (endpoint, label), in menu order."""
    items: list[tuple[str, str]] = []
    for entry in nav_menu():
        links = entry.links if isinstance(entry, NavGroup) else [entry]
        items += [(link.endpoint, link.label) for link in links]
    return items


def form_error_list(form: Any) -> list[tuple[str | None, str, str]]:
    """(field id, label, message) of every error a form shows, in the form's order, rows of a list
    of sub-forms included ("Peserta 2 · Nomor HP"); the id is None for a hidden field. The error
    summary at the top of a page (templates/_macros/forms.html) links each to its field."""
    from wtforms.fields import FieldList, FormField

    found: list[tuple[str | None, str, str]] = []

    def label_of(field: Any) -> str:
        return str(field.label.text) if getattr(field, "label", None) is not None else field.name

    def walk(fields: Any, prefix: str) -> None:
        for item in fields:
            if isinstance(item, FieldList):
                for i, entry in enumerate(item.entries):
                    row = f"{label_of(item)} {i + 1}"
                    walk(entry if isinstance(entry, FormField) else [entry], _join(prefix, row))
            elif isinstance(item, FormField):
                walk(item, _join(prefix, label_of(item)))
            else:
                hidden = item.type in ("HiddenField", "CSRFTokenField")
                for message in item.errors or []:
                    text = message if isinstance(message, str) else " ".join(map(str, message))
                    found.append((None if hidden else item.id, _join(prefix, label_of(item)), text))

    if form is not None and hasattr(form, "_fields"):
        walk(form, "")
        found += [(None, "", str(m)) for m in getattr(form, "form_errors", None) or []]
    return found


def _join(prefix: str, label: str) -> str:
    return f"{prefix} · {label}" if prefix else label


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
    app.jinja_env.globals["form_error_list"] = form_error_list

    @app.context_processor
    def _globals():
        return {
            "nav_items": nav_items,
            "nav_menu": nav_menu,
            "simulated_now": clock.now() if clock.is_simulated() else None,
            "current_lang": session.get("lang", "id"),
            "request_path": request.full_path.rstrip("?") if request else "/",
        }
