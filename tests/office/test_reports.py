"""Reports for the Province and the Ministry: XLSX, PDF summary, warning letters, the CLI command."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from harkop.cooperatives import services
from harkop.extensions import db
from harkop.office import letters, reports
from harkop.office.models import WarningLetter
from tests.office.conftest import NOW, pdf_text

TODAY = date(2024, 7, 26)


def sample_registry(make_cooperative):
    """Two inactive cooperatives (no RAT for years; not found at the address) and an active one."""
    silent = make_cooperative(
        name="Koperasi Sunyi", founded_on=date(2010, 1, 1), kecamatan_code="balikpapan_barat"
    )
    services.record_rat(silent, book_year=2019, held_on="2020-05-01", by="clerk", now=NOW)
    lost = make_cooperative(
        name="KSP “Hilang” – Jaya", founded_on=date(2010, 1, 1), kecamatan_code="balikpapan_kota"
    )
    for year in (2021, 2022, 2023):
        services.record_rat(lost, book_year=year, held_on=f"{year + 1}-05-01", by="clerk", now=NOW)
    services.set_inactive_reason(lost, "tidak_ditemukan_di_alamat", by="clerk", now=NOW)
    active = make_cooperative(name="Kopkar Aktif", founded_on=date(2010, 1, 1))
    for year in (2021, 2022, 2023):
        services.record_rat(active, book_year=year, held_on=f"{year + 1}-05-01", by="clerk", now=NOW)
    services.recompute_registry(today=TODAY)
    return silent, lost, active


def test_inactive_rows_carry_reasons_and_last_rat_year(make_cooperative):
    """Each inactive cooperative is listed once with its reasons and the last RAT book year."""
    silent, lost, _active = sample_registry(make_cooperative)
    rows = {r.nik: r for r in reports.inactive_rows()}
    assert set(rows) == {silent.nik, lost.nik}
    assert rows[silent.nik].last_rat_year == 2019
    assert rows[silent.nik].reasons == ["Tidak melaksanakan RAT (4 tahun buku berturut-turut)"]
    assert rows[lost.nik].reasons == ["Tidak ditemukan di alamat"] and rows[lost.nik].last_rat_year == 2023


def test_the_xlsx_lists_the_inactive_cooperatives(make_cooperative):
    """openpyxl reads the file back: a header row and one row per inactive cooperative, NIK as text."""
    silent, lost, _active = sample_registry(make_cooperative)
    data = reports.inactive_xlsx(reports.inactive_rows(), reports.summary(today=TODAY))
    book = load_workbook(BytesIO(data))
    sheet = book["Koperasi Tidak Aktif"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("No", "NIK Koperasi", "Nama Koperasi")
    body = {row[1]: row for row in rows[1:]}
    assert set(body) == {silent.nik, lost.nik}
    header = rows[0]
    assert body[silent.nik][header.index("RAT Terakhir (Tahun Buku)")] == 2019
    assert "Tidak ditemukan di alamat" in body[lost.nik][header.index("Alasan Tidak Aktif")]
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Tidak aktif"] == 2 and summary["Aktif"] == 1


def test_the_pdf_summary_is_addressed_to_the_province_and_the_ministry(make_cooperative):
    """A PDF in Indonesian naming both addressees and listing the inactive cooperatives."""
    sample_registry(make_cooperative)
    data = reports.inactive_pdf(reports.inactive_rows(), reports.summary(today=TODAY))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Dinas Koperasi dan UKM Provinsi Kalimantan Timur" in text
    assert "Kementerian Koperasi" in text
    assert "Laporan Koperasi Tidak Aktif" in text
    assert "Koperasi Sunyi" in text
    assert 'KSP "Hilang" - Jaya' in text  # typographic quotes and dashes folded into Latin-1


def issued_letter(make_cooperative, make_user) -> WarningLetter:
    """An issued pembubaran letter for a cooperative without RATs."""
    coop = make_cooperative(name="Koperasi Lalai", founded_on=date(2010, 1, 1), alamat="Jl. Mawar 1")
    services.record_officer(
        coop, position="ketua", name="Pak Ketua", term_start="2020-01-01", by="c", now=NOW
    )
    letters.find_due_warnings(today=TODAY, now=NOW)
    letter = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
    return letters.issue_letter(letter, by=make_user("admin"), now=NOW)


def test_a_warning_letter_pdf_carries_its_number_rule_and_deadline(make_cooperative, make_user):
    """The letter names its number, the addressee, the rule broken, the deadline and the copies."""
    letter = issued_letter(make_cooperative, make_user)
    data = reports.letter_pdf(letter)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert letter.number == "500.3/1/DKUMKMP/2024" and letter.number in text
    assert "Koperasi Lalai" in text and "Pak Ketua" in text
    assert "Nomor 25 Tahun 1992" in text and "Nomor 19 Tahun 2015" in text
    assert "Rencana Pembubaran" in text
    assert "25 Agustus 2024" in text  # deadline: 30 days after 26 July
    assert "Deputi Bidang Pengawasan" in text
    assert reports.letter_file_name(letter) == "surat-teguran-500.3-1-DKUMKMP-2024.pdf"


def test_a_reprint_is_the_same_letter(make_cooperative, make_user):
    """Printing an issued letter twice gives the same bytes (the addressee and date are frozen)."""
    letter = issued_letter(make_cooperative, make_user)
    first = reports.letter_pdf(letter)
    letter.cooperative.name = "Nama Baru"
    assert reports.letter_pdf(letter) == first


def test_the_cli_writes_the_report_and_this_years_letters(
    runner, fake_now, make_cooperative, make_user, tmp_path
):
    """`harkop report-inactive --out DIR` writes a readable XLSX, a PDF and each issued letter."""
    fake_now("2024-07-26T09:00:00+08:00")
    silent, lost, _active = sample_registry(make_cooperative)
    letter = issued_letter(make_cooperative, make_user)
    db.session.commit()
    out = tmp_path / "laporan"
    result = runner.invoke(args=["harkop", "report-inactive", "--out", str(out)])
    assert result.exit_code == 0, result.output
    xlsx = out / "koperasi-tidak-aktif-2024-07-26.xlsx"
    pdf = out / "laporan-koperasi-tidak-aktif-2024-07-26.pdf"
    letter_file = out / "surat-teguran" / "surat-teguran-500.3-1-DKUMKMP-2024.pdf"
    for path in (xlsx, pdf, letter_file):
        assert path.is_file() and str(path) in result.output
    niks = [
        row[1] for row in load_workbook(xlsx)["Koperasi Tidak Aktif"].iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(niks) == sorted([silent.nik, lost.nik, letter.cooperative.nik])
    assert pdf.read_bytes().startswith(b"%PDF")
    assert letter_file.read_bytes().startswith(b"%PDF")
    assert letter.number in pdf_text(letter_file.read_bytes())


def test_the_cli_needs_an_output_folder(runner):
    """Without --out the command fails with a usage message."""
    result = runner.invoke(args=["harkop", "report-inactive"])
    assert result.exit_code != 0 and "--out" in result.output
    assert not Path("--out").exists()


def test_a_long_list_is_cut_in_the_pdf_and_points_to_the_xlsx(make_cooperative, monkeypatch):
    """Past the PDF's list limit the annex says how many it shows and that the XLSX has them all."""
    sample_registry(make_cooperative)
    monkeypatch.setattr(reports, "PDF_LIST_LIMIT", 1)
    text = pdf_text(reports.inactive_pdf(reports.inactive_rows(), reports.summary(today=TODAY)))
    assert "memuat 1 dari 2 koperasi tidak aktif" in text and "XLSX" in text
