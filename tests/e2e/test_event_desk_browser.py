"""The event desk and the public (issue 20): the registry's figures, the rundown, the big screen and
desk registration, each through its main flow in Chromium."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import login, open_context
from tests.liveserver import DEFAULT_FAKE_NOW

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk_server(live_server_factory):
    """A server of this module's own: its tests add rundown items and register teams."""
    return live_server_factory(DEFAULT_FAKE_NOW, name="event-desk")


def test_visitor_reads_the_registry_figures_on_a_phone(phone):
    """From the menu to /statistik: the published figures, a chart with its table, no sideways scroll."""
    phone.goto("/")
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
    now = visitor.locator(".rundown-line.is-now")
    assert now.count() == 1 and "Upacara pembukaan" in now.inner_text()
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
