"""The office registers teams itself: at the desk on the event days, or many at once from a spreadsheet.

Both go through `services.register_entry` (channel "desk" or "import"), so eligibility, the
per-cooperative limit, the capacity and the waiting list are exactly those of a pengurus's
registration; only the public window and the approval step do not apply
(`services.office_registration_error` instead). At the desk an ineligible cooperative may still
be registered when the clerk records why: that reason becomes the competition's exception for the
cooperative (`competitions.services.grant_exception`, audited), which waives the registry rules
but never the per-cooperative limit.

A spreadsheet of teams is read through the registry import's reader (`cooperatives.spreadsheet`:
the limits are checked before parsing, rows capped while reading) and written all or nothing:
every row runs through the service in a savepoint of its own inside one for the whole file; any
refused row rolls the whole file back, and the report names each row and column that failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..auth.actors import require_office
from ..competitions.eligibility import LIMIT_REACHED
from ..competitions.models import Competition
from ..competitions.services import exception_for, grant_exception
from ..cooperatives.models import Cooperative
from ..cooperatives.services import cooperative_by_nik
from ..cooperatives.spreadsheet import FileFormatError, cap_rows, check_limits, import_limits, read_rows
from ..errors import Conflict, DomainError, ValidationFailed
from ..extensions import db
from . import services
from .models import Entry, Participant
from .services import ParticipantInput

# --- the desk ------------------------------------------------------------------------------


def desk_closed_error(comp: Competition, now: datetime) -> DomainError | None:
    """Why the desk cannot register for this competition now (not an event day, judged, over), or None."""
    today = clock.to_wita(now).date()
    event = comp.event
    if not event.starts_on <= today <= event.ends_on:
        return Conflict(
            "not_event_day",
            _(
                "Pendaftaran di meja panitia hanya pada hari acara (%(a)s–%(b)s).",
                a=clock.format_short_date(event.starts_on),
                b=clock.format_short_date(event.ends_on),
            ),
        )
    return services.office_registration_error(comp, now)


def desk_register(
    comp: Competition,
    cooperative_nik: str,
    *,
    team_name: str,
    participants: list[ParticipantInput],
    exception_reason: str = "",
    by: Any,
    now: datetime | None = None,
) -> Entry:
    """Register a walk-in team at the desk; an ineligible cooperative needs `exception_reason`.

    Refusals: `not_event_day`/`registration_closed`/`competition_over`, `cooperative_not_found`
    (field cooperative_nik), `exception_reason_required` (field exception_reason, with the failed
    rules), and every refusal of `services.register_entry`.
    """
    now = now or clock.now()
    require_office(by)
    closed = desk_closed_error(comp, now)
    if closed is not None:
        raise closed
    try:
        coop = cooperative_by_nik((cooperative_nik or "").strip())
    except DomainError as err:
        err.details = {"field": "cooperative_nik"}
        raise
    decision = services.check_cooperative(comp, coop.id, now=now)
    registry_failures = [f for f in decision.failures if f.code != LIMIT_REACHED]
    if registry_failures and len(registry_failures) == len(decision.failures):
        reason = (exception_reason or "").strip()
        if not reason:
            raise ValidationFailed(
                "exception_reason_required",
                _(
                    "Koperasi belum memenuhi syarat: %(r)s Tuliskan alasan pengecualian untuk tetap "
                    "mendaftarkannya di meja.",
                    r=" ".join(f.reason for f in registry_failures),
                ),
                details={"field": "exception_reason", "reasons": [f.as_dict() for f in registry_failures]},
            )
        if exception_for(comp, coop.id) is None:
            grant_exception(comp, coop.id, reason, by=by, now=now)
    return services.register_entry(
        comp, coop.id, team_name=team_name, participants=participants, by=by, now=now, channel="desk"
    )


def desk_replace(participant: Participant, new: ParticipantInput, *, by: Any, now: datetime | None = None):
    """Swap a participant at the desk on an event day (until the competition's last slot ends)."""
    now = now or clock.now()
    closed = desk_closed_error(participant.entry.competition, now)
    if closed is not None:
        raise closed
    return services.replace_participant(participant, new, by=by, now=now, at_desk=True)


# --- a spreadsheet of teams ----------------------------------------------------------------

MAX_PEOPLE = 10
TEAM_HEADERS = ("Lomba", "NIK_Koperasi", "Nama_Tim")
PERSON_FIELDS = {"name": "Nama_Peserta_{n}", "phone": "HP_Peserta_{n}", "role": "Peran_Peserta_{n}"}
GUARDIAN_HEADER = "Wali_Peserta_{n}"
CONSENT_HEADER = "Persetujuan_Data"
YES = {"ya", "y", "yes", "1", "true", "setuju"}
# Where a service's error lands in the file (a participant's field -> its column for row n).
FIELD_COLUMNS = {
    "name": "Nama_Peserta_{n}",
    "phone": "HP_Peserta_{n}",
    "consent": CONSENT_HEADER,
    "guardian_name": GUARDIAN_HEADER,
    "guardian_consent": CONSENT_HEADER,
}


def template_header(max_people: int = 3) -> list[str]:
    """The header of an empty teams spreadsheet (the office's download)."""
    people = []
    for n in range(1, max_people + 1):
        people += [h.format(n=n) for h in PERSON_FIELDS.values()]
    return [*TEAM_HEADERS, *people, GUARDIAN_HEADER.format(n=1), CONSENT_HEADER]


@dataclass
class TeamRowError:
    """One problem of the file: its row (as the spreadsheet numbers it), column and message."""

    row: int
    column: str
    message: str


@dataclass
class TeamImportReport:
    """What became of a file: rows read, entries written (0 unless every row passed), errors."""

    filename: str = ""
    rows: int = 0
    written: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    errors: list[TeamRowError] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """True when the file was refused (nothing written)."""
        return bool(self.errors)


def _cell(cells: list[Any], index: dict[str, int], header: str) -> str:
    position = index.get(header.lower())
    if position is None or position >= len(cells) or cells[position] is None:
        return ""
    value = cells[position]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _competitions(event_id: int) -> dict[str, Competition]:
    comps = db.session.scalars(select(Competition).where(Competition.event_id == event_id)).all()
    found: dict[str, Competition] = {}
    for comp in comps:
        found[comp.slug.lower()] = comp
        found[comp.name.strip().lower()] = comp
    return found


def _row_errors(row: int, err: DomainError, team_columns: dict[str, str]) -> list[TeamRowError]:
    """A service's refusal as the file's row and columns."""
    details = err.details if isinstance(err.details, dict) else {}
    problems = details.get("participants")
    if problems:
        return [
            TeamRowError(row, FIELD_COLUMNS.get(p["field"], "").format(n=p["index"] + 1), p["message"])
            for p in problems
        ]
    column = team_columns.get(details.get("field", ""), "")
    if err.code == "team_size":
        column = "Nama_Peserta_1"
    return [TeamRowError(row, column, err.message)]


def import_teams(
    path: str | Path, event, *, by: Any, filename: str = "", now: datetime | None = None
) -> TeamImportReport:
    """Register every team of a CSV/XLSX file for the event's competitions, all or nothing.

    Flushes only; the caller commits when `report.written` and rolls back otherwise.
    """
    now = now or clock.now()
    require_office(by)
    report = TeamImportReport(filename=filename)
    limits = import_limits()
    try:
        check_limits(path, None, limits)
        header, rows = read_rows(path)
    except FileFormatError as err:
        report.errors.append(TeamRowError(0, "", str(err)))
        return report
    index = {h.lower(): i for i, h in enumerate(header) if h}
    missing = [
        h for h in (*TEAM_HEADERS, "Nama_Peserta_1", "HP_Peserta_1", CONSENT_HEADER) if h.lower() not in index
    ]
    if missing:
        report.errors.append(TeamRowError(1, ", ".join(missing), _("Kolom wajib tidak ada di baris judul.")))
        return report
    comps = _competitions(event.id)
    team_columns = {"team_name": "Nama_Tim", "cooperative_nik": "NIK_Koperasi"}
    outer = db.session.begin_nested()
    try:
        for number, cells in cap_rows(rows, limits.max_rows):
            if all(c is None or str(c).strip() == "" for c in cells):
                continue
            report.rows += 1
            report.errors.extend(
                _import_row(number, cells, index, comps, team_columns, report, by=by, now=now)
            )
    except FileFormatError as err:
        report.errors.append(TeamRowError(0, "", str(err)))
    if report.errors or report.rows == 0:
        outer.rollback()
        if report.rows == 0 and not report.errors:
            report.errors.append(TeamRowError(0, "", _("Berkas tidak memuat satu tim pun.")))
        report.written = report.confirmed = report.waitlisted = 0
        return report
    outer.commit()
    return report


def _import_row(number, cells, index, comps, team_columns, report, *, by, now) -> list[TeamRowError]:
    """Check and register one row inside its own savepoint; its errors (nothing kept when any)."""
    comp_name = _cell(cells, index, "Lomba")
    comp = comps.get(comp_name.lower())
    if comp is None:
        return [TeamRowError(number, "Lomba", _("Lomba “%(n)s” tidak ada di acara ini.", n=comp_name))]
    nik = re.sub(r"\s", "", _cell(cells, index, "NIK_Koperasi"))
    coop_id = db.session.scalar(select(Cooperative.id).where(Cooperative.nik == nik)) if nik else None
    if coop_id is None:
        return [
            TeamRowError(
                number, "NIK_Koperasi", _("Koperasi dengan NIK %(nik)s tidak ditemukan.", nik=nik or "–")
            )
        ]
    consent = _cell(cells, index, CONSENT_HEADER).lower() in YES
    people = []
    for n in range(1, MAX_PEOPLE + 1):
        values = {key: _cell(cells, index, header.format(n=n)) for key, header in PERSON_FIELDS.items()}
        guardian = _cell(cells, index, GUARDIAN_HEADER.format(n=n))
        people.append(
            ParticipantInput(
                name=values["name"],
                phone=values["phone"],
                role=values["role"],
                consent=consent,
                guardian_name=guardian,
                guardian_consent=consent and bool(guardian),
            )
        )
    while people and people[-1].is_blank:
        people.pop()
    savepoint = db.session.begin_nested()
    try:
        entry = services.register_entry(
            comp,
            coop_id,
            team_name=_cell(cells, index, "Nama_Tim"),
            participants=people,
            by=by,
            now=now,
            channel="import",
        )
    except DomainError as err:
        savepoint.rollback()
        return _row_errors(number, err, team_columns)
    savepoint.commit()
    report.written += 1
    if entry.state.value == "confirmed":
        report.confirmed += 1
    elif entry.state.value == "waitlisted":
        report.waitlisted += 1
    return []
