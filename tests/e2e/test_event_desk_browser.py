"""The event desk and the public (issue 20): the registry's figures, the rundown, the big screen and
desk registration, each through its main flow in Chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


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
