"""The public statistics page: the demo's published figures, and the same numbers as the dashboard."""

from __future__ import annotations

import re

from harkop.demo import seed_demo
from harkop.office import dashboard
from tests.office.conftest import FAKE_NOW

PUBLISHED = {
    "total": 587,
    "active": 440,
    "inactive": 147,
    "rat_held": 70,
    "assessed": 26,
    "sehat": 6,
    "cukup_sehat": 14,
    "dalam_pengawasan": 6,
    "dalam_pengawasan_khusus": 0,
}


def figures_on(html: str) -> dict[str, int]:
    """The headline figures a page shows (its data-figure elements), as whole numbers."""
    found = re.findall(r'data-figure="([a-z_]+)">([\d.,]+)<', html)
    return {name: int(re.sub(r"[.,]", "", value)) for name, value in found}


def test_registry_figures_tell_the_published_demo_numbers(fake_now):
    """The demo on 26 July 2024: 587, 440 active, 70 RATs held for 2023, 26 assessed (6/14/6)."""
    fake_now(FAKE_NOW)
    seed_demo()
    figures = dashboard.registry_figures()
    assert (figures.total, figures.active, figures.inactive) == (587, 440, 147)
    assert (figures.rat.book_year, figures.rat.held) == (2023, 70)
    assert figures.assessed == 26
    assert [figures.predikat_count(p) for p in ("sehat", "cukup_sehat", "dalam_pengawasan")] == [6, 14, 6]
    assert sum(r.total for r in figures.by_kecamatan) == 587
    assert sum(r.total for r in figures.by_jenis) == 587
    assert sum(r.active for r in figures.by_jenis) == 440


def test_statistics_page_and_dashboard_show_the_same_figures(fake_now, client, login_as):
    """/statistik (no login) shows exactly the published figures, and the office dashboard the same."""
    fake_now(FAKE_NOW)
    seed_demo()
    public_page = client.get("/statistik")
    assert public_page.status_code == 200
    public_figures = figures_on(public_page.get_data(as_text=True))
    assert public_figures == PUBLISHED
    login_as("admin")
    office_page = client.get("/admin/dasbor")
    assert office_page.status_code == 200
    assert figures_on(office_page.get_data(as_text=True)) == public_figures


def test_statistics_page_has_charts_with_their_tables(fake_now, client):
    """Each chart (kecamatan, jenis, predikat, RAT) is an SVG with a table of its numbers beside it."""
    fake_now(FAKE_NOW)
    seed_demo()
    html = client.get("/statistik").get_data(as_text=True)
    for chart in ("chart-kecamatan", "chart-jenis", "chart-predikat", "chart-rat"):
        assert f'aria-labelledby="{chart}-title"' in html
    assert html.count("<table>") == 4
    assert "Balikpapan Kota" in html and "Simpan Pinjam" in html


def test_statistics_page_of_an_empty_registry(client):
    """With no cooperative the page still answers, with zeros."""
    html = client.get("/statistik").get_data(as_text=True)
    assert figures_on(html)["total"] == 0
