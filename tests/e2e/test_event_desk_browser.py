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
