"""The public statistics page: the registry's figures for members and the press.

It reads `dashboard.registry_figures`, the same computation as the office dashboard's summary,
so the public page and the office's page can never disagree. No personal data, no login.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from .. import clock, pagecache
from ..auth.decorators import public
from . import charts, dashboard
from .views import bp


def figure_charts(figures: dashboard.RegistryFigures) -> dict[str, charts.Chart]:
    """The statistics page's charts: status per kecamatan and per jenis, predikat, the latest RAT."""
    status_series = [(_("Aktif"), "chart-s-good"), (_("Tidak aktif"), "chart-s-bad")]
    rat = figures.rat
    return {
        "kecamatan": charts.bar_chart(
            [(r.label, [r.active, r.inactive]) for r in figures.by_kecamatan], status_series
        ),
        "jenis": charts.bar_chart(
            [(r.label, [r.active, r.inactive]) for r in figures.by_jenis], status_series
        ),
        "predikat": charts.bar_chart(
            [(label, [n]) for _v, label, n in figures.predikat], [(_("Koperasi"), "chart-s-info")]
        ),
        "rat": charts.bar_chart(
            [(str(rat.book_year), [rat.on_time, rat.late, rat.none])],
            [
                (_("Tepat waktu"), "chart-s-good"),
                (_("Terlambat"), "chart-s-warn"),
                (_("Tidak ada"), "chart-s-bad"),
            ],
        ),
    }


@bp.route("/statistik")
@public
def statistics():
    """The registry's figures for everyone: totals, RAT, predikat, by kecamatan and jenis, with charts."""

    def render() -> str:
        figures = dashboard.registry_figures()
        return render_template("office/statistics.html", figures=figures, charts=figure_charts(figures))

    return pagecache.public_page(("statistik", pagecache.data_version(), clock.today()), render)
