"""Issue 20, the desk's teams import in the background: a file of many teams goes to the scheduler's
queue; the clerk's job page shows it waiting, then (the page polls) the report, in Chromium."""

from __future__ import annotations

import io

import pytest

from tests.e2e.helpers import login, open_context
from tests.liveserver import DEFAULT_FAKE_NOW

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def bg_server(live_server_factory, tmp_path_factory):
    """A server of this module's own whose teams files of 2 rows or more go to the background; the
    test's app shares its upload folder, so the test can run the queue as the scheduler would."""
    uploads = tmp_path_factory.mktemp("desk-import-uploads")
    server = live_server_factory(
        DEFAULT_FAKE_NOW,
        name="desk-import-background",
        env={"HARKOP_UPLOAD_DIR": str(uploads), "HARKOP_TEAM_IMPORT_BACKGROUND_ROWS": "2"},
    )
    server.make_app().config["HARKOP_UPLOAD_DIR"] = str(uploads)
    return server


def _tumpeng_and_eligible(server, count: int) -> tuple[int, list[str]]:
    """The tumpeng competition and `count` demo cooperatives that may still enter it."""
    from sqlalchemy import select

    from harkop.competitions.models import Competition
    from harkop.cooperatives.models import Cooperative
    from harkop.cooperatives.vocab import CoopStatus
    from harkop.extensions import db
    from harkop.registrations.services import check_cooperative

    with server.app_context():
        comp = db.session.scalar(select(Competition).where(Competition.slug == "menghias-tumpeng"))
        niks = []
        for coop in db.session.scalars(
            select(Cooperative).where(Cooperative.status == CoopStatus.aktif).order_by(Cooperative.nik.desc())
        ):
            if check_cooperative(comp, coop.id).eligible:
                niks.append(coop.nik)
            if len(niks) == count:
                return comp.id, niks
    raise AssertionError("the demo should have enough eligible cooperatives")


def _teams_file(niks: list[str], bad_phone_row: int | None = None) -> bytes:
    """A clerk's workbook: one team of three per NIK; `bad_phone_row` gets a bad first phone."""
    from openpyxl import Workbook

    book = Workbook()
    header = ["Lomba", "NIK_Koperasi", "Nama_Tim", "Persetujuan_Data"]
    for n in (1, 2, 3):
        header += [f"Nama_Peserta_{n}", f"HP_Peserta_{n}"]
    book.active.append(header)
    for i, nik in enumerate(niks):
        row = ["menghias-tumpeng", nik, f"Tim Latar {i + 1}", "ya"]
        for n in (1, 2, 3):
            phone = "0812" if (bad_phone_row == i + 2 and n == 1) else f"08129876{i:02d}{n:02d}"
            row += [f"Peserta {i + 1}-{n}", phone]
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _run_queue(server) -> None:
    """What the scheduler does every few seconds: run the queued jobs."""
    from harkop.cooperatives.import_jobs import run_pending

    with server.app_context():
        assert run_pending("browser-test") == 1


def _entries(server, comp_id: int) -> int:
    from sqlalchemy import func, select

    from harkop.extensions import db
    from harkop.registrations.models import Entry

    with server.app_context():
        return db.session.scalar(select(func.count(Entry.id)).where(Entry.competition_id == comp_id))


def _upload(page, name: str, data: bytes) -> None:
    page.goto("/admin/meja/impor")
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Periksa dan daftarkan").click()


def test_a_large_teams_file_runs_in_the_background_and_its_page_shows_the_report(browser, bg_server):
    """Three teams: the page says the import runs in the background and shows it waiting; once the
    scheduler has run it, the page (polling) shows the three teams registered. A second file with
    a bad phone in row 3 ends with that row and column named, and nothing of it registered."""
    comp_id, niks = _tumpeng_and_eligible(bg_server, 5)
    before = _entries(bg_server, comp_id)
    laptop = open_context(browser, bg_server, "laptop")
    page = laptop.new_page()
    login(page, "admin")

    _upload(page, "tim-banyak.xlsx", _teams_file(niks[:3]))
    assert "/admin/meja/impor/" in page.url
    assert page.get_by_text("impor tim berjalan di latar belakang").is_visible()
    assert page.get_by_role("status").filter(has_text="Menunggu giliran di penjadwal").is_visible()
    assert _entries(bg_server, comp_id) == before, "nothing is written before the job runs"
    _run_queue(bg_server)
    page.wait_for_selector("[data-team-import-written]", timeout=15_000)
    assert "3 tim didaftarkan dari tim-banyak.xlsx" in page.locator("[data-team-import-written]").inner_text()
    assert page.locator("[data-import-job]").count() == 0
    assert _entries(bg_server, comp_id) == before + 3

    _upload(page, "tim-salah.xlsx", _teams_file(niks[3:], bad_phone_row=3))
    _run_queue(bg_server)
    page.wait_for_selector("[role=alert] >> text=tidak ada tim yang didaftarkan", timeout=15_000)
    cells = page.get_by_role("region", name="Kesalahan per baris").locator("tbody tr").first.locator("td")
    assert cells.all_inner_texts()[:2] == ["3", "HP_Peserta_1"]
    assert _entries(bg_server, comp_id) == before + 3, "the refused file wrote nothing"
    laptop.close()
