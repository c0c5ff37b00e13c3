"""What each role's home page counts: "what needs me now".

Every count here comes from the very function whose result the linked list shows (a `Select` the
list paginates, or the list itself), so a home page's number and its list never disagree
(tests/core/test_home_counts.py checks each against its list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from .extensions import db


@dataclass(frozen=True)
class Todo:
    """One line of a home page: a count, what it counts, the list it links to, and a note."""

    key: str
    label: str
    count: int
    url: str
    note: str = ""
    deadline: datetime | None = None

    @property
    def kind(self) -> str:
        """Badge kind: amber while something waits, green when nothing does."""
        return "warn" if self.count else "good"


def count_of(stmt: Select) -> int:
    """How many rows a list's select returns (ordering dropped, the rows themselves untouched)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def pending_entries_by_competition(event: Any) -> list[tuple[Any, int]]:
    """(competition, entries waiting for approval) of the event's competitions that have any."""
    from .competitions.services import list_competitions
    from .registrations.models import EntryState
    from .registrations.services import entries_of

    rows = []
    for comp in list_competitions(event=event) if event else []:
        n = count_of(entries_of(comp, states=[EntryState.pending]))
        if n:
            rows.append((comp, n))
    return rows


def missing_scorecards_by_competition(event: Any) -> list[tuple[Any, int, datetime | None]]:
    """(competition, scorecards not yet submitted, the last moment of its slot) while judging runs."""
    from .competitions.models import CompetitionState as S
    from .competitions.services import list_competitions
    from .judging.results import monitor

    rows = []
    for comp in list_competitions(event=event) if event else []:
        if comp.state not in (S.closed, S.judging):
            continue
        n = len(monitor(comp).missing)
        if n:
            rows.append((comp, n, judging_deadline(comp)))
    return rows


def judging_deadline(comp: Any) -> datetime | None:
    """When a competition's scores are due: the end of its slot on its last day."""
    days = comp.days
    return comp.slot_end(days[-1]) if days else None


def office_todo(viewer: Any, event: Any) -> list[Todo]:
    """The office's "what needs doing today", in the order the issue lists it."""
    from .checkin.conflicts import conflicts
    from .jobs import failing_runs
    from .office.letters import register_query
    from .office.rounds import proposals_query
    from .outbox import STATUS_FAILED, outbox_query

    items: list[Todo] = []
    pending = pending_entries_by_competition(event)
    for comp, n in pending:
        url = url_for("registrations.admin_entries", competition_id=comp.id, status="pending")
        items.append(Todo(f"pending-{comp.id}", _("Pendaftaran menunggu persetujuan"), n, url, comp.name))
    if not pending:
        items.append(
            Todo("pending", _("Pendaftaran menunggu persetujuan"), 0, url_for("competitions.admin_events"))
        )
    items.append(
        Todo(
            "conflicts",
            _("Konflik check-in untuk ditinjau"),
            count_of(conflicts()),
            url_for("checkin.conflicts"),
        )
    )
    items.append(
        Todo(
            "proposals",
            _("Usulan pemutakhiran untuk diverifikasi"),
            count_of(proposals_query(viewer=viewer, status="pending")),
            url_for("office.proposal_queue", status="pending"),
        )
    )
    items.append(
        Todo(
            "letters",
            _("Surat teguran untuk diterbitkan"),
            count_of(register_query(status="draft")),
            url_for("office.letters_page", status="draft"),
        )
    )
    missing = missing_scorecards_by_competition(event)
    for comp, n, due in missing:
        url = url_for("judging.monitor", competition_id=comp.id)
        items.append(Todo(f"scores-{comp.id}", _("Kartu nilai belum masuk"), n, url, comp.name, due))
    if not missing:
        items.append(Todo("scores", _("Kartu nilai belum masuk"), 0, url_for("judging.admin_monitor")))
    items.append(
        Todo(
            "jobs",
            _("Tugas terjadwal gagal"),
            len(failing_runs()),
            url_for("main.admin_jobs", status="gagal"),
        )
    )
    items.append(
        Todo(
            "outbox",
            _("Pesan gagal terkirim"),
            count_of(outbox_query(STATUS_FAILED)),
            url_for("main.admin_outbox", status=STATUS_FAILED),
        )
    )
    return items


# The next step of an entry, by state, as the pengurus reads it on their home page.
def next_step(entry: Any) -> str:
    """What happens next for one of the pengurus' entries (before and after the office decides)."""
    state = entry.state.value
    if state == "pending":
        return _(
            "Menunggu persetujuan Dinas. Tiket muncul di sini setelah disetujui; Anda mendapat notifikasi."
        )
    if state == "waitlisted":
        return _("Di daftar tunggu: tim naik otomatis bila ada tempat kosong; Anda mendapat notifikasi.")
    if state == "confirmed":
        return _("Terdaftar: bagikan tautan tiket kepada peserta dan tunjukkan di pintu masuk.")
    if state == "rejected":
        return _("Ditolak: baca alasannya di halaman pendaftaran.")
    return _("Mengundurkan diri: tidak ada langkah lagi.")


def coop_home_facts(user: Any, event: Any) -> dict[str, Any]:
    """A pengurus' home: eligibility blockers per open competition, entries with their next step,
    tickets ready, proposals waiting."""
    from . import clock
    from .competitions.services import list_competitions
    from .office.rounds import proposals_query
    from .registrations.models import EntryState
    from .registrations.services import check_cooperative, entries_of_cooperative, registration_closed_error

    coop = user.cooperative
    if coop is None:
        return {"blockers": [], "open": [], "entries": [], "tickets": 0, "proposals": 0}
    now = clock.now()
    open_rows, blockers = [], {}
    for comp in list_competitions(event=event) if event else []:
        if registration_closed_error(comp, now) is not None:
            continue
        decision = check_cooperative(comp, coop.id, now=now)
        open_rows.append((comp, decision))
        for failure in decision.failures:
            blockers.setdefault(failure.code, failure.reason)
    entries = entries_of_cooperative(coop.id)
    return {
        "open": open_rows,
        "blockers": list(blockers.values()),
        "entries": entries,
        "tickets": len(entries_of_cooperative(coop.id, states=[EntryState.confirmed])),
        "proposals": count_of(proposals_query(viewer=user, status="pending")),
    }
