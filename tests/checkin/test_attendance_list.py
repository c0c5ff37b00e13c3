"""Attendance lists (issue 20): per competition and day, who was registered and when each came, as a
signable PDF and as an XLSX through the safe writer."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from harkop.checkin.attendance_list import attendance_pdf, attendance_rows, attendance_xlsx
from harkop.errors import DomainError
from harkop.extensions import db
from harkop.registrations.models import EntryState
from harkop.registrations.tickets import qr_payload
from tests.checkin import factories as f
from tests.pdfpages import read_pdf


@pytest.fixture
def listed(scan):
    """A two-day competition: team A (2 people, one came on day 1 at 09.30), team B (1 person, not yet),
    a withdrawn team; a formula-like team name."""
    comp = f.make_competition(days=(f.DAY1, f.DAY2))
    came = f.make_entry(comp, people=2, team_name="Tim A", names=["Ayu", "Bima"])
    f.make_entry(comp, people=1, team_name='=HYPERLINK("http://x")', names=["Citra"])
    f.make_entry(comp, people=1, team_name="Tim Mundur", names=["Dodi"], state=EntryState.withdrawn)
    db.session.commit()
    scan(qr_payload(came.participants[0].ticket))
    return comp, came


def test_the_list_has_every_confirmed_participant_with_the_time_they_came_that_day(listed):
    """Ayu came at 09.30 on day 1; Bima and Citra did not; the withdrawn team is not on the list; on
    day 2 nobody has come yet; a day the competition does not run is refused (404, coded)."""
    comp, came = listed
    rows = attendance_rows(comp, f.DAY1)
    assert [(r.number, r.name) for r in rows] == [(1, "Citra"), (2, "Ayu"), (3, "Bima")]
    assert [r.admitted_at is not None for r in rows] == [False, True, False]
    assert rows[1].cooperative == came.cooperative.name and rows[1].team == "Tim A"
    assert all(r.admitted_at is None for r in attendance_rows(comp, f.DAY2))
    with pytest.raises(DomainError) as info:
        attendance_rows(comp, date(2024, 7, 30))
    assert (info.value.code, info.value.status) == ("not_a_competition_day", 404)


def test_the_pdf_is_a_signable_a4_list_with_everything_on_the_page(listed):
    """Heading, competition, day; one row per person with team, cooperative and 09.30 for Ayu; a
    "Tanda tangan" column; counts and the committee's signature block; nothing off the page."""
    comp, came = listed
    (page,) = read_pdf(attendance_pdf(comp, f.DAY1))
    assert (round(page.width), round(page.height)) == (595, 842)
    text = page.text
    for fact in ("DAFTAR HADIR PESERTA", comp.name, "Jumat, 26 Juli 2024", "Tanda tangan", "Jam hadir",
                 "Ayu", "Bima", "Citra", "Tim A", came.cooperative.name, "09.30", "Panitia Hari Koperasi",
                 "Terdaftar 3 orang; tercatat hadir di pintu masuk 1 orang."):  # fmt: skip
        assert fact in text, fact
    assert "Dodi" not in text
    assert page.outside(margin=10) == []


def test_a_long_list_runs_over_pages_with_the_heading_on_each(scan):
    """60 participants: several pages, each with the column heads, numbered "Halaman n dari N"."""
    comp = f.make_competition()
    for i in range(12):
        f.make_entry(comp, people=5, team_name=f"Tim {i:02d}")
    db.session.commit()
    pages = read_pdf(attendance_pdf(comp, f.DAY1))
    assert len(pages) >= 3
    assert all("Tanda tangan" in p.text and p.outside(margin=5) == [] for p in pages)
    assert f"Halaman {len(pages)} dari {len(pages)}" in pages[-1].text
    assert sum(p.text.count("Peserta ") for p in pages) == 60


def test_the_xlsx_holds_the_same_rows_and_keeps_formula_like_text_as_text(listed):
    """Header rows, then No / name / team / cooperative / time / signature; "=HYPERLINK(…)" stays text."""
    comp, _came = listed
    sheet = load_workbook(io.BytesIO(attendance_xlsx(comp, f.DAY1))).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "DAFTAR HADIR PESERTA" and values[2][0] == comp.name
    heads = values[5]
    assert list(heads) == ["No", "Nama peserta", "Tim", "Koperasi", "Jam hadir", "Tanda tangan"]
    body = values[6:]
    assert [r[1] for r in body] == ["Citra", "Ayu", "Bima"] and body[1][4] == "09.30"
    formula_cell = sheet.cell(row=7, column=3)
    assert formula_cell.data_type == "s" and not str(formula_cell.value).startswith("=")


def test_staff_download_the_lists_from_their_page(client, login_as, listed):
    """The index lists each competition day with PDF and XLSX links that download; a wrong day is 404."""
    comp, _came = listed
    login_as("checkin_staff")
    page = client.get("/admin/checkin/daftar-hadir").get_data(as_text=True)
    pdf_url = f"/admin/checkin/daftar-hadir/{comp.id}/2024-07-27.pdf"
    assert pdf_url in page and f"/admin/checkin/daftar-hadir/{comp.id}/2024-07-26.xlsx" in page
    response = client.get(pdf_url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "daftar-hadir-" in response.headers["Content-Disposition"]
    xlsx = client.get(f"/admin/checkin/daftar-hadir/{comp.id}/2024-07-26.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get(f"/admin/checkin/daftar-hadir/{comp.id}/2024-08-01.pdf").status_code == 404
    assert client.get(f"/admin/checkin/daftar-hadir/{comp.id}/bukan-tanggal.pdf").status_code == 404
