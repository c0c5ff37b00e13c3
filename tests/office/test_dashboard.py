"""The office dashboard's aggregates, and that their cost does not grow with the registry."""

from __future__ import annotations

from datetime import date

from harkop.cooperatives import services
from harkop.cooperatives.vocab import CoopStatus, Grade
from harkop.extensions import db
from harkop.office import charts, dashboard, rounds
from tests.office.conftest import NOW
from tests.querycount import counting_queries

TODAY = date(2024, 7, 26)


def registry(make_cooperative):
    """A small registry: RATs on time, late and missing; an assessment; ODS values that differ."""
    a = make_cooperative(kecamatan_code="balikpapan_kota", founded_on=date(2010, 1, 1), ods_grade=Grade.b)
    for year in (2021, 2022, 2023):
        services.record_rat(a, book_year=year, held_on=f"{year + 1}-05-01", by="c", now=NOW)
    services.add_assessment(
        a,
        book_year=2023,
        examined_on="2024-05-14",
        aspects={"tata_kelola": 85, "profil_risiko": 80, "kinerja_keuangan": 82, "permodalan": 90},
        by="c",
        now=NOW,
    )
    b = make_cooperative(
        kecamatan_code="balikpapan_kota", founded_on=date(2010, 1, 1), ods_status=CoopStatus.aktif
    )
    services.record_rat(b, book_year=2023, held_on="2024-07-15", by="c", now=NOW)  # late
    c = make_cooperative(
        kecamatan_code="balikpapan_timur",
        founded_on=date(2010, 1, 1),
        ods_grade=Grade.d,
        ods_status=CoopStatus.aktif,
    )
    d = make_cooperative(founded_on=date(2023, 5, 1))  # did not exist in 2022 and before
    services.recompute_registry(today=TODAY)
    return a, b, c, d


def test_status_by_kecamatan_counts_each_status(make_cooperative):
    """Per kecamatan, active and inactive cooperatives; those without a kecamatan get their own row."""
    registry(make_cooperative)
    rows = {r.label: r for r in dashboard.status_by_kecamatan()}
    assert (rows["Balikpapan Kota"].active, rows["Balikpapan Kota"].inactive) == (2, 0)
    assert (rows["Balikpapan Timur"].active, rows["Balikpapan Timur"].inactive) == (0, 1)
    assert rows["Tanpa kecamatan"].total == 1
    assert rows["Balikpapan Barat"].total == 0


def test_predikat_and_grade_distributions(make_cooperative):
    """The latest predikat per cooperative, and Harkop's grades beside the Ministry's."""
    registry(make_cooperative)
    predikat = {value: n for value, _label, n in dashboard.predikat_distribution()}
    assert predikat["sehat"] == 1 and predikat["belum_dinilai"] == 3
    grades = {label: (h, o) for label, h, o in dashboard.grade_distribution()}
    assert grades["A"] == (1, 0)
    assert grades["B"] == (0, 1)
    assert grades["C2"] == (1, 0)  # one late RAT in three years, founded long ago
    assert grades["D"] == (2, 1)  # no RAT: one founded 2010, one founded 2023


def test_rat_compliance_per_book_year(make_cooperative):
    """On time, late and missing among the cooperatives that existed in each book year."""
    registry(make_cooperative)
    years = {r.book_year: r for r in dashboard.rat_compliance(today=TODAY)}
    assert list(years)[:3] == [2023, 2022, 2021]
    y2023 = years[2023]
    assert (y2023.existing, y2023.on_time, y2023.late, y2023.none) == (4, 1, 1, 2)
    y2022 = years[2022]
    assert (y2022.existing, y2022.on_time, y2022.late, y2022.none) == (3, 1, 0, 2)


def test_disagreements_between_ods_and_harkop(make_cooperative):
    """Only cooperatives with both values, and different ones, count; the list holds exactly them."""
    a, b, c, _d = registry(make_cooperative)
    diff = dashboard.disagreements()
    assert diff.grade == 1 and diff.grade_pairs == [("B", "A", 1)]
    assert diff.status == 1 and diff.status_pairs == [("aktif", "tidak_aktif", 1)]
    assert db.session.scalars(dashboard.disagreement_query("grade")).all() == [a]
    assert db.session.scalars(dashboard.disagreement_query("status")).all() == [c]
    assert b not in db.session.scalars(dashboard.disagreement_query("status")).all()


def test_the_dashboard_runs_the_same_number_of_queries_for_a_bigger_registry(
    client, login_as, make_cooperative
):
    """Aggregates are computed in SQL: ten times the cooperatives, the same number of statements."""
    login_as("admin")
    registry(make_cooperative)
    with counting_queries() as small:
        assert client.get("/admin/dasbor").status_code == 200
    for i in range(40):
        coop = make_cooperative(
            kecamatan_code="balikpapan_utara" if i % 2 else None, founded_on=date(2015, 1, 1)
        )
        rounds.record_field_check(coop, checked_on="2024-03-01", found_at_address=True, by="c", now=NOW)
    with counting_queries() as big:
        assert client.get("/admin/dasbor").status_code == 200
    assert len(big) == len(small)


def test_bar_chart_geometry_scales_to_a_round_maximum():
    """Stacked bars add up to the row's total; the axis ends at a round number above the peak."""
    chart = charts.bar_chart([("Kota", [143, 20]), ("Barat", [36, 5])], [("Aktif", "a"), ("Tidak", "b")])
    assert chart.ticks[-1][1] == "200"
    kota = chart.rows[0]
    assert kota.total == 163 and [b.value for b in kota.bars] == [143, 20]
    assert kota.bars[1].x == round(kota.bars[0].x + kota.bars[0].w, 1)
    assert charts.nice_max(0) == 1 and charts.nice_max(440) == 500 and charts.nice_max(587) == 1000
