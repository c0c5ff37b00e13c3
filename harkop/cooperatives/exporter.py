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
from ..vocabulary import Choice
from . import reference
from .models import AnnualFigure, Cooperative, RatRecord
from .spreadsheet import COLUMNS, HEADERS, writer_for
from .vocab import Bentuk, CoopStatus, Grade, Jenis, Kelompok, PolaPengelolaan, Sektor, StatusNik

BATCH = 2000

# Enumerations are written with their Indonesian labels whatever the page's language: the file is
# the Ministry's ODS layout, which the importer (and ODS itself) reads back in Indonesian.
_CHOICES: dict[str, type[Choice]] = {
    "status_nik": StatusNik,
    "bentuk": Bentuk,
    "jenis": Jenis,
    "pola_pengelolaan": PolaPengelolaan,
    "kelompok": Kelompok,
    "sektor_usaha": Sektor,
    "ods_status": CoopStatus,
    "ods_grade": Grade,
}
_PLACES: dict[str, dict[str, str]] = {
    "kecamatan_code": dict(reference.KECAMATAN),
    "kelurahan_code": dict(reference.KELURAHAN),
}


def _cell(name: str, value: Any) -> Any:
    if value is None:
        return None
    choice = _CHOICES.get(name)
    if choice is not None:
        member = choice.of(value)
        return member.indonesian if member is not None else str(getattr(value, "value", value))
    value = getattr(value, "value", value)
    places = _PLACES.get(name)
    return places.get(value, value) if places else value


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
