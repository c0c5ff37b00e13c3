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
The office downloads a template of exactly the columns read here (`write_template`: the header,
one example row the importer refuses until it is replaced, and in XLSX a sheet of notes). A file
of `HARKOP_TEAM_IMPORT_BACKGROUND_ROWS` rows or more is not imported inside the request: it is
queued as a `team_import` job of the registry import's queue (`cooperatives.import_jobs`), which
the scheduler runs with this same `import_teams`, all or nothing, its progress by row.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
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
from ..spreadsheets import CsvSheet, Styled, XlsxBook
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


REQUIRED_HEADERS = (*TEAM_HEADERS, "Nama_Peserta_1", "HP_Peserta_1", CONSENT_HEADER)
# The template's example row: its NIK cell starts with this word, and the importer refuses the row
# until the office replaces it with a real team (so an example never becomes an entry).
EXAMPLE_MARK = "CONTOH"


def template_columns(max_people: int = 3) -> list[tuple[str, bool, str]]:
    """Each column of the template with whether the importer requires it and what goes in it, for
    the import page and the template's notes sheet."""
    notes = {
        "Lomba": _("Slug atau nama lomba pada acara ini, persis seperti di daftar lomba."),
        "NIK_Koperasi": _("NIK Koperasi, 16 angka (ditulis sebagai teks agar nol di depan tetap ada)."),
        "Nama_Tim": _("Nama tim; harus unik di lomba itu."),
        "Nama_Peserta_{n}": _(
            "Nama lengkap peserta ke-%(n)s (peserta 1 wajib; sisanya sesuai jumlah anggota tim)."
        ),
        "HP_Peserta_{n}": _("Nomor HP peserta ke-%(n)s, mis. 081234567890 atau +6281234567890."),
        "Peran_Peserta_{n}": _("Peran peserta ke-%(n)s dalam tim, mis. Ketua atau Anggota (boleh kosong)."),
        GUARDIAN_HEADER: _("Nama wali bila peserta ke-%(n)s masih anak; kosongkan untuk peserta dewasa."),
        CONSENT_HEADER: _(
            "“ya” bila semua peserta (dan wali untuk anak) sudah menyetujui pemrosesan datanya secara tertulis."
        ),
    }
    columns = []
    for header in template_header(max_people):
        match = re.fullmatch(r"(.+_)(\d+)", header)
        key, n = (match.group(1) + "{n}", match.group(2)) if match else (header, "")
        note = notes[key] % {"n": n} if n else notes[key]
        columns.append((header, header in REQUIRED_HEADERS, note))
    return columns


def template_example(event, max_people: int = 3) -> list[str]:
    """The template's example row: a competition of the event, a marked NIK, made-up people."""
    comps = sorted(event.competitions, key=lambda c: c.id) if event is not None else []
    values = {
        "Lomba": comps[0].slug if comps else "slug-lomba",
        "NIK_Koperasi": f"{EXAMPLE_MARK} 6471xxxxxxxxxxxx",
        "Nama_Tim": _("Contoh: Tim Melati"),
        "Nama_Peserta_1": _("Contoh: Rina Wati"),
        "HP_Peserta_1": "081234567801",
        "Peran_Peserta_1": _("Ketua"),
        "Nama_Peserta_2": _("Contoh: Sari Dewi"),
        "HP_Peserta_2": "081234567802",
        "Peran_Peserta_2": _("Anggota"),
        CONSENT_HEADER: "ya",
    }
    return [values.get(header, "") for header in template_header(max_people)]


def write_template(path: str | Path, fmt: str, event) -> None:
    """The office's template (CSV or XLSX) through the safe writer: the header, the example row and,
    in XLSX, a sheet of notes on each column and a sheet of the event's competitions."""
    header = template_header()
    example = template_example(event)
    if fmt == "csv":
        sheet = CsvSheet.open(path)
        sheet.append(header)
        sheet.append(example)
        sheet.close()
        return
    book = XlsxBook()
    teams = book.sheet(_("Tim"))
    teams.widths([22 if h.startswith(("Lomba", "NIK", "Nama")) else 16 for h in header])
    teams.freeze("A2")
    teams.append([Styled(h, bold=True) for h in header])
    teams.append([Styled(v, number_format="@") for v in example])  # NIK and phone stay text
    notes = book.sheet(_("Petunjuk"))
    notes.widths([20, 10, 90])
    notes.append([Styled(_("Kolom"), bold=True), Styled(_("Wajib"), bold=True), Styled(_("Isi"), bold=True)])
    for column, required, note in template_columns():
        notes.append([column, _("ya") if required else _("tidak"), Styled(note, wrap=True)])
    notes.append()
    notes.append([_("Baris 2 di lembar Tim adalah contoh: ganti dengan data tim Anda atau hapus.")])
    notes.append([_("Tambah kolom Nama_Peserta_4, HP_Peserta_4, … bila tim lebih dari tiga orang.")])
    comps = book.sheet(_("Lomba"))
    comps.widths([30, 50])
    comps.append([Styled(_("Slug"), bold=True), Styled(_("Nama lomba"), bold=True)])
    for comp in sorted(event.competitions, key=lambda c: c.id) if event is not None else []:
        comps.append([comp.slug, comp.name])
    book.save(path)


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

    def to_dict(self) -> dict[str, Any]:
        """As JSON for a background job's row."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TeamImportReport:
        """Back from `to_dict` (a finished job's report)."""
        values = {k: data[k] for k in ("filename", "rows", "written", "confirmed", "waitlisted") if k in data}
        return cls(**values, errors=[TeamRowError(**e) for e in data.get("errors", [])])


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
    path: str | Path,
    event,
    *,
    by: Any,
    filename: str = "",
    now: datetime | None = None,
    progress: Callable[..., Any] | None = None,
) -> TeamImportReport:
    """Register every team of a CSV/XLSX file for the event's competitions, all or nothing.

    Flushes only; the caller commits when `report.written` and rolls back otherwise. `progress`
    (a factory `progress(label, total)` giving a bar with `update(n)`, as the import queue's
    `progress_writer`) is moved on by every row read.
    """
    now = now or clock.now()
    require_office(by)
    report = TeamImportReport(filename=filename)
    limits = import_limits()
    try:
        estimated = check_limits(path, None, limits)
        header, rows = read_rows(path)
    except FileFormatError as err:
        report.errors.append(TeamRowError(0, "", str(err)))
        return report
    index = {h.lower(): i for i, h in enumerate(header) if h}
    missing = [h for h in REQUIRED_HEADERS if h.lower() not in index]
    if missing:
        report.errors.append(TeamRowError(1, ", ".join(missing), _("Kolom wajib tidak ada di baris judul.")))
        return report
    comps = _competitions(event.id)
    team_columns = {"team_name": "Nama_Tim", "cooperative_nik": "NIK_Koperasi"}
    outer = db.session.begin_nested()
    try:
        with (progress or _no_progress)(_("Memeriksa dan mendaftarkan tim"), estimated) as bar:
            for number, cells in cap_rows(rows, limits.max_rows):
                bar.update(1)
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
    if nik.upper().startswith(EXAMPLE_MARK):
        return [
            TeamRowError(
                number,
                "NIK_Koperasi",
                _("Baris contoh dari templat: ganti dengan data tim Anda atau hapus baris ini."),
            )
        ]
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


@contextmanager
def _no_progress(_label: str, _total: int):
    class Bar:
        def update(self, _n: int) -> None:
            pass

    yield Bar()


# --- a large spreadsheet of teams, in the background ----------------------------------------

TEAM_IMPORT_JOB = "team_import"


def runs_in_background(estimated_rows: int) -> bool:
    """Whether a teams file of this many rows is imported by a background job."""
    return estimated_rows >= int(current_app.config.get("HARKOP_TEAM_IMPORT_BACKGROUND_ROWS", 200))


@dataclass
class TeamsFileReceived:
    """What became of an uploaded teams file: imported at once (`report`) or queued (`job`)."""

    report: TeamImportReport | None = None
    job: Any = None


def receive_teams_file(path: str | Path, event, *, filename: str, by: Any) -> TeamsFileReceived:
    """A teams file the desk uploaded (saved at `path`): held to the import limits before it is
    parsed, queued for the scheduler when it has `HARKOP_TEAM_IMPORT_BACKGROUND_ROWS` rows or more,
    imported at once otherwise. Flushes only: the caller commits a queued job or a written report
    and rolls back a refused one."""
    fmt = Path(filename).suffix.lower().lstrip(".")
    try:
        rows = check_limits(path, fmt, import_limits())
    except FileFormatError as err:
        refused = TeamImportReport(filename=filename, errors=[TeamRowError(0, "", str(err))])
        return TeamsFileReceived(report=refused)
    if runs_in_background(rows):
        return TeamsFileReceived(job=enqueue_team_import(path, event, filename=filename, fmt=fmt, by=by))
    return TeamsFileReceived(report=import_teams(path, event, by=by, filename=filename))


def enqueue_team_import(source: str | Path, event, *, filename: str, fmt: str, by: Any):
    """Keep the uploaded file (copied) and queue its import for the event (the caller commits).

    The event waits in the job's `report` until the job runs, which replaces it by the report.
    """
    from ..cooperatives.import_jobs import enqueue_job, output_path

    require_office(by)
    job = enqueue_job(TEAM_IMPORT_JOB, filename=filename or f"tim.{fmt}", fmt=fmt, by=by)
    shutil.copyfile(source, output_path(job))
    job.report = {"event_id": event.id}
    return job


def run_team_import_job(job, progress) -> dict[str, Any]:
    """The queue's runner for `team_import`: the same `import_teams`, all or nothing (rolled back
    unless every row passed; the queue commits a written file). The upload is removed afterwards."""
    from ..auth.models import User
    from ..competitions.models import Event
    from ..cooperatives.import_jobs import output_path

    path = output_path(job)
    try:
        event = db.session.get(Event, (job.report or {}).get("event_id"))
        if event is None:
            gone = _("Acara untuk impor ini sudah tidak ada; tidak ada tim yang didaftarkan.")
            return TeamImportReport(filename=job.filename, errors=[TeamRowError(0, "", gone)]).to_dict()
        by = db.session.get(User, job.created_by_id) if job.created_by_id else None
        report = import_teams(path, event, by=by, filename=job.filename, progress=progress)
        if not report.written:
            db.session.rollback()
        return report.to_dict()
    finally:
        path.unlink(missing_ok=True)


def recent_team_imports(limit: int = 5) -> list[Any]:
    """The latest background teams imports, newest first (the import page links their pages)."""
    from ..cooperatives.models import ImportJob

    return list(
        db.session.scalars(
            select(ImportJob)
            .where(ImportJob.kind == TEAM_IMPORT_JOB)
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )


def install_team_import_jobs() -> None:
    """Let the background queue run team imports (called when the app starts)."""
    from ..cooperatives.import_jobs import register_runner

    register_runner(TEAM_IMPORT_JOB, run_team_import_job)
