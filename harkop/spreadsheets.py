"""The one way Harkop writes spreadsheets: every CSV and XLSX export goes through here.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and some
treat a leading tab or carriage return the same way), so text that came from a user could
become a live formula in the office's copy of an export: a link that sends other cells
elsewhere, or a command. Every text cell written here is therefore *text*:

- `neutralise` puts an apostrophe before text that starts with one of those characters (the
  OWASP rule for CSV injection), and also before text that starts with apostrophes followed by
  one, so that reading the file back is exact;
- XLSX cells holding text are typed as strings, never formulas;
- CSV fields are all quoted, so a program that splits on `;` (Indonesian Excel) cannot cut a
  field in two and start a new one with `=`.

`restore` undoes `neutralise` when Harkop reads a file back (the registry import): it removes
one apostrophe only where `neutralise` would have added it, so export, then import gives back
the original text. The rule is documented in docs/import-format.md.

`check_workbook` guards the reading side: an XLSX file is a zip archive, and a small upload can
inflate to gigabytes; its members are checked before any XML is parsed.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# A formula-like start, after any apostrophes that a previous neutralise may have added.
_GUARDED = re.compile(r"'*[=+\-@\t\r]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet shows and never runs: an apostrophe before a formula-like start."""
    return "'" + text if _GUARDED.match(text) else text


def restore(text: str) -> str:
    """The text `neutralise` was given: one added apostrophe removed, anything else unchanged."""
    return text[1:] if text.startswith("'") and _GUARDED.match(text, 1) else text


_PLAIN = (int, float, Decimal, date, datetime)


def _text(value: Any) -> Any:
    """A cell's value as written: numbers and dates as they are, anything else as neutralised text
    (a lazily translated label or an enumeration included)."""
    if value is None or isinstance(value, _PLAIN):
        return value
    return neutralise(str(value))


# --- CSV -----------------------------------------------------------------------------------------


class CsvSheet:
    """Rows to a CSV stream: every field quoted, text neutralised, dates as YYYY-MM-DD."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.writer = csv.writer(handle, quoting=csv.QUOTE_ALL)

    @classmethod
    def open(cls, path: str | Path) -> CsvSheet:
        """A CSV file for Excel: UTF-8 with a byte-order mark."""
        return cls(Path(path).open("w", encoding="utf-8-sig", newline=""))

    def append(self, cells: Iterable[Any]) -> None:
        """Write one row."""
        self.writer.writerow([_csv_value(c) for c in cells])

    def close(self) -> None:
        """Finish the file."""
        self.handle.close()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV as text (for small downloads built in memory)."""
    out = io.StringIO()
    sheet = CsvSheet(out)
    for row in rows:
        sheet.append(row)
    return out.getvalue()


# --- XLSX ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Styled:
    """A value with how to show it: a number format, bold, wrapped text."""

    value: Any
    number_format: str | None = None
    bold: bool = False
    wrap: bool = False


class XlsxSheet:
    """One sheet of a write-only workbook; rows are appended, text always as text."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet

    def widths(self, widths: Iterable[float]) -> None:
        """Column widths, from column A on (before the first row)."""
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width

    def freeze(self, cell: str) -> None:
        """Keep the rows above and columns left of `cell` in view (before the first row)."""
        self.sheet.freeze_panes = cell

    def cell(self, value: Any) -> WriteOnlyCell:
        """A cell for `value` (plain or `Styled`): text typed as a string and neutralised."""
        style = value if isinstance(value, Styled) else None
        if style is not None:
            value = style.value
        value = _text(value)
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text
        if style is not None:
            if style.number_format:
                cell.number_format = style.number_format
            if style.bold:
                cell.font = Font(bold=True)
            if style.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def append(self, cells: Iterable[Any] = ()) -> None:
        """Write one row (an empty one without cells)."""
        self.sheet.append([self.cell(c) for c in cells])


class XlsxBook:
    """A write-only XLSX workbook whose every cell goes through `XlsxSheet.cell`."""

    def __init__(self) -> None:
        self.book = Workbook(write_only=True)

    def sheet(self, title: str) -> XlsxSheet:
        """Add a sheet."""
        return XlsxSheet(self.book.create_sheet(title))

    def save(self, target: str | Path | IO[bytes]) -> None:
        """Write the workbook to a path or a binary stream."""
        self.book.save(target)

    def to_bytes(self) -> bytes:
        """The workbook as bytes."""
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


# --- Sending a download -------------------------------------------------------------------------


def send_spreadsheet(fmt: str, write: Callable[[str], None], download_name: str) -> Any:
    """Write a CSV or XLSX file with `write(path)` into a temporary file and send it as a download
    (404 for another format); the file is removed once the answer is sent."""
    from flask import abort, after_this_request, send_file

    if fmt not in ("csv", "xlsx"):
        abort(404)
    handle = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)
    handle.close()
    write(handle.name)

    @after_this_request
    def _remove(response):
        Path(handle.name).unlink(missing_ok=True)
        return response

    return send_file(
        handle.name,
        as_attachment=True,
        download_name=download_name,
        mimetype="text/csv"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- Reading: limits checked before parsing ------------------------------------------------------


class WorkbookTooLarge(ValueError):
    """An XLSX file that inflates past the limits (a zip bomb, or simply too much data)."""


def check_workbook(path: str | Path, *, max_bytes: int, max_ratio: float) -> int:
    """Check an XLSX archive's members before any XML is parsed; returns their inflated size.

    Refused: a total inflated size over `max_bytes`, or a member of more than 1 MB that inflates
    more than `max_ratio` times (ordinary workbooks stay far below 100; a bomb is in the
    thousands). The sizes are those the archive declares: Python's zip reader stops a member at
    its declared size and refuses it when the data do not match, so a member cannot lie about it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return 0  # not a zip at all: the workbook reader refuses it with its own message
    total = 0
    for member in members:
        total += member.file_size
        if total > max_bytes:
            raise WorkbookTooLarge("inflated_size")
        if member.file_size > 1 << 20 and member.file_size > max_ratio * max(member.compress_size, 1):
            raise WorkbookTooLarge("compression_ratio")
    return total
