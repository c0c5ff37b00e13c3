"""Import and export in the ODS layout: all-or-nothing, every error named, idempotent, round trip."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select

from harkop import clock
from harkop.audit import AuditLog
from harkop.cooperatives import services
from harkop.cooperatives.exporter import export_cooperatives
from harkop.cooperatives.importer import import_cooperatives
from harkop.cooperatives.models import AnnualFigure, Cooperative, RatRecord
from harkop.cooperatives.spreadsheet import HEADERS, cell_text, read_rows
from harkop.cooperatives.vocab import Grade, Jenis
from harkop.extensions import db

NOW = datetime(2024, 7, 26, 1, 0, tzinfo=clock.UTC)

GOOD = [
    ["NIK", "Nama_Koperasi", "Kecamatan", "Kelurahan", "Jenis_Koperasi", "Grade", "Anggota_Pria", "Tahun_Buku",
     "Tahun_Buku_RAT_Terakhir", "Tanggal_RAT_Terakhir"],
    ["6471880000000001", "Koperasi Impor Satu", "Balikpapan Kota", "Klandasan Ulu", "Simpan Pinjam", "A", "12", "2023",
     "2023", "20/04/2024"],
    ["6471880000000002", "Koperasi Impor Dua", "Timur", "Manggar", "jasa", "c1", "", "", "", ""],
]  # fmt: skip

BAD = [
    GOOD[0] + ["Kolom_Lain"],
    GOOD[1] + [""],
    ["6471880000000003", "Koperasi Salah", "Kota", "Manggar", "Koperasi Besar", "Z", "dua", "", "2023", "2023-05-01", ""],
    ["12345", "", "", "", "", "", "", "", "", "", ""],
    ["6471880000000001", "Duplikat", "", "", "", "", "", "", "", "", ""],
]  # fmt: skip
BAD_ERRORS = {
    (3, "Jenis_Koperasi"),
    (3, "Grade"),
    (3, "Anggota_Pria"),
    (3, "Kelurahan"),
    (3, "Tanggal_RAT_Terakhir"),
    (4, "NIK"),
    (4, "Nama_Koperasi"),
    (5, "NIK"),
}


def _csv(tmp_path, rows, name="data.csv", delimiter=","):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def _registry_state():
    coops = db.session.scalar(select(func.count(Cooperative.id)))
    audits = db.session.scalar(select(func.count(AuditLog.id)))
    return coops, audits


def _import(path, **kw):
    kw.setdefault("by", "test")
    kw.setdefault("now", NOW)
    return import_cooperatives(path, **kw)


def test_malformed_file_is_refused_with_every_error_and_nothing_written(tmp_path):
    """Every bad cell is reported with row and column; not even the valid row is written."""
    before = _registry_state()
    report = _import(_csv(tmp_path, BAD))
    assert {(e.row, e.column) for e in report.errors} == BAD_ERRORS
    assert report.error_count == len(BAD_ERRORS)
    assert (report.rows, report.valid, report.written) == (4, 1, False)
    assert any("Kolom_Lain" in w for w in report.warnings)
    db.session.rollback()
    assert _registry_state() == before


def test_cli_refuses_with_exit_1_and_names_each_error(tmp_path, runner):
    """The command prints 'baris R, kolom C' for each error and exits 1; the registry is unchanged."""
    before = _registry_state()
    result = runner.invoke(args=["harkop", "import-cooperatives", str(_csv(tmp_path, BAD))])
    assert result.exit_code == 1
    for row, column in BAD_ERRORS:
        assert f"baris {row}, kolom {column}:" in result.output
    assert "TIDAK disimpan" in result.output
    assert _registry_state() == before


def test_skip_invalid_writes_only_the_valid_rows_and_still_exits_1(tmp_path, runner):
    """--skip-invalid stores the good rows, reports the rest, and exits non-zero."""
    result = runner.invoke(args=["harkop", "import-cooperatives", str(_csv(tmp_path, BAD)), "--skip-invalid"])
    assert result.exit_code == 1
    names = db.session.scalars(select(Cooperative.name).where(Cooperative.nik.like("647188%"))).all()
    assert names == ["Koperasi Impor Satu"]


def test_dry_run_writes_nothing_and_exits_0_when_valid(tmp_path, runner):
    """--dry-run checks the whole file and stores nothing."""
    before = _registry_state()
    result = runner.invoke(args=["harkop", "import-cooperatives", str(_csv(tmp_path, GOOD)), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "uji saja" in result.output
    assert _registry_state() == before


def test_valid_import_stores_rows_figures_rat_and_computed_values(tmp_path, runner):
    """A valid file creates cooperatives with their figures, RAT, ODS grade and computed grade."""
    result = runner.invoke(args=["harkop", "import-cooperatives", str(_csv(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    one = db.session.scalar(select(Cooperative).where(Cooperative.nik == "6471880000000001"))
    assert (one.jenis, one.kecamatan_code, one.kelurahan_code, one.ods_grade) == (
        Jenis.simpan_pinjam,
        "balikpapan_kota",
        "klandasan_ulu",
        Grade.a,
    )
    assert one.figures[0].anggota_pria == 12 and one.figures[0].book_year == 2023
    assert one.rat_records[0].held_on == date(2024, 4, 20)
    assert one.grade is not None and one.computed_on is not None
    [entry] = services.cooperative_history(one)
    assert entry.action == "cooperative.imported"
    assert entry.after["rat"] == {"book_year": 2023, "held_on": "2024-04-20"}
    assert entry.after["figures"]["anggota_pria"] == 12
    summary = db.session.scalar(select(AuditLog).where(AuditLog.action == "registry.imported"))
    assert summary.after["created"] == 2


def test_reimport_is_idempotent_and_updates_by_nik(tmp_path):
    """Importing the same file again changes nothing; a changed name updates the same row."""
    path = _csv(tmp_path, GOOD)
    first = _import(path)
    assert (first.created, first.updated) == (2, 0)
    coops, audits = _registry_state()
    again = _import(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _registry_state() == (coops, audits + 1)  # only the summary entry
    changed = [row[:] for row in GOOD]
    changed[2][1] = "Koperasi Impor Dua Baru"
    third = _import(_csv(tmp_path, changed, "changed.csv"))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    two = db.session.scalar(select(Cooperative).where(Cooperative.nik == "6471880000000002"))
    assert two.name == "Koperasi Impor Dua Baru"
    entry = services.cooperative_history(two)[0]
    assert entry.action == "cooperative.updated" and entry.before == {"name": "Koperasi Impor Dua"}
    assert db.session.scalar(select(func.count(Cooperative.id)).where(Cooperative.nik.like("647188%"))) == 2


def test_semicolon_csv_and_header_spelling(tmp_path):
    """Indonesian Excel's ';' separator and loosely written headers are read."""
    rows = [
        ["nik", "Nama Koperasi", "status koperasi"],
        ["6471880000000009", "Koperasi Titik Koma", "Tidak Aktif"],
    ]
    report = _import(_csv(tmp_path, rows, delimiter=";"))
    assert report.written and report.created == 1
    assert db.session.scalar(
        select(Cooperative.ods_status).where(Cooperative.nik == "6471880000000009")
    ).value == ("tidak_aktif")


@pytest.mark.parametrize(
    ("rows", "column"),
    [
        ([["Nama_Koperasi"], ["X"]], "NIK"),
        ([["NIK", "Kelurahan"], ["6471880000000001", "Manggar"]], "Kecamatan"),
        ([["NIK", "Nama_Koperasi", "NIK"], ["6471880000000001", "X", "6471880000000001"]], "NIK"),
    ],
    ids=["missing required column", "kelurahan without kecamatan column", "duplicate column"],
)
def test_header_problems_are_errors_on_row_1(tmp_path, rows, column):
    """A header that cannot be imported is refused before any row is read."""
    report = _import(_csv(tmp_path, rows))
    assert report.rejected and not report.written
    assert (1, column) in {(e.row, e.column) for e in report.errors}


def test_unreadable_files_are_refused(tmp_path):
    """A broken XLSX or a non-UTF-8 CSV is one clear error, not a crash."""
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"not a zip")
    assert _import(broken).rejected
    latin = tmp_path / "latin.csv"
    latin.write_bytes("NIK,Nama_Koperasi\n6471880000000001,Koperasi Caf\xe9\n".encode("latin-1"))
    report = _import(latin)
    assert report.rejected and "UTF-8" in report.errors[0].message


def test_xlsx_with_number_and_date_cells(tmp_path):
    """XLSX numbers (NIK typed as a number) and date cells are read as the registry needs them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "Nama_Koperasi", "Tanggal_Badan_Hukum_Pendirian", "KUK", "Kode_Pos"])
    sheet.append([6471880000000005, "Koperasi Sel Angka", datetime(2015, 3, 2), 3.0, 76114])
    sheet.append([None, None, None, None, None])  # a blank row at the end is skipped
    path = tmp_path / "angka.xlsx"
    workbook.save(path)
    report = _import(path)
    assert report.written and report.rows == 1
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == "6471880000000005"))
    assert (coop.badan_hukum_on, coop.kuk, coop.kode_pos) == (date(2015, 3, 2), 3, "76114")


def _full_registry():
    """Three cooperatives using every exported column, plus one almost empty."""
    full = services.create_cooperative(
        {
            "nik": "0471880000000011",
            "name": 'Koperasi Lengkap, "Sejahtera"; Bersama',
            "status_nik": "bersertifikat",
            "badan_hukum_no": "518.08/96/BH/XIV.10/VIII/2008",
            "badan_hukum_on": "2008-08-12",
            "perubahan_ad_no": "AHU-0001248.AH.01.26.TAHUN 2024",
            "perubahan_ad_on": "2024-02-01",
            "nib": "0220000123456",
            "npwp": "01.234.567.8-721.000",
            "founded_on": "2008-06-01",
            "bentuk": "primer_kabupaten_kota",
            "jenis": "simpan_pinjam",
            "pola_pengelolaan": "syariah",
            "kelompok": "kspps",
            "sektor_usaha": "jasa_keuangan",
            "kuk": 2,
            "alamat": "Jl. Jenderal Sudirman No. 1",
            "kecamatan_code": "balikpapan_kota",
            "kelurahan_code": "klandasan_ilir",
            "kode_pos": "76113",
            "ods_status": "aktif",
            "ods_grade": "b",
            "digital_since": 2023,
        },
        by="t",
        now=NOW,
    )
    services.record_annual_figures(
        full,
        book_year=2023,
        values={
            "anggota_pria": 120,
            "anggota_wanita": 98,
            "karyawan": 5,
            "manajer": 1,
            "modal_sendiri": -2500000,
            "modal_luar": 1000000,
            "aset": 750000000,
            "volume_usaha": 120000000,
            "shu": 3500000,
        },
        by="t",
        now=NOW,
    )
    services.record_annual_figures(full, book_year=2022, values={"anggota_pria": 100}, by="t", now=NOW)
    services.record_rat(full, book_year=2022, held_on="2023-03-01", by="t", now=NOW)
    services.record_rat(full, book_year=2023, held_on="2024-05-02", by="t", now=NOW)
    services.create_cooperative({"nik": "6471880000000012", "name": "Koperasi Sederhana"}, by="t", now=NOW)
    rat_only = services.create_cooperative(
        {
            "nik": "6471880000000013",
            "name": "Koperasi RAT Tanpa Tanggal",
            "kecamatan_code": "balikpapan_barat",
        },
        by="t",
        now=NOW,
    )
    db.session.add(RatRecord(cooperative_id=rat_only.id, book_year=2021, held_on=None))
    db.session.flush()


def _cells(path):
    header, rows = read_rows(path)
    return [header] + [[cell_text(c) for c in cells] for _n, cells in rows]


def _wipe():
    db.session.execute(delete(AnnualFigure))
    db.session.execute(delete(RatRecord))
    db.session.execute(delete(Cooperative))
    db.session.flush()
    db.session.expire_all()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_export_gives_identical_cells(tmp_path, fmt):
    """Exporting, importing that file into an empty registry, and exporting again: the same cells."""
    _full_registry()
    first = tmp_path / f"satu.{fmt}"
    assert export_cooperatives(first) == 3
    _wipe()
    report = _import(first)
    assert report.written and report.created == 3, report.errors
    second = tmp_path / f"dua.{fmt}"
    export_cooperatives(second)
    assert _cells(first) == _cells(second)
    assert _cells(first)[0] == list(HEADERS)
    full = [r for r in _cells(first) if r[0] == "0471880000000011"][0]
    assert full[HEADERS.index("Tahun_Buku")] == "2023" and full[HEADERS.index("Modal_Sendiri")] == "-2500000"
    assert full[HEADERS.index("Kecamatan")] == "Balikpapan Kota" and full[HEADERS.index("Grade")] == "B"
    # And importing the export over the registry it came from changes nothing.
    again = _import(second)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_xlsx_export_keeps_nik_as_text(tmp_path):
    """NIK cells in the XLSX export are text, so a leading zero survives Excel."""
    _full_registry()
    path = tmp_path / "ekspor.xlsx"
    export_cooperatives(path)
    sheet = load_workbook(path, read_only=True).worksheets[0]
    niks = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "0471880000000011" in niks


def test_admin_upload_page_refuses_and_accepts(client, login_as, tmp_path):
    """The upload page shows each error with row and column (422), and imports a valid file."""
    login_as("admin")
    db.session.commit()
    before = _registry_state()
    bad = _csv(tmp_path, BAD).read_bytes()
    response = client.post(
        "/admin/koperasi/impor",
        data={"file": (io.BytesIO(bad), "salah.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tidak disimpan" in html and "Kelurahan Manggar ada di Balikpapan Timur" in html
    assert _registry_state() == before
    good = _csv(tmp_path, GOOD).read_bytes()
    response = client.post(
        "/admin/koperasi/impor",
        data={"file": (io.BytesIO(good), "benar.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "Disimpan" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Cooperative.id)).where(Cooperative.nik.like("647188%"))) == 2
    wrong = client.post(
        "/admin/koperasi/impor",
        data={"file": (io.BytesIO(b"x"), "data.txt")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "Hanya berkas .csv atau .xlsx." in wrong.get_data(as_text=True)


def test_admin_export_downloads(client, login_as):
    """The export buttons download CSV and XLSX in the ODS layout."""
    login_as("admin")
    _full_registry()
    response = client.get("/admin/koperasi/ekspor?format=csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text)))[:2] == ["NIK", "Nama_Koperasi"]
    assert client.get("/admin/koperasi/ekspor?format=xlsx").status_code == 200
    assert client.get("/admin/koperasi/ekspor?format=pdf").status_code == 404
