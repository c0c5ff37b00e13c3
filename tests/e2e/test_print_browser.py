"""Printing and verifying in a real browser (issue 20): the office downloads a competition's tickets
four to an A4 sheet and prints every certificate; the gate staff print a signable attendance list;
a visitor types a certificate's code and sees what the office recorded."""

from __future__ import annotations

import pytest
import zxingcpp

from tests.e2e.helpers import login
from tests.e2e.pages import PUBLISHED_SLUG, competition_id
from tests.pdfpages import read_pdf

pytestmark = pytest.mark.browser


def test_the_office_prints_all_tickets_and_all_certificates(new_context, live_server, tmp_path):
    """Entries page → "Semua tiket (PDF, 4 per A4)": A4 sheets, every QR decodes; monitor → "Cetak semua
    piagam": one page per certificate, each QR a verification link."""
    page = new_context("laptop", accept_downloads=True).new_page()
    login(page, "admin")
    comp_id = competition_id(live_server, PUBLISHED_SLUG)
    page.goto(f"/admin/lomba/{comp_id}/pendaftar")
    with page.expect_download() as download:
        page.get_by_role("link", name="Semua tiket (PDF, 4 per A4)").click()
    download.value.save_as(tmp_path / "t.pdf")
    sheets = read_pdf((tmp_path / "t.pdf").read_bytes())
    assert sheets and all(round(p.width) == 595 for p in sheets)
    codes = [zxingcpp.read_barcodes(i.image)[0].text for p in sheets for i in p.images]
    assert codes and all(c.startswith("HK1:") for c in codes)
    assert all(p.outside(margin=5) == [] for p in sheets)

    page.goto(f"/penilaian/{comp_id}/pantau")
    with page.expect_download() as download:
        page.get_by_role("link", name="Cetak semua piagam (PDF)").click()
    download.value.save_as(tmp_path / "p.pdf")
    pages = read_pdf((tmp_path / "p.pdf").read_bytes())
    links = [zxingcpp.read_barcodes(p.images[0].image)[0].text for p in pages]
    assert pages and all("/verifikasi/" in link for link in links)


def test_a_visitor_checks_a_certificate_by_its_code(new_context, live_server):
    """The code typed in lower case with dashes opens its page: valid, with the holder and award; a
    made-up code is said to be unknown."""
    from harkop.competitions.models import Competition
    from harkop.extensions import db
    from harkop.judging.certificates import format_code, valid_certificates

    with live_server.app_context():
        comp = db.session.get(Competition, competition_id(live_server, PUBLISHED_SLUG))
        cert = next(c for c in valid_certificates(comp) if c.award == "Juara 1")
        code, name = cert.code, cert.name
    page = new_context("phone").new_page()
    page.goto("/verifikasi")
    page.get_by_label("Kode piagam").fill(format_code(code).lower())
    page.get_by_role("button", name="Periksa").click()
    page.wait_for_url(f"**/verifikasi/{code}")
    assert page.locator("[data-verdict=valid]").is_visible()
    assert page.locator("[data-fact=name]").inner_text() == name
    assert page.locator("[data-fact=award]").inner_text() == "Juara 1"
    page.get_by_label("Kode piagam").fill("ABCD-EFGH-JKMN-PQRZ")
    page.get_by_role("button", name="Periksa").click()
    page.locator("[data-verdict=unknown]").wait_for()


def test_gate_staff_print_the_attendance_list_of_the_morning(new_context, live_server, tmp_path):
    """Dashboard → "Daftar hadir" → the cooking competition's PDF for 26 July: A4, the signature column,
    the names of the demo's checked-in participants with their times; the XLSX downloads too."""
    from openpyxl import load_workbook

    page = new_context("laptop", accept_downloads=True).new_page()
    login(page, "petugas")
    page.goto("/checkin/dasbor")
    page.get_by_role("link", name="Daftar hadir untuk ditandatangani (PDF, XLSX) →").click()
    page.wait_for_url("**/admin/checkin/daftar-hadir")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF Lomba Masak Sambal Ayam Geprek, Jumat, 26 Juli 2024").click()
    download.value.save_as(tmp_path / "hadir.pdf")
    pages = read_pdf((tmp_path / "hadir.pdf").read_bytes())
    text = "\n".join(p.text for p in pages)
    assert (
        "DAFTAR HADIR PESERTA" in text and "Tanda tangan" in text and "Lomba Masak Sambal Ayam Geprek" in text
    )
    assert "06." in text  # the demo's morning check-ins (from 06.00)
    assert all(p.outside(margin=5) == [] for p in pages)
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX Lomba Masak Sambal Ayam Geprek, Jumat, 26 Juli 2024").click()
    download.value.save_as(tmp_path / "hadir.xlsx")
    rows = list(load_workbook(tmp_path / "hadir.xlsx").active.iter_rows(values_only=True))
    assert rows[0][0] == "DAFTAR HADIR PESERTA" and len(rows) > 7


def test_the_office_prints_badges_and_a_judge_checks_in_with_theirs(new_context, live_server, tmp_path):
    """Badges page → the judges' badges four per A4 → the QR of the demo judge's badge, typed at the
    staff check-in page by the gate staff, admits them ("Diterima masuk"); a second time says already in."""
    office = new_context("laptop", accept_downloads=True).new_page()
    login(office, "admin")
    office.goto("/admin/lencana")
    with office.expect_download() as download:
        office.get_by_role("link", name="Lencana Juri (4 per A4)").click()
    download.value.save_as(tmp_path / "lencana.pdf")
    sheets = read_pdf((tmp_path / "lencana.pdf").read_bytes())
    badge = next(p for p in sheets if "Juri (demo)" in p.text)
    codes = [zxingcpp.read_barcodes(i.image)[0].text for i in badge.images]
    assert codes and all(c.startswith("HKS:") for c in codes)
    assert all(p.outside(margin=4) == [] for p in sheets)

    from harkop.auth.services import get_user
    from harkop.checkin.badges import pass_for, payload
    from harkop.competitions.services import current_event

    with live_server.app_context():
        code = payload(pass_for(get_user("juri"), current_event()))
    assert code in codes
    gate = new_context("phone").new_page()
    login(gate, "petugas")
    gate.goto("/checkin/staf")
    gate.get_by_label("Kode lencana").fill(code)
    gate.get_by_role("button", name="Periksa lencana").click()
    gate.locator("[data-staff-verdict=checked_in]").wait_for()
    assert "Juri (demo)" in gate.locator("[data-staff-verdict]").inner_text()
    gate.get_by_label("Kode lencana").fill(code)
    gate.get_by_role("button", name="Periksa lencana").click()
    gate.locator("[data-staff-verdict=already]").wait_for()


def test_the_office_prints_a_big_competitions_tickets_in_the_background(new_context, live_server, tmp_path):
    """62 tickets (more than the limit of 60): "Semua tiket (PDF, 4 per A4)" opens an offer, "Buat PDF"
    queues the job and shows its progress; once the scheduler has run it the page offers the PDF
    (16 A4 sheets, every QR a ticket) and lists it among the recent print jobs."""
    from sqlalchemy import select

    from harkop.cooperatives.models import ImportJob
    from harkop.extensions import db
    from tests.e2e.pages import BIG_TEAMS, big_competition_id

    comp_id = big_competition_id(live_server)
    page = new_context("laptop", accept_downloads=True).new_page()
    login(page, "admin")
    page.goto(f"/admin/lomba/{comp_id}/pendaftar")
    page.get_by_role("link", name="Semua tiket (PDF, 4 per A4)").click()
    page.get_by_role("heading", name="Tiket Lomba Cerdas Cermat Koperasi").wait_for()
    assert "62 kartu" in page.locator("main").inner_text()
    page.get_by_role("button", name="Buat PDF").click()
    page.wait_for_url("**/admin/cetak/*")
    page.locator("progress").wait_for()
    assert "Menunggu giliran di penjadwal" in page.locator("#kemajuan-teks").inner_text()

    job_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    with live_server.app_context():
        job = db.session.scalar(select(ImportJob).where(ImportJob.id == job_id))
        assert job.kind == "print_tickets" and job.report["params"]["layout"] == "a4"
    assert live_server.run_background_job(job_id) == "done"

    # The page polls its status and reloads itself when the job is done.
    page.get_by_text(f"PDF selesai: {2 * BIG_TEAMS} kartu.").wait_for(timeout=15_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh PDF", exact=True).click()
    download.value.save_as(tmp_path / "besar.pdf")
    sheets = read_pdf((tmp_path / "besar.pdf").read_bytes())
    assert len(sheets) == 16 and all(round(p.width) == 595 for p in sheets)
    codes = [zxingcpp.read_barcodes(i.image)[0].text for p in sheets for i in p.images]
    assert len(codes) == 62 and all(c.startswith("HK1:") for c in codes)
    recent = page.get_by_role("region", name="Cetakan terakhir")
    assert recent.get_by_role("link", name="tiket-cerdas-cermat-koperasi-a4.pdf").first.is_visible()
