"""The ODS column layout and streaming readers/writers for CSV and XLSX files.

Every column is documented in docs/import-format.md. Readers yield one row at a time (row
number as the spreadsheet shows it: the header is row 1), so a 130,000-row file never sits in
memory; writers stream too (openpyxl write-only mode). Writing goes through harkop/spreadsheets.py
(formula-like text stays text) and reading undoes what it added (`restore`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from ..spreadsheets import CsvSheet, Styled, WorkbookTooLarge, XlsxBook, check_workbook, restore


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its ODS header, where the value goes, and how it is written."""

    header: str
    target: str  # "coop.<field>", "figures.<field>", "figures.book_year", "rat.book_year", "rat.held_on"
    kind: str = "text"  # text | date | int
    about: Any = ""  # what goes in it, shown on the import page (a lazy translatable string)


COLUMNS: tuple[Column, ...] = (
    # The ODS layout the office exports from the Ministry's system, in its order.
    Column(
        "NIK",
        "coop.nik",
        about=_l(
            "NIK Koperasi: tepat 16 angka (spasi, titik, tanda hubung diabaikan). Wajib, tidak boleh berulang dalam berkas."
        ),
    ),
    Column("Nama_Koperasi", "coop.name", about=_l("Nama koperasi, paling banyak 200 karakter. Wajib.")),
    Column(
        "Nomor_Badan_Hukum_Pendirian",
        "coop.badan_hukum_no",
        about=_l("Nomor badan hukum pendirian, teks bebas sampai 120 karakter."),
    ),
    Column(
        "Tanggal_Badan_Hukum_Pendirian",
        "coop.badan_hukum_on",
        "date",
        about=_l("Tanggal badan hukum pendirian (tanggal)."),
    ),
    Column("Alamat", "coop.alamat", about=_l("Alamat jalan, sampai 300 karakter.")),
    Column(
        "Kelurahan",
        "coop.kelurahan_code",
        about=_l("Nama kelurahan di Balikpapan; harus berada di kecamatan pada kolom Kecamatan."),
    ),
    Column(
        "Kecamatan",
        "coop.kecamatan_code",
        about=_l("Balikpapan Timur, Barat, Utara, Tengah, Selatan atau Kota; boleh kosong."),
    ),
    Column(
        "Bentuk_Koperasi",
        "coop.bentuk",
        about=_l("Primer atau Sekunder Kabupaten/Kota, Provinsi atau Nasional."),
    ),
    Column(
        "Jenis_Koperasi", "coop.jenis", about=_l("Konsumen, Produsen, Simpan Pinjam, Pemasaran atau Jasa.")
    ),
    Column("Pola_Pengelolaan", "coop.pola_pengelolaan", about=_l("Konvensional atau Syariah.")),
    Column(
        "Kelompok_Koperasi",
        "coop.kelompok",
        about=_l("KUD, KSU, KSP, KSPPS, KPRI, Kopkar, Koperasi Wanita, … atau Lainnya."),
    ),
    Column("Sektor_Usaha", "coop.sektor_usaha", about=_l("Kategori KBLI 2020: namanya atau hurufnya A–U.")),
    Column(
        "StatusKoperasi",
        "coop.ods_status",
        about=_l(
            "Status catatan Kementerian: Aktif atau Tidak Aktif (disimpan di samping status hitungan Harkop)."
        ),
    ),
    Column("Grade", "coop.ods_grade", about=_l("Grade catatan Kementerian: A, B, C1, C2 atau D.")),
    Column(
        "Anggota_Pria",
        "figures.anggota_pria",
        "int",
        about=_l("Anggota laki-laki pada Tahun_Buku: bilangan bulat ≥ 0."),
    ),
    Column(
        "Anggota_Wanita",
        "figures.anggota_wanita",
        "int",
        about=_l("Anggota perempuan pada Tahun_Buku: bilangan bulat ≥ 0."),
    ),
    # The rest Harkop keeps (docs/domain.md §2), after the ODS columns.
    Column(
        "Status_NIK",
        "coop.status_nik",
        about=_l("Bersertifikat, Belum Bersertifikat atau Sertifikat Expired."),
    ),
    Column(
        "Nomor_Perubahan_AD",
        "coop.perubahan_ad_no",
        about=_l("Nomor perubahan anggaran dasar terakhir, sampai 120 karakter."),
    ),
    Column(
        "Tanggal_Perubahan_AD",
        "coop.perubahan_ad_on",
        "date",
        about=_l("Tanggal perubahan anggaran dasar terakhir (tanggal)."),
    ),
    Column("NIB", "coop.nib", about=_l("Nomor Induk Berusaha: angka saja, sampai 20.")),
    Column(
        "NPWP", "coop.npwp", about=_l("NPWP, sampai 30 karakter (titik dan tanda hubung seperti ditulis).")
    ),
    Column("Kode_Pos", "coop.kode_pos", about=_l("Kode pos: 5 angka.")),
    Column("KUK", "coop.kuk", "int", about=_l("Klasifikasi usaha koperasi: 1–4.")),
    Column(
        "Tanggal_Berdiri",
        "coop.founded_on",
        "date",
        about=_l("Tanggal berdiri (tanggal); menentukan grade C1 atau C2."),
    ),
    Column(
        "Tahun_Sistem_Digital",
        "coop.digital_since",
        "int",
        about=_l("Tahun koperasi masuk sistem digital Dinas (1990–2100)."),
    ),
    Column(
        "Tahun_Buku",
        "figures.book_year",
        "int",
        about=_l("Tahun buku angka-angka di baris ini; wajib bila ada kolom angka yang terisi."),
    ),
    Column("Karyawan", "figures.karyawan", "int", about=_l("Jumlah karyawan: bilangan bulat ≥ 0.")),
    Column("Manajer", "figures.manajer", "int", about=_l("Jumlah manajer: bilangan bulat ≥ 0.")),
    Column(
        "Modal_Sendiri",
        "figures.modal_sendiri",
        "int",
        about=_l("Modal sendiri dalam rupiah (boleh negatif; 1.250.000 dibaca 1250000)."),
    ),
    Column(
        "Modal_Luar", "figures.modal_luar", "int", about=_l("Modal luar dalam rupiah: bilangan bulat ≥ 0.")
    ),
    Column("Aset", "figures.aset", "int", about=_l("Aset dalam rupiah: bilangan bulat ≥ 0.")),
    Column(
        "Volume_Usaha",
        "figures.volume_usaha",
        "int",
        about=_l("Volume usaha dalam rupiah: bilangan bulat ≥ 0."),
    ),
    Column("SHU", "figures.shu", "int", about=_l("Sisa hasil usaha dalam rupiah (boleh negatif).")),
    Column(
        "Tahun_Buku_RAT_Terakhir",
        "rat.book_year",
        "int",
        about=_l("Tahun buku RAT terakhir yang diadakan (sebelum tahun berjalan)."),
    ),
    Column(
        "Tanggal_RAT_Terakhir",
        "rat.held_on",
        "date",
        about=_l("Tanggal RAT itu diadakan; boleh kosong bila tidak diketahui."),
    ),
)
HEADERS = tuple(c.header for c in COLUMNS)
REQUIRED_HEADERS = ("NIK", "Nama_Koperasi")
DATE_FORMATS_HELP = _l("Tanggal: 2024-07-26, 26/07/2024, 26-07-2024 atau sel tanggal XLSX.")


def header_key(text: Any) -> str:
    """Headers match ignoring case, spaces and underscores ('Status Koperasi' = 'StatusKoperasi')."""
    return re.sub(r"[\s_\-.]+", "", str(text or "")).lower()


COLUMN_BY_KEY = {header_key(c.header): c for c in COLUMNS}


class FileFormatError(ValueError):
    """The file cannot be read as CSV or XLSX at all."""


def file_format(path: str | Path, declared: str | None = None) -> str:
    """'csv' or 'xlsx', from the declared format or the file name."""
    fmt = (declared or Path(path).suffix.lstrip(".")).lower()
    if fmt not in ("csv", "xlsx"):
        raise FileFormatError(f"Format berkas tidak didukung: .{fmt} (pakai .csv atau .xlsx)")
    return fmt


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open("rb") as raw:
        head = raw.read(4096)
    try:
        first_line = head.decode("utf-8-sig").splitlines()[0] if head else ""
    except UnicodeDecodeError as err:
        raise FileFormatError("Berkas CSV harus ber-encoding UTF-8.") from err
    # Indonesian Excel saves CSV with ';' as the separator.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        try:
            for row in csv.reader(handle, delimiter=delimiter):
                yield [restore(cell) for cell in row]
        except UnicodeDecodeError as err:
            raise FileFormatError("Berkas CSV harus ber-encoding UTF-8.") from err
        except csv.Error as err:
            raise FileFormatError(f"Berkas CSV rusak: {err}") from err


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable workbook is the same refusal
        raise FileFormatError(f"Berkas XLSX tidak dapat dibaca: {err.__class__.__name__}") from err
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [restore(cell) if isinstance(cell, str) else cell for cell in row]
    finally:
        workbook.close()


@dataclass(frozen=True)
class ReadLimits:
    """How much a file may hold, checked before it is parsed (and rows again while reading).

    `max_bytes`: what an XLSX may inflate to; `max_ratio`: how far one of its members may
    inflate; `max_rows`: data rows in either format. From HARKOP_IMPORT_MAX_UNZIPPED_MB,
    HARKOP_IMPORT_MAX_RATIO and HARKOP_IMPORT_MAX_ROWS (see `import_limits`).
    """

    max_bytes: int = 300 * 1024 * 1024
    max_ratio: float = 100.0
    max_rows: int = 200_000


class TooLarge(FileFormatError):
    """A file over the limits: refused before (or while) it is parsed."""


def import_limits() -> ReadLimits:
    """The limits from the app's configuration (the defaults outside an app)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return ReadLimits()
    config = current_app.config
    return ReadLimits(
        max_bytes=int(config.get("HARKOP_IMPORT_MAX_UNZIPPED_MB", 300)) * 1024 * 1024,
        max_ratio=float(config.get("HARKOP_IMPORT_MAX_RATIO", 100)),
        max_rows=int(config.get("HARKOP_IMPORT_MAX_ROWS", 200_000)),
    )


def check_limits(path: str | Path, fmt: str | None, limits: ReadLimits) -> int:
    """Refuse a file over the limits before any of it is parsed; returns its estimated data rows.

    XLSX: the archive's members (harkop/spreadsheets.py `check_workbook`: inflated size and
    ratio, so a zip bomb is refused from its table of contents), then the sheet's declared size.
    CSV: its lines, counted without parsing.
    """
    path = Path(path)
    if file_format(path, fmt) == "xlsx":
        try:
            check_workbook(path, max_bytes=limits.max_bytes, max_ratio=limits.max_ratio)
        except WorkbookTooLarge as err:
            why = {
                "inflated_size": f"isinya melebihi {limits.max_bytes // (1024 * 1024)} MB setelah dibuka",
                "compression_ratio": f"salah satu bagiannya mengembang lebih dari {limits.max_ratio:g} kali",
            }.get(str(err), str(err))
            raise TooLarge(f"Berkas XLSX terlalu besar: {why}. Berkas tidak dibaca.") from err
    rows = estimate_rows(path, fmt)
    if rows > limits.max_rows:
        raise TooLarge(f"Berkas memuat {rows} baris; paling banyak {limits.max_rows} baris per impor.")
    return rows


def read_rows(path: str | Path, fmt: str | None = None) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header cells and an iterator of (row number, cells) for the data rows.

    Check an untrusted file with `check_limits` first, and read it through `cap_rows`.
    """
    path = Path(path)
    rows = _csv_rows(path) if file_format(path, fmt) == "csv" else _xlsx_rows(path)
    try:
        header = next(rows)
    except StopIteration:
        return [], iter(())
    header = ["" if h is None else str(h).strip() for h in header]
    return header, enumerate(rows, start=2)


def cap_rows(rows: Iterator[tuple[int, list[Any]]], max_rows: int) -> Iterator[tuple[int, list[Any]]]:
    """The rows, stopping with `TooLarge` past `max_rows`, whatever the file declared."""
    for count, item in enumerate(rows, start=1):
        if count > max_rows:
            raise TooLarge(
                f"Berkas memuat lebih dari {max_rows} baris; paling banyak {max_rows} baris per impor."
            )
        yield item


def estimate_rows(path: str | Path, fmt: str | None = None) -> int:
    """A quick row count for the progress bar (lines in a CSV, the sheet's dimension in XLSX)."""
    path = Path(path)
    if file_format(path, fmt) == "csv":
        count = 0
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                count += block.count(b"\n")
        return max(count - 1, 0)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable workbook is the same refusal
        raise FileFormatError(f"Berkas XLSX tidak dapat dibaca: {err.__class__.__name__}") from err
    try:
        return max((workbook.worksheets[0].max_row or 1) - 1, 0)
    finally:
        workbook.close()


# --- Writing -------------------------------------------------------------------------------------


class CsvWriter:
    """Write rows to a CSV file (UTF-8 with BOM so Excel opens it; dates as YYYY-MM-DD)."""

    def __init__(self, path: str | Path) -> None:
        self.sheet = CsvSheet.open(path)

    def header(self, cells: list[str]) -> None:
        """Write the header row."""
        self.sheet.append(cells)

    def row(self, cells: list[Any]) -> None:
        """Write one data row (text neutralised: harkop/spreadsheets.py)."""
        self.sheet.append(cells)

    def close(self) -> None:
        """Finish the file."""
        self.sheet.close()


class XlsxWriter:
    """Write rows to an XLSX file in write-only mode (NIK as text, dates as date cells)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.book = XlsxBook()
        self.sheet = self.book.sheet("Koperasi")
        self.kinds: list[str] = []

    def header(self, cells: list[str]) -> None:
        """Write the header row; remembers which columns are text so digits stay text."""
        self.kinds = [
            COLUMN_BY_KEY[header_key(h)].kind if header_key(h) in COLUMN_BY_KEY else "text" for h in cells
        ]
        self.sheet.append(cells)

    def row(self, cells: list[Any]) -> None:
        """Write one data row (text neutralised and typed as text: harkop/spreadsheets.py)."""
        out = []
        for kind, value in zip(self.kinds, cells, strict=True):
            if kind == "date" and value is not None:
                out.append(Styled(value, number_format="yyyy-mm-dd"))
            elif kind == "text" and value is not None:
                out.append(Styled(value, number_format="@"))  # NIK, NIB, kode pos: keep leading zeros
            else:
                out.append(value)
        self.sheet.append(out)

    def close(self) -> None:
        """Save the workbook."""
        self.book.save(self.path)


def writer_for(path: str | Path, fmt: str | None = None) -> CsvWriter | XlsxWriter:
    """A writer for the file's format."""
    return CsvWriter(path) if file_format(path, fmt) == "csv" else XlsxWriter(path)


def cell_text(value: Any) -> str:
    """A cell as text, the way a round-trip comparison sees it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
