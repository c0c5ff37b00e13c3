"""The event desk and the public (issue 20): the registry's figures, the rundown, the big screen and
desk registration, each through its main flow in Chromium."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import login, open_context, open_menu
from tests.liveserver import DEFAULT_FAKE_NOW

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk_server(live_server_factory):
    """A server of this module's own: its tests add rundown items and register teams."""
    return live_server_factory(DEFAULT_FAKE_NOW, name="event-desk")


def test_visitor_reads_the_registry_figures_on_a_phone(phone):
    """From the menu to /statistik: the published figures, a chart with its table, no sideways scroll."""
    phone.goto("/")
    open_menu(phone)
    phone.get_by_role("link", name="Statistik").first.click()
    phone.wait_for_url("**/statistik")
    figure = {
        name: phone.locator(f'[data-figure="{name}"]').inner_text()
        for name in ("total", "active", "rat_held", "assessed")
    }
    assert figure == {"total": "587", "active": "440", "rat_held": "70", "assessed": "26"}
    assert phone.locator('[data-figure="sehat"]').inner_text() == "6"
    assert phone.locator('[data-figure="cukup_sehat"]').inner_text() == "14"
    assert phone.locator('[data-figure="dalam_pengawasan"]').inner_text() == "6"
    chart = phone.get_by_role("img", name="Koperasi aktif dan tidak aktif per jenis")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    assert phone.get_by_role("region", name="Koperasi per jenis").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"


def test_office_adds_a_stage_item_and_the_visitor_sees_it_with_what_is_on_now(browser, desk_server):
    """The office adds a stage item for 26 July on a laptop; on a phone /jadwal lists it, marks the
    opening as on now (09.00 by the event clock) and the mayor's speech as next."""
    laptop = open_context(browser, desk_server, "laptop")
    page = laptop.new_page()
    login(page, "admin")
    page.goto("/admin/acara")
    page.get_by_role("link", name="Susunan acara").first.click()
    page.get_by_label("Hari").select_option("2024-07-26")
    page.get_by_label("Mulai (WITA)").fill("16:00")
    page.get_by_label("Selesai (WITA)").fill("16:30")
    page.get_by_label("Jenis acara").select_option("panggung")
    page.get_by_label("Nama acara").fill("Tarian daerah dari koperasi sekolah")
    page.get_by_label("Tempat").fill("Panggung Utama Penta Hub")
    with page.expect_navigation():
        page.get_by_role("button", name="Tambahkan").click()
    assert page.get_by_text("ditambahkan ke susunan acara").is_visible()
    laptop.close()

    phone = open_context(browser, desk_server, "phone")
    visitor = phone.new_page()
    visitor.goto("/jadwal")
    now = " ".join(visitor.locator(".rundown-line.is-now").all_inner_texts())
    assert "Upacara pembukaan" in now and "Lomba Display Produk Koperasi" in now
    assert "Sambutan Wali Kota" in visitor.locator(".rundown-line.is-next").inner_text()
    added = visitor.locator(".rundown-line", has_text="Tarian daerah dari koperasi sekolah")
    assert "16.00–16.30" in added.inner_text()
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    phone.close()


def test_big_screen_cycles_and_keeps_the_last_data_when_the_network_drops(browser, desk_server):
    """The office makes a display key; the venue's screen opens its link, shows the check-ins and
    the gate's slide, then keeps showing them when offline and says the data is old."""
    laptop = open_context(browser, desk_server, "laptop")
    page = laptop.new_page()
    login(page, "admin")
    page.goto("/admin/layar")
    page.get_by_label("Nama layar").fill("Layar Atrium")
    with page.expect_navigation():
        page.get_by_role("button", name="Buat kunci layar").click()
    link = page.locator("[data-screen-link]").inner_text().strip()
    laptop.close()

    screen_context = open_context(browser, desk_server, "laptop", viewport={"width": 1920, "height": 1080})
    tv = screen_context.new_page()
    path = link.split(desk_server.url, 1)[1]
    tv.goto(path.replace("/layar#", "/layar?detik=2&ganti=2#"))
    tv.wait_for_selector("#layar[data-state=live]")
    assert "kunci=" not in tv.url, "the key leaves the address bar once read"
    assert tv.locator("#slide-gate").count() == 1, "a valid key adds the gate's slide"
    assert "Tersambung" in tv.locator("#status").inner_text()
    counts = tv.locator("section[aria-labelledby=slide-checkin]").text_content()
    assert "Lomba Masak Sambal Ayam Geprek" in counts
    visible = tv.locator(".slide:not([hidden])")
    assert visible.count() == 1, "one slide at a time"
    first = visible.first.get_attribute("aria-labelledby")
    tv.wait_for_function(
        "first => document.querySelector('.slide:not([hidden])').getAttribute('aria-labelledby') !== first",
        arg=first,
    )

    screen_context.set_offline(True)
    tv.wait_for_selector("#layar[data-state=stale]")
    assert "Tidak tersambung" in tv.locator("#status").inner_text()
    assert (
        "Lomba Masak Sambal Ayam Geprek"
        in tv.locator("section[aria-labelledby=slide-checkin]").text_content()
    ), "the last data stays"
    screen_context.set_offline(False)
    tv.wait_for_selector("#layar[data-state=live]")
    screen_context.close()


def _eligible_walk_in(server) -> tuple[int, str]:
    """The tumpeng competition (27 July, closed to pengurus) and a demo cooperative that may enter it."""
    from sqlalchemy import select

    from harkop.competitions.models import Competition
    from harkop.cooperatives.models import Cooperative
    from harkop.cooperatives.vocab import CoopStatus
    from harkop.extensions import db
    from harkop.registrations.services import check_cooperative

    with server.app_context():
        comp = db.session.scalar(select(Competition).where(Competition.slug == "menghias-tumpeng"))
        for coop in db.session.scalars(
            select(Cooperative).where(Cooperative.status == CoopStatus.aktif).order_by(Cooperative.nik)
        ):
            if check_cooperative(comp, coop.id).eligible:
                return comp.id, coop.nik
    raise AssertionError("the demo should have an eligible cooperative without a tumpeng entry")


def test_the_desk_registers_a_walk_in_team_and_opens_its_ticket_pdf(browser, desk_server):
    """On the first event day the clerk registers a walk-in team from the desk page and gets its
    ticket PDFs on the entry page, ready to print."""
    comp_id, nik = _eligible_walk_in(desk_server)
    laptop = open_context(browser, desk_server, "laptop")
    page = laptop.new_page()
    login(page, "admin")
    page.goto("/admin/meja")
    page.get_by_role("link", name="Daftarkan tim Lomba Menghias Tumpeng").click()
    page.wait_for_url(f"**/admin/lomba/{comp_id}/meja")
    page.get_by_label("NIK koperasi").fill(nik)
    page.get_by_label("Nama tim").fill("Tim Datang Langsung")
    rows = page.locator("fieldset.participant")
    for i, (name, phone) in enumerate(
        [
            ("Rina Walk-in", "081298765401"),
            ("Sari Walk-in", "081298765402"),
            ("Tono Walk-in", "081298765403"),
        ]
    ):
        rows.nth(i).get_by_label("Nama lengkap").fill(name)
        rows.nth(i).get_by_label("Nomor HP").fill(phone)
        rows.nth(i).get_by_label("Peserta setuju datanya diproses").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Daftarkan dan cetak tiket").click()
    assert "/koperasi-saya/pendaftaran/" in page.url, page.locator(".alert, .error").all_inner_texts()
    assert page.get_by_text("terdaftar di meja").is_visible()
    pdf_links = page.get_by_role("link", name="Unduh PDF")
    assert pdf_links.count() == 3
    with page.expect_download() as download:
        pdf_links.first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    laptop.close()


def _entry_count(server, comp_id: int) -> int:
    from sqlalchemy import func, select

    from harkop.extensions import db
    from harkop.registrations.models import Entry

    with server.app_context():
        return db.session.scalar(select(func.count(Entry.id)).where(Entry.competition_id == comp_id))


def test_the_clerk_imports_teams_from_the_downloaded_template(browser, desk_server, tmp_path):
    """The clerk downloads the XLSX template from the import page, fills its example row with a real
    team and uploads it: the desk says the team is registered and the competition lists it. A second
    file with an unknown NIK in row 3 is refused: the page names row 3 and NIK_Koperasi, and the good
    row 2 of that file is not registered either."""
    from openpyxl import load_workbook

    comp_id, nik = _eligible_walk_in(desk_server)
    laptop = open_context(browser, desk_server, "laptop")
    page = laptop.new_page()
    login(page, "admin")
    page.goto("/admin/meja")
    page.get_by_role("link", name="Unggah berkas tim (CSV atau XLSX)").click()
    page.wait_for_url("**/admin/meja/impor")
    assert page.locator("tr[data-column]", has_text="NIK_Koperasi").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh templat XLSX").click()
    assert download.value.suggested_filename == "templat-impor-tim.xlsx"
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    book = load_workbook(template)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]

    def fill(row: int, values: dict[str, str]) -> None:
        for column, value in values.items():
            sheet.cell(row, header.index(column) + 1, value)

    team = {
        "Lomba": "menghias-tumpeng",
        "NIK_Koperasi": nik,
        "Nama_Tim": "Tim Impor Templat",
        "Nama_Peserta_1": "Dewi Impor",
        "HP_Peserta_1": "081298765411",
        "Nama_Peserta_2": "Eka Impor",
        "HP_Peserta_2": "081298765412",
        "Nama_Peserta_3": "Fajar Impor",
        "HP_Peserta_3": "081298765413",
    }
    fill(2, team)
    filled = tmp_path / "tim-terisi.xlsx"
    book.save(filled)
    before = _entry_count(desk_server, comp_id)
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(str(filled))
    with page.expect_navigation():
        page.get_by_role("button", name="Periksa dan daftarkan").click()
    assert page.url.endswith("/admin/meja"), page.locator(".alert, table").all_inner_texts()
    assert page.get_by_text("1 tim didaftarkan dari tim-terisi.xlsx").is_visible()
    assert _entry_count(desk_server, comp_id) == before + 1
    page.goto(f"/admin/lomba/{comp_id}/pendaftar")
    assert page.get_by_text("Tim Impor Templat").first.is_visible()

    other_nik = _eligible_walk_in(desk_server)[1]
    fill(2, {**team, "NIK_Koperasi": other_nik, "Nama_Tim": "Tim Baris Baik"})
    fill(3, {**team, "NIK_Koperasi": "6471999999999999", "Nama_Tim": "Tim Tanpa Koperasi"})
    for n, column in enumerate(("HP_Peserta_1", "HP_Peserta_2", "HP_Peserta_3"), start=21):
        sheet.cell(3, header.index(column) + 1, f"0812987654{n}")
    flawed = tmp_path / "tim-salah.xlsx"
    book.save(flawed)
    page.goto("/admin/meja/impor")
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(str(flawed))
    with page.expect_navigation():
        page.get_by_role("button", name="Periksa dan daftarkan").click()
    assert page.get_by_role("alert").filter(has_text="tidak ada tim yang didaftarkan").is_visible()
    error = page.get_by_role("region", name="Kesalahan per baris").locator("tbody tr")
    assert error.count() == 1
    assert error.first.locator("td").all_inner_texts()[:2] == ["3", "NIK_Koperasi"]
    assert "6471999999999999" in error.first.inner_text()
    assert _entry_count(desk_server, comp_id) == before + 1, "nothing of the refused file is written"
    laptop.close()
