"""A visitor on a phone looks up a cooperative by NIK and reads its health on the profile."""

from __future__ import annotations

import pytest

from harkop.demo import DEMO_COOP_NIK
from tests.e2e.helpers import open_menu

pytestmark = pytest.mark.browser


def test_visitor_searches_by_nik_opens_profile_and_sees_predikat_and_chart(phone, live_server):
    """On a 390 px Chromium: search the directory by NIK, open the profile, see the predikat and chart."""
    errors: list[str] = []
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))

    phone.goto("/")
    open_menu(phone)
    phone.get_by_role("link", name="Direktori Koperasi").first.click()
    phone.wait_for_url("**/koperasi")
    search = phone.get_by_label("Nama atau NIK koperasi")
    search.fill(DEMO_COOP_NIK)
    with phone.expect_navigation():
        search.press("Enter")
    assert f"q={DEMO_COOP_NIK}" in phone.url
    assert phone.get_by_text("1 koperasi ditemukan").is_visible()
    result = phone.get_by_role("link", name="Koperasi Demo Sejahtera")
    with phone.expect_navigation():
        result.click()

    assert phone.url == f"{live_server.url}/koperasi/{DEMO_COOP_NIK}"
    assert phone.locator("h1").inner_text() == "Koperasi Demo Sejahtera"
    badges = [
        text.replace("✓", "").strip() for text in phone.locator(".profile-head .badge").all_inner_texts()
    ]
    assert "Sehat" in badges, f"predikat badge missing: {badges}"
    assert "Aktif" in badges

    chart = phone.get_by_role("img", name="Skor aspek tahun buku 2023").first
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200, "the chart is drawn at a readable size"
    assert phone.locator("figure.aspect-chart rect.chart-bar").count() >= 4
    table = phone.get_by_role("table", name="Skor aspek tahun buku 2023")
    assert table.is_visible()
    for aspect in ("Tata Kelola", "Profil Risiko", "Kinerja Keuangan", "Permodalan"):
        assert table.get_by_role("rowheader", name=aspect).is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    assert errors == [], f"console errors: {errors}"
