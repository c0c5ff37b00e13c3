"""Export the registry in the ODS layout (CSV or XLSX), streaming in batches.

Cells are written the way the importer reads them back (labels for enumerations, names for
places, ISO dates), so export -> import -> export gives the same cells. Per cooperative the
latest book year of figures and the latest RAT are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..extensions import db
from . import reference
from .models import AnnualFigure, Cooperative, RatRecord
from .spreadsheet import COLUMNS, HEADERS, writer_for
from .vocab import (
    BENTUK_LABELS,
    GRADE_LABELS,
    JENIS_LABELS,
    KELOMPOK_LABELS,
    POLA_LABELS,
    SEKTOR_LABELS,
    STATUS_LABELS,
    STATUS_NIK_LABELS,
)

BATCH = 2000

_LABELS: dict[str, dict[str, str]] = {
    "status_nik": {k.value: v for k, v in STATUS_NIK_LABELS.items()},
    "bentuk": {k.value: v for k, v in BENTUK_LABELS.items()},
    "jenis": {k.value: v for k, v in JENIS_LABELS.items()},
    "pola_pengelolaan": {k.value: v for k, v in POLA_LABELS.items()},
    "kelompok": dict(KELOMPOK_LABELS),
    "sektor_usaha": dict(SEKTOR_LABELS),
    "ods_status": {k.value: v for k, v in STATUS_LABELS.items()},
    "ods_grade": {k.value: v for k, v in GRADE_LABELS.items()},
    "kecamatan_code": dict(reference.KECAMATAN),
    "kelurahan_code": dict(reference.KELURAHAN),
}


def _cell(name: str, value: Any) -> Any:
    if value is None:
        return None
    value = getattr(value, "value", value)
    labels = _LABELS.get(name)
    return labels.get(value, value) if labels else value


def export_rows() -> Iterator[list[Any]]:
    """Every cooperative as a row of cells in COLUMNS order, by id."""
    coop_table = Cooperative.__table__
    last_id = 0
    while True:
        coops = db.session.execute(
            select(coop_table).where(coop_table.c.id > last_id).order_by(coop_table.c.id).limit(BATCH)
        ).all()
        if not coops:
            return
        ids = [c.id for c in coops]
        last_id = ids[-1]
        figures: dict[int, Any] = {}
        for row in db.session.execute(
            select(AnnualFigure.__table__).where(AnnualFigure.cooperative_id.in_(ids))
        ):
            if row.cooperative_id not in figures or row.book_year > figures[row.cooperative_id].book_year:
                figures[row.cooperative_id] = row
        rats: dict[int, Any] = {}
        for row in db.session.execute(
            select(RatRecord.cooperative_id, RatRecord.book_year, RatRecord.held_on).where(
                RatRecord.cooperative_id.in_(ids)
            )
        ):
            if row.cooperative_id not in rats or row.book_year > rats[row.cooperative_id].book_year:
                rats[row.cooperative_id] = row
        for coop in coops:
            cells = []
            for col in COLUMNS:
                section, name = col.target.split(".", 1)
                if section == "coop":
                    cells.append(_cell(name, getattr(coop, name)))
                elif section == "figures":
                    fig = figures.get(coop.id)
                    cells.append(getattr(fig, name) if fig is not None else None)
                else:
                    rat = rats.get(coop.id)
                    cells.append(getattr(rat, name) if rat is not None else None)
            yield cells


def export_cooperatives(
    path: str | Path, *, fmt: str | None = None, progress: Callable[[int], None] | None = None
) -> int:
    """Write the registry to a CSV or XLSX file; returns the number of cooperatives written."""
    writer = writer_for(path, fmt)
    count = 0
    try:
        writer.header(list(HEADERS))
        for cells in export_rows():
            writer.row(cells)
            count += 1
            if progress and count % 1000 == 0:
                progress(1000)
    finally:
        writer.close()
    if progress:
        progress(count % 1000)
    return count
