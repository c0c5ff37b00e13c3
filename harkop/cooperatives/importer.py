"""Import cooperatives from a CSV or XLSX file in the ODS layout, all or nothing.

Pass 1 reads the file once, validates every cell with the same parsers the services use and
collects every error with its row and column; the clean rows go to a temporary file (so the
spreadsheet is parsed once and memory stays flat). Pass 2 runs only when nothing was rejected
(or with `skip_invalid`, for the valid rows): it upserts by NIK in batches with Core statements,
writes the yearly figures and the latest RAT, an audit entry per created or changed cooperative,
and refreshes the cached status, grade and predikat. It flushes; the caller commits, so an
error anywhere leaves the registry unchanged.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, text, update

from .. import clock
from ..audit import AuditLog, actor_name, jsonable
from ..extensions import db
from . import rules, services
from .models import AnnualFigure, Cooperative, RatRecord
from .spreadsheet import (
    COLUMN_BY_KEY,
    REQUIRED_HEADERS,
    Column,
    FileFormatError,
    ReadLimits,
    cap_rows,
    check_limits,
    header_key,
    import_limits,
    read_rows,
)
from .validation import (
    COOPERATIVE_FIELDS,
    FieldError,
    check_kelurahan_in_kecamatan,
    parse_date,
    year_parser,
)

BATCH = 1000
ANALYZE_AFTER = 1000  # rows written by one import before the table's statistics are refreshed
MAX_KEPT_ERRORS = 100_000  # a file of nothing but errors still reports them all up to here


@dataclass(frozen=True)
class RowError:
    """One refused cell (or row): spreadsheet row number, column header, message."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did."""

    filename: str
    rows: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    @property
    def rejected_rows(self) -> int:
        """How many rows had at least one error."""
        return self.rows - self.valid

    @property
    def rejected(self) -> bool:
        """True when anything was refused (the CLI then exits non-zero)."""
        return self.error_count > 0

    def to_dict(self, *, max_errors: int = 1000) -> dict[str, Any]:
        """The report as JSON (a background job keeps it), with at most `max_errors` errors."""
        data = {k: getattr(self, k) for k in _REPORT_FIELDS}
        data["errors"] = [[e.row, e.column, e.message] for e in self.errors[:max_errors]]
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        """A report read back from `to_dict`."""
        report = cls(**{k: data[k] for k in _REPORT_FIELDS if k in data})
        report.errors = [RowError(row, column, message) for row, column, message in data.get("errors", [])]
        report.warnings = list(data.get("warnings", []))
        return report


_REPORT_FIELDS = (
    "filename",
    "rows",
    "valid",
    "created",
    "updated",
    "unchanged",
    "error_count",
    "dry_run",
    "written",
)


def _null_progress(label: str, length: int):
    class _Bar:
        def update(self, n: int) -> None:
            pass

    return contextlib.nullcontext(_Bar())


ProgressFactory = Callable[[str, int], Any]


# --- Pass 1: read and validate -------------------------------------------------------------------


def _figure_parser(name: str):
    return services.FIGURE_FIELDS[name]


def _column_parser(col: Column, today: date):
    section, name = col.target.split(".", 1)
    if section == "coop":
        return COOPERATIVE_FIELDS[name]
    if section == "figures":
        return year_parser(1950, today.year) if name == "book_year" else _figure_parser(name)
    if name == "book_year":
        return year_parser(1950, today.year - 1)
    return parse_date


def _map_header(header: list[str], report: ImportReport) -> dict[int, Column] | None:
    mapping: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(header):
        if not cell:
            continue
        col = COLUMN_BY_KEY.get(header_key(cell))
        if col is None:
            report.warnings.append(_("Kolom %(c)s tidak dikenal dan diabaikan.", c=cell))
            continue
        if col.header in seen:
            _error(
                report,
                RowError(1, cell, _("Kolom ganda (sama dengan kolom ke-%(n)d).", n=seen[col.header] + 1)),
            )
            continue
        seen[col.header] = index
        mapping[index] = col
    for required in REQUIRED_HEADERS:
        if required not in seen:
            _error(report, RowError(1, required, _("Kolom wajib %(c)s tidak ada.", c=required)))
    if "Kelurahan" in seen and "Kecamatan" not in seen:
        _error(report, RowError(1, "Kecamatan", _("Kolom Kelurahan perlu kolom Kecamatan.")))
    if "Tanggal_RAT_Terakhir" in seen and "Tahun_Buku_RAT_Terakhir" not in seen:
        _error(report, RowError(1, "Tahun_Buku_RAT_Terakhir", _("Tanggal RAT perlu kolom tahun bukunya.")))
    return None if report.error_count else mapping


def _error(report: ImportReport, error: RowError) -> None:
    report.error_count += 1
    if len(report.errors) < MAX_KEPT_ERRORS:
        report.errors.append(error)


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


@dataclass(frozen=True)
class _Plan:
    """How to read each cell of a file's rows, worked out once from its header."""

    cells: tuple[tuple[int, str, str, str, bool, Any], ...]  # index, section, name, header, required, parser
    has_kelurahan: bool


def _plan(mapping: dict[int, Column], today: date) -> _Plan:
    cells = []
    for index, col in mapping.items():
        section, name = col.target.split(".", 1)
        cells.append(
            (index, section, name, col.header, col.header in REQUIRED_HEADERS, _column_parser(col, today))
        )
    return _Plan(tuple(cells), any(c.header == "Kelurahan" for c in mapping.values()))


def _validate_row(
    number: int, cells: list[Any], plan: _Plan, today: date
) -> tuple[dict[str, dict[str, Any]], list[RowError]]:
    clean: dict[str, dict[str, Any]] = {"coop": {}, "figures": {}, "rat": {}}
    errors: list[RowError] = []
    width = len(cells)
    for index, section, name, header, required, parser in plan.cells:
        raw = cells[index] if index < width else None
        try:
            value = parser(raw)
        except FieldError as err:
            errors.append(RowError(number, header, str(err)))
            continue
        if value is None and required:
            errors.append(RowError(number, header, _("Wajib diisi.")))
            continue
        clean[section][name] = value
    coop = clean["coop"]
    cross: dict[str, str] = {}
    if plan.has_kelurahan and not any(e.column in ("Kelurahan", "Kecamatan") for e in errors):
        check_kelurahan_in_kecamatan(coop, cross)
        for message in cross.values():
            errors.append(RowError(number, "Kelurahan", message))
    figures = clean["figures"]
    if (
        any(v is not None for k, v in figures.items() if k != "book_year")
        and figures.get("book_year") is None
    ):
        if not any(e.column == "Tahun_Buku" for e in errors):
            errors.append(
                RowError(number, "Tahun_Buku", _("Tahun buku wajib diisi bila angka anggota/keuangan diisi."))
            )
    rat = clean["rat"]
    if rat.get("held_on") is not None:
        if rat.get("book_year") is None:
            if not any(e.column == "Tahun_Buku_RAT_Terakhir" for e in errors):
                errors.append(RowError(number, "Tahun_Buku_RAT_Terakhir", _("Tahun buku RAT wajib diisi.")))
        elif rat["held_on"] <= date(rat["book_year"], 12, 31):
            errors.append(
                RowError(number, "Tanggal_RAT_Terakhir", _("RAT diadakan setelah tahun bukunya berakhir."))
            )
        elif rat["held_on"] > today:
            errors.append(
                RowError(number, "Tanggal_RAT_Terakhir", _("Tanggal RAT tidak boleh di masa depan."))
            )
    return clean, errors


def _validate_file(
    path: Path,
    fmt: str | None,
    report: ImportReport,
    today: date,
    spool,
    progress: ProgressFactory,
    limits: ReadLimits,
) -> None:
    total = check_limits(path, fmt, limits)  # before any parsing: a zip bomb stops here
    header, rows = read_rows(path, fmt)
    rows = cap_rows(rows, limits.max_rows)
    if not header:
        _error(report, RowError(1, "", _("Berkas kosong.")))
        return
    mapping = _map_header(header, report)
    if mapping is None:
        return
    plan = _plan(mapping, today)
    first_row_of: dict[str, int] = {}
    with progress(_("Memeriksa"), total) as bar:
        pending = 0
        for number, cells in rows:
            pending += 1
            if pending >= 500:
                bar.update(pending)
                pending = 0
            if _blank(cells):
                continue
            report.rows += 1
            clean, errors = _validate_row(number, cells, plan, today)
            nik = clean["coop"].get("nik")
            if nik is not None:
                if nik in first_row_of:
                    errors.append(
                        RowError(
                            number,
                            "NIK",
                            _("NIK %(nik)s sudah ada di baris %(r)d.", nik=nik, r=first_row_of[nik]),
                        )
                    )
                else:
                    first_row_of[nik] = number
            if errors:
                for error in errors:
                    _error(report, error)
                continue
            report.valid += 1
            pickle.dump((number, clean), spool, protocol=pickle.HIGHEST_PROTOCOL)
        bar.update(pending)


# --- Pass 2: write -------------------------------------------------------------------------------


def _spooled(spool) -> Iterator[tuple[int, dict[str, dict[str, Any]]]]:
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_value(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return getattr(value, "value", value)  # enums as their stored values


def _bulk_insert(table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL, executemany elsewhere.

    psycopg parses every multi-row INSERT's text again, which cost more than the database work
    at 130,000 rows; COPY sends the rows as data.
    """
    if not rows:
        return
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    from psycopg import sql

    columns = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_copy_value(row[c]) for c in columns])


def _entry(entries: dict[str, dict[str, Any]], nik: str) -> dict[str, Any]:
    """The one audit entry of a cooperative in this import (created on first change)."""
    if nik not in entries:
        entries[nik] = {"action": "cooperative.updated", "before": {}, "after": {}}
    return entries[nik]


def _write_batch(batch, report: ImportReport, *, by: Any, now: datetime, today: date, detail: str) -> None:
    """Upsert one batch: cooperatives, then figures and RATs, one audit row per changed cooperative."""
    table = Cooperative.__table__
    coop_fields = sorted({k for _n, clean in batch for k in clean["coop"]})
    niks = [clean["coop"]["nik"] for _n, clean in batch]
    columns = [table.c.id] + [table.c[f] for f in coop_fields]
    existing = {row.nik: row for row in db.session.execute(select(*columns).where(table.c.nik.in_(niks)))}
    to_insert, to_update = [], []
    entries: dict[str, dict[str, Any]] = {}
    for _number, clean in batch:
        values = services.model_values(clean["coop"])
        values = {k: values.get(k) for k in coop_fields}
        nik = values["nik"]
        current = existing.get(nik)
        if current is None:
            # A new cooperative's cached standing comes from this row alone (its only RAT, no
            # reasons, no assessment), so it is computed here rather than re-read afterwards.
            rat_year = clean["rat"].get("book_year")
            founded = rules.founding_date(values.get("founded_on"), values.get("badan_hukum_on"))
            cached = services.cached_values([rat_year] if rat_year else [], founded, (), None, today)
            to_insert.append({**values, **cached, "created_at": now, "updated_at": now})
            entries[nik] = {
                "action": "cooperative.imported",
                "before": None,
                "after": {k: services.plain_value(values[k]) for k in coop_fields},
            }
            continue
        before = {k: services.plain_value(getattr(current, k)) for k in coop_fields}
        after = {k: services.plain_value(values[k]) for k in coop_fields}
        changed = [k for k in coop_fields if before[k] != after[k]]
        if changed:
            to_update.append({"b_id": current.id, **values, "updated_at": now})
            entry = _entry(entries, nik)
            entry["before"].update({k: before[k] for k in changed})
            entry["after"].update({k: after[k] for k in changed})
    ids_by_nik = {nik: row.id for nik, row in existing.items()}
    if to_insert:
        _bulk_insert(table, to_insert)
        new_niks = [row["nik"] for row in to_insert]
        for new_id, nik in db.session.execute(
            select(table.c.id, table.c.nik).where(table.c.nik.in_(new_niks))
        ):
            ids_by_nik[nik] = new_id
    if to_update:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({k: bindparam(k) for k in to_update[0] if k != "b_id"})
        )
        db.session.execute(stmt, to_update)
    _write_figures(batch, ids_by_nik, entries)
    restanding = _write_rats(batch, ids_by_nik, entries, now)
    if entries:
        actor_id = getattr(by, "id", None)
        by_name = actor_name(by)
        _bulk_insert(
            AuditLog.__table__,
            [
                {
                    "at": now,
                    "actor_id": actor_id,
                    "actor_name": by_name,
                    "action": entry["action"],
                    "entity_type": services.ENTITY,
                    "entity_id": str(ids_by_nik[nik]),
                    "before": jsonable(entry["before"]) or None,
                    "after": jsonable(entry["after"]),
                    "detail": detail,
                }
                for nik, entry in entries.items()
            ],
        )
    created = sum(1 for e in entries.values() if e["action"] == "cooperative.imported")
    updated = len(entries) - created
    report.created += created
    report.updated += updated
    report.unchanged += len(batch) - created - updated
    # Existing cooperatives whose founding date or RAT changed: refresh their cached standing.
    founding = {"founded_on", "badan_hukum_on"}
    refresh = {
        ids_by_nik[nik]
        for nik, e in entries.items()
        if e["action"] == "cooperative.updated" and founding & set(e["after"])
    } | restanding
    if refresh:
        services.recompute_cooperatives(sorted(refresh), today=today)


def _write_figures(batch, ids_by_nik: dict[str, int], entries: dict[str, dict[str, Any]]) -> None:
    rows = [
        (c["coop"]["nik"], ids_by_nik[c["coop"]["nik"]], c["figures"])
        for _n, c in batch
        if c["figures"].get("book_year") is not None
    ]
    if not rows:
        return
    table = AnnualFigure.__table__
    names = sorted({k for _nik, _id, f in rows for k in f if k != "book_year"})
    keys = {(cid, f["book_year"]) for _nik, cid, f in rows}
    ids = list({cid for _nik, cid, _f in rows})
    existing = {
        (r.cooperative_id, r.book_year): r
        for r in db.session.execute(select(table).where(table.c.cooperative_id.in_(ids)))
        if (r.cooperative_id, r.book_year) in keys
    }
    inserts, updates = [], []
    for nik, cid, figures in rows:
        values = {k: figures.get(k) for k in names}
        year = figures["book_year"]
        current = existing.get((cid, year))
        if current is None:
            inserts.append({"cooperative_id": cid, "book_year": year, **values})
            is_new = entries.get(nik, {}).get("action") == "cooperative.imported"
            if is_new or any(v is not None for v in values.values()):
                entry = _entry(entries, nik)
                entry["after"]["figures"] = {"book_year": year, **values}
            continue
        diff = {k: v for k, v in values.items() if getattr(current, k) != v}
        if diff:
            updates.append({"b_id": current.id, **values})
            entry = _entry(entries, nik)
            entry["before"]["figures"] = {"book_year": year, **{k: getattr(current, k) for k in diff}}
            entry["after"]["figures"] = {"book_year": year, **diff}
    _bulk_insert(table, inserts)
    if updates and names:
        stmt = update(table).where(table.c.id == bindparam("b_id")).values({k: bindparam(k) for k in names})
        db.session.execute(stmt, updates)


def _write_rats(
    batch, ids_by_nik: dict[str, int], entries: dict[str, dict[str, Any]], now: datetime
) -> set[int]:
    """Add or correct the latest RAT of each row; returns existing cooperatives whose RATs changed."""
    rows = [
        (c["coop"]["nik"], ids_by_nik[c["coop"]["nik"]], c["rat"])
        for _n, c in batch
        if c["rat"].get("book_year") is not None
    ]
    if not rows:
        return set()
    table = RatRecord.__table__
    ids = list({cid for _nik, cid, _r in rows})
    existing = {
        (r.cooperative_id, r.book_year): r
        for r in db.session.execute(
            select(table.c.id, table.c.cooperative_id, table.c.book_year, table.c.held_on).where(
                table.c.cooperative_id.in_(ids)
            )
        )
    }
    inserts, updates, changed = [], [], set()
    for nik, cid, rat in rows:
        current = existing.get((cid, rat["book_year"]))
        held = rat.get("held_on")
        if current is None:
            inserts.append(
                {"cooperative_id": cid, "book_year": rat["book_year"], "held_on": held, "created_at": now}
            )
        elif held is not None and current.held_on != held:
            updates.append({"b_id": current.id, "held_on": held})
        else:
            continue
        entry = _entry(entries, nik)
        if entry["action"] == "cooperative.updated":
            changed.add(cid)
            if current is not None:
                entry["before"]["rat"] = {
                    "book_year": rat["book_year"],
                    "held_on": services.plain_value(current.held_on),
                }
        entry["after"]["rat"] = {"book_year": rat["book_year"], "held_on": services.plain_value(held)}
    _bulk_insert(table, inserts)
    if updates:
        db.session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(held_on=bindparam("held_on")), updates
        )
    return changed


def import_cooperatives(
    path: str | Path,
    *,
    by: Any,
    fmt: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    filename: str | None = None,
    now: datetime | None = None,
    progress: ProgressFactory | None = None,
    limits: ReadLimits | None = None,
) -> ImportReport:
    """Validate the whole file, then (unless refused or a dry run) upsert by NIK. Flushes only.

    The file is held to `limits` (default: the app's HARKOP_IMPORT_* settings) before it is parsed.
    """
    now = now or clock.now()
    today = clock.to_wita(now).date()
    path = Path(path)
    progress = progress or _null_progress
    report = ImportReport(filename=filename or path.name, dry_run=dry_run)
    with tempfile.TemporaryFile() as spool:
        try:
            _validate_file(path, fmt, report, today, spool, progress, limits or import_limits())
        except FileFormatError as err:
            _error(report, RowError(0, "", str(err)))
            return report
        if dry_run or report.valid == 0 or (report.rejected and not skip_invalid):
            return report
        detail = _("impor %(f)s", f=report.filename)[:500]
        with progress(_("Menyimpan"), report.valid) as bar:
            for batch in _batches(_spooled(spool), BATCH):
                _write_batch(batch, report, by=by, now=now, today=today, detail=detail)
                bar.update(len(batch))
    db.session.execute(
        insert(AuditLog.__table__),
        [
            {
                "at": now,
                "actor_id": getattr(by, "id", None),
                "actor_name": actor_name(by),
                "action": "registry.imported",
                "entity_type": "registry",
                "entity_id": None,
                "after": {
                    "file": report.filename,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "rejected_rows": report.rejected_rows,
                },
                "detail": None,
            }
        ],
    )
    if (
        report.created + report.updated >= ANALYZE_AFTER
        and db.session.get_bind().dialect.name == "postgresql"
    ):
        # Fresh planner statistics, so PostgreSQL picks the most selective filter index. Not on
        # SQLite: its statistics keep only an average per index, and with a skewed column (nearly
        # every predikat empty) they steer `predikat = 'sehat'` into a full scan, while its
        # default guesses pick a covering filter index, which is what these queries need.
        db.session.execute(text("ANALYZE cooperative"))
    db.session.flush()
    db.session.expire_all()
    report.written = True
    return report


def tidy_after_import(report: ImportReport) -> None:
    """After a large import is committed, let PostgreSQL answer directory counts from the indexes.

    VACUUM marks the new rows all-visible (index-only scans need that) and refreshes the
    statistics; autovacuum would do it within minutes, this does it now. It cannot run inside a
    transaction, so the caller commits first. Nothing to do on SQLite.
    """
    if not report.written or report.created + report.updated < ANALYZE_AFTER:
        return
    engine = db.session.get_bind()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE) cooperative")
