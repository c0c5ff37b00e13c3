"""What a scan shows: the verdict's word, colour and icon, the reason in plain words, one sentence, the JSON.

A scan just recorded carries its `gate_view` (the ticket's facts, the admission it made or met,
the scanning user's name); a scan read back from the database (a replayed nonce, a page) gets one
built from the same query the gate uses (`lookup`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import clock
from ..extensions import db
from ..registrations.models import EntryState
from .lookup import admission_of, find_ticket, ticket_json
from .models import Scan, Verdict

V = Verdict

# (badge kind, icon) per verdict, after docs/ui.md: green good, amber attention, red refused.
VERDICT_STYLE = {
    V.checked_in: ("good", "✓"),
    V.already_checked_in: ("warn", "⚠"),
    V.not_valid_today: ("bad", "✗"),
    V.entry_not_confirmed: ("bad", "✗"),
    V.unknown_ticket: ("bad", "✗"),
}

_VERDICT_LABELS = {
    V.checked_in: _l("Check-in berhasil"),
    V.already_checked_in: _l("Sudah check-in"),
    V.not_valid_today: _l("Bukan jadwal hari ini"),
    V.entry_not_confirmed: _l("Pendaftaran tidak aktif"),
    V.unknown_ticket: _l("Tiket tidak dikenal"),
}


def verdict_label(verdict: Verdict | str) -> str:
    """The verdict's word, as the scanner shows it (only that one is translated: every scan asks)."""
    return str(_VERDICT_LABELS[Verdict(verdict)])


def reason_label(reason: str | None) -> str:
    """Why a ticket is refused, in plain words."""
    labels = {
        EntryState.pending.value: _("Pendaftaran masih menunggu persetujuan."),
        EntryState.waitlisted.value: _("Tim masih di daftar tunggu."),
        EntryState.rejected.value: _("Pendaftaran ditolak."),
        EntryState.withdrawn.value: _("Tim mengundurkan diri."),
        "ticket_revoked": _("Tiket sudah dicabut (peserta diganti)."),
        "malformed": _("Kode bukan kode tiket Harkop."),
        "device_refused": _("Ditolak oleh perangkat saat luring."),
        "not_found": _("Tidak ada tiket dengan kode ini."),
    }
    return labels.get(reason or "", "")


def gate_view(scan: Any) -> dict[str, Any]:
    """The ticket's facts, the admission and the scanning user's name: carried by the scan, or loaded."""
    view = getattr(scan, "gate_view", None)
    if view is None:
        found = None
        if scan.ticket_id is not None:
            found = find_ticket(db.session.connection(), "id", scan.ticket_id, scan.day)
        view = {
            "ticket": ticket_json(found, scan.verdict),
            "admission": admission_of(scan.admission),
            "by": scan.by.label if scan.by is not None else None,
        }
        scan.gate_view = view
    return view


def scan_message(scan: Any) -> str:
    """One sentence for the verdict screen."""
    view = gate_view(scan)
    adm, ticket = view["admission"], view["ticket"]
    if scan.verdict == V.already_checked_in and adm is not None:
        return _(
            "Sudah check-in %(when)s oleh %(who)s di %(gate)s.",
            when=adm["admitted_at_text"],
            who=adm["by"] or _("petugas"),
            gate=adm["gate"] or _("pintu tanpa nama"),
        )
    if scan.verdict == V.not_valid_today and ticket is not None:
        days = ", ".join(clock.format_date(date.fromisoformat(d)) for d in ticket["valid_days"])
        return _("Tiket ini berlaku pada %(days)s.", days=days)
    if scan.verdict == V.checked_in:
        return _("Silakan masuk.")
    return reason_label(scan.reason)


def scan_json(scan: Scan | Any) -> dict[str, Any]:
    """A recorded scan for the API: verdict, ticket facts, the admission it made or met."""
    view = gate_view(scan)
    return {
        "id": scan.id,
        "nonce": scan.nonce,
        "verdict": scan.verdict.value,
        "verdict_label": verdict_label(scan.verdict),
        "reason": scan.reason,
        "message": scan_message(scan),
        "method": scan.method.value,
        "by": view["by"],
        "device_id": scan.device_id,
        "gate": scan.gate,
        "day": scan.day.isoformat(),
        "scanned_at": clock.as_utc(scan.scanned_at).isoformat(),
        "received_at": clock.as_utc(scan.received_at).isoformat(),
        "offline": scan.offline,
        "local_verdict": scan.local_verdict,
        "conflict": scan.conflict,
        "clock_suspect": bool(getattr(scan, "clock_suspect", False)),
        "replayed": bool(getattr(scan, "replayed", False)),
        "ticket": view["ticket"],
        "admission": view["admission"],
    }
