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
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update

from .. import clock
from ..audit import AuditLog
from ..extensions import db
from . import services
from .models import AnnualFigure, Cooperative, RatRecord
from .spreadsheet import (
    COLUMN_BY_KEY,
    REQUIRED_HEADERS,
    Column,
    FileFormatError,
    estimate_rows,
    header_key,
    read_rows,
)
from .validation import COOPERATIVE_FIELDS, FieldError, check_kelurahan_in_kecamatan, int_parser, parse_date

BATCH = 1000
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
        return int_parser(1950, today.year) if name == "book_year" else _figure_parser(name)
    if name == "book_year":
        return int_parser(1950, today.year - 1)
    return parse_date


def _map_header(header: list[str], report: ImportReport) -> dict[int, Column] | None:
    mapping: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, text in enumerate(header):
        if not text:
            continue
        col = COLUMN_BY_KEY.get(header_key(text))
        if col is None:
            report.warnings.append(_("Kolom %(c)s tidak dikenal dan diabaikan.", c=text))
            continue
        if col.header in seen:
            _error(
                report,
                RowError(1, text, _("Kolom ganda (sama dengan kolom ke-%(n)d).", n=seen[col.header] + 1)),
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


def _validate_row(
    number: int, cells: list[Any], mapping: dict[int, Column], parsers: dict[int, Any], today: date
) -> tuple[dict[str, dict[str, Any]], list[RowError]]:
    clean: dict[str, dict[str, Any]] = {"coop": {}, "figures": {}, "rat": {}}
    errors: list[RowError] = []
    headers: dict[str, str] = {}
    for index, col in mapping.items():
        raw = cells[index] if index < len(cells) else None
        section, name = col.target.split(".", 1)
        headers[f"{section}.{name}"] = col.header
        try:
            value = parsers[index](raw)
        except FieldError as err:
            errors.append(RowError(number, col.header, str(err)))
            continue
        if value is None and col.header in REQUIRED_HEADERS:
            errors.append(RowError(number, col.header, _("Wajib diisi.")))
            continue
        clean[section][name] = value
    coop = clean["coop"]
    cross: dict[str, str] = {}
    if "coop.kelurahan_code" in headers and not any(e.column in ("Kelurahan", "Kecamatan") for e in errors):
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
    path: Path, fmt: str | None, report: ImportReport, today: date, spool, progress: ProgressFactory
) -> None:
    header, rows = read_rows(path, fmt)
    if not header:
        _error(report, RowError(1, "", _("Berkas kosong.")))
        return
    mapping = _map_header(header, report)
    if mapping is None:
        return
    parsers = {index: _column_parser(col, today) for index, col in mapping.items()}
    first_row_of: dict[str, int] = {}
    with progress(_("Memeriksa"), estimate_rows(path, fmt)) as bar:
        pending = 0
        for number, cells in rows:
            pending += 1
            if pending >= 500:
                bar.update(pending)
                pending = 0
            if _blank(cells):
                continue
            report.rows += 1
            clean, errors = _validate_row(number, cells, mapping, parsers, today)
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


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return getattr(value, "value", value)


def _write_batch(batch, report: ImportReport, *, by: Any, now: datetime, today: date, detail: str) -> None:
    table = Cooperative.__table__
    coop_fields = sorted({k for _n, clean in batch for k in clean["coop"]})
    niks = [clean["coop"]["nik"] for _n, clean in batch]
    columns = [table.c.id] + [table.c[f] for f in coop_fields]
    existing = {row.nik: row for row in db.session.execute(select(*columns).where(table.c.nik.in_(niks)))}
    to_insert, to_update, audits = [], [], []
    actor_id = getattr(by, "id", None)
    actor_name = getattr(by, "username", None) or (by if isinstance(by, str) else None)
    for _number, clean in batch:
        values = services.model_values(clean["coop"])
        values = {k: values.get(k) for k in coop_fields}
        current = existing.get(values["nik"])
        if current is None:
            to_insert.append({**values, "created_at": now, "updated_at": now})
            continue
        before = {k: _plain(getattr(current, k)) for k in coop_fields}
        after = {k: _plain(values[k]) for k in coop_fields}
        changed = [k for k in coop_fields if before[k] != after[k]]
        if changed:
            to_update.append({"b_id": current.id, **values, "updated_at": now})
            audits.append(
                {
                    "entity_id": str(current.id),
                    "action": "cooperative.updated",
                    "before": {k: before[k] for k in changed},
                    "after": {k: after[k] for k in changed},
                }
            )
    ids_by_nik = {nik: row.id for nik, row in existing.items()}
    if to_insert:
        returned = db.session.execute(insert(table).returning(table.c.id, table.c.nik), to_insert)
        for new_id, nik in returned:
            ids_by_nik[nik] = new_id
        for row in to_insert:
            audits.append(
                {
                    "entity_id": str(ids_by_nik[row["nik"]]),
                    "action": "cooperative.imported",
                    "before": None,
                    "after": {k: _plain(row[k]) for k in coop_fields},
                }
            )
    if to_update:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({k: bindparam(k) for k in to_update[0] if k != "b_id"})
        )
        db.session.execute(stmt, to_update)
    _write_figures(batch, ids_by_nik, audits)
    _write_rats(batch, ids_by_nik, audits, now)
    if audits:
        db.session.execute(
            insert(AuditLog),
            [
                {
                    "at": now,
                    "actor_id": actor_id,
                    "actor_name": actor_name,
                    "entity_type": services.ENTITY,
                    "detail": detail,
                    **entry,
                }
                for entry in audits
            ],
        )
    new_ids = {ids_by_nik[row["nik"]] for row in to_insert}
    changed_ids = {int(a["entity_id"]) for a in audits} - new_ids
    report.created += len(new_ids)
    report.updated += len(changed_ids)
    report.unchanged += len(batch) - len(new_ids) - len(changed_ids)
    services.recompute_cooperatives(list(ids_by_nik.values()), today=today)


def _write_figures(batch, ids_by_nik: dict[str, int], audits: list[dict[str, Any]]) -> None:
    rows = [
        (ids_by_nik[c["coop"]["nik"]], c["figures"])
        for _n, c in batch
        if c["figures"].get("book_year") is not None
    ]
    if not rows:
        return
    table = AnnualFigure.__table__
    names = sorted({k for _id, f in rows for k in f if k != "book_year"})
    keys = {(cid, f["book_year"]) for cid, f in rows}
    ids = list({cid for cid, _f in rows})
    existing = {
        (r.cooperative_id, r.book_year): r
        for r in db.session.execute(select(table).where(table.c.cooperative_id.in_(ids)))
        if (r.cooperative_id, r.book_year) in keys
    }
    inserts, updates = [], []
    for cid, figures in rows:
        values = {k: figures.get(k) for k in names}
        current = existing.get((cid, figures["book_year"]))
        if current is None:
            inserts.append({"cooperative_id": cid, "book_year": figures["book_year"], **values})
            if any(v is not None for v in values.values()):
                audits.append(_figures_audit(cid, figures["book_year"], {}, values))
            continue
        diff = {k: v for k, v in values.items() if getattr(current, k) != v}
        if diff:
            updates.append({"b_id": current.id, **values})
            audits.append(
                _figures_audit(cid, figures["book_year"], {k: getattr(current, k) for k in diff}, diff)
            )
    if inserts:
        db.session.execute(insert(table), inserts)
    if updates and names:
        stmt = update(table).where(table.c.id == bindparam("b_id")).values({k: bindparam(k) for k in names})
        db.session.execute(stmt, updates)


def _figures_audit(cid: int, year: int, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        "entity_id": str(cid),
        "action": "cooperative.figures_recorded",
        "before": {"book_year": year, **before} if before else None,
        "after": {"book_year": year, **after},
    }


def _write_rats(batch, ids_by_nik: dict[str, int], audits: list[dict[str, Any]], now: datetime) -> None:
    rows = [
        (ids_by_nik[c["coop"]["nik"]], c["rat"]) for _n, c in batch if c["rat"].get("book_year") is not None
    ]
    if not rows:
        return
    table = RatRecord.__table__
    ids = list({cid for cid, _r in rows})
    existing = {
        (r.cooperative_id, r.book_year): r
        for r in db.session.execute(
            select(table.c.id, table.c.cooperative_id, table.c.book_year, table.c.held_on).where(
                table.c.cooperative_id.in_(ids)
            )
        )
    }
    inserts, updates = [], []
    for cid, rat in rows:
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
        audits.append(
            {
                "entity_id": str(cid),
                "action": "cooperative.rat_recorded",
                "before": {"book_year": rat["book_year"], "held_on": _plain(current.held_on)}
                if current
                else None,
                "after": {"book_year": rat["book_year"], "held_on": _plain(held)},
            }
        )
    if inserts:
        db.session.execute(insert(table), inserts)
    if updates:
        db.session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(held_on=bindparam("held_on")), updates
        )


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
) -> ImportReport:
    """Validate the whole file, then (unless refused or a dry run) upsert by NIK. Flushes only."""
    now = now or clock.now()
    today = clock.to_wita(now).date()
    path = Path(path)
    progress = progress or _null_progress
    report = ImportReport(filename=filename or path.name, dry_run=dry_run)
    with tempfile.TemporaryFile() as spool:
        try:
            _validate_file(path, fmt, report, today, spool, progress)
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
        insert(AuditLog),
        [
            {
                "at": now,
                "actor_id": getattr(by, "id", None),
                "actor_name": getattr(by, "username", None) or (by if isinstance(by, str) else None),
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
    db.session.flush()
    db.session.expire_all()
    report.written = True
    return report
