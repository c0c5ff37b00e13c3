"""The office's registry pages: forms with errors next to fields, actions, history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from harkop.cooperatives import services
from harkop.cooperatives.models import Cooperative, HealthAssessment, RatRecord
from harkop.cooperatives.vocab import CoopStatus, Jenis, Predikat
from harkop.extensions import db

JULY_26 = "2024-07-26T09:00:00+08:00"


def _keep():
    """Commit the test's setup (a savepoint): a view that rolls back must not undo the fixtures."""
    db.session.commit()


def _error_for(html: str, field_id: str) -> bool:
    return f'id="{field_id}-error"' in html


def test_list_searches_filters_and_pages(client, login_as, make_cooperative):
    """The list finds by name or NIK, keeps filters in the URL and pages 25 at a time."""
    login_as("admin")
    for i in range(30):
        make_cooperative(name=f"Koperasi Halaman {i:02d}", jenis=Jenis.jasa)
    special = make_cooperative(nik="6471555500000001", name="Koperasi Sungai Nangka", jenis=Jenis.konsumen)
    page = client.get("/admin/koperasi?q=halaman&jenis=jasa")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "30 koperasi" in html and "Halaman 1 dari 2" in html
    assert "jenis=jasa" in html and "page=2" in html
    found = client.get("/admin/koperasi?q=6471555500000001").get_data(as_text=True)
    assert special.name in found and "1 koperasi" in found


def test_create_shows_indonesian_errors_next_to_fields(client, login_as):
    """A bad NIK and a kelurahan outside its kecamatan are named next to their fields (422)."""
    login_as("admin")
    _keep()
    response = client.post(
        "/admin/koperasi/baru",
        data={"nik": "12ab", "name": "", "kecamatan_code": "balikpapan_timur", "kelurahan_code": "prapatan"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_for(html, "nik") and "NIK harus 16 angka" in html
    assert _error_for(html, "name") and "Wajib diisi." in html
    response = client.post(
        "/admin/koperasi/baru",
        data={
            "nik": "6471555500000009",
            "name": "Koperasi Baru",
            "kecamatan_code": "balikpapan_timur",
            "kelurahan_code": "prapatan",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_for(html, "kelurahan_code") and "ada di Balikpapan Kota" in html


def test_create_then_edit(client, login_as, make_cooperative):
    """A valid form creates the cooperative; editing changes it and a taken NIK is refused."""
    login_as("admin")
    response = client.post(
        "/admin/koperasi/baru",
        data={"nik": "6471555500000010", "name": "Koperasi Telaga", "jenis": "konsumen", "kuk": "2"},
    )
    assert response.status_code == 302
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == "6471555500000010"))
    assert (coop.jenis, coop.kuk) == (Jenis.konsumen, 2)
    form = client.get(f"/admin/koperasi/{coop.nik}/ubah").get_data(as_text=True)
    assert 'value="Koperasi Telaga"' in form
    other = make_cooperative()
    _keep()
    response = client.post(f"/admin/koperasi/{coop.nik}/ubah", data={"nik": other.nik, "name": "X"})
    assert response.status_code == 422 and "sudah terdaftar" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/koperasi/{coop.nik}/ubah",
        data={"nik": coop.nik, "name": "Koperasi Telaga Sari", "jenis": "jasa"},
    )
    assert response.status_code == 302
    assert (coop.name, coop.jenis) == ("Koperasi Telaga Sari", Jenis.jasa)


def test_record_rat_page(client, login_as, make_cooperative, fake_now):
    """The RAT form records a RAT; a date before the book year ends is named next to the field."""
    fake_now(JULY_26)
    login_as("admin")
    coop = make_cooperative()
    _keep()
    bad = client.post(f"/admin/koperasi/{coop.nik}/rat", data={"book_year": "2023", "held_on": "2023-05-01"})
    assert bad.status_code == 422 and _error_for(bad.get_data(as_text=True), "held_on")
    ok = client.post(f"/admin/koperasi/{coop.nik}/rat", data={"book_year": "2023", "held_on": "2024-05-01"})
    assert ok.status_code == 302
    assert db.session.scalar(select(RatRecord.held_on).where(RatRecord.cooperative_id == coop.id)) == date(
        2024, 5, 1
    )


def test_a_refusal_naming_no_field_answers_422_with_the_message(client, login_as, make_cooperative, fake_now):
    """A second assessment of the same book year without 'ganti' is refused: 422, the form again,
    the service's message at the top, and the first assessment unchanged."""
    fake_now(JULY_26)
    login_as("admin")
    coop = make_cooperative()
    _keep()
    data = {"book_year": "2023", "tata_kelola": "80", "profil_risiko": "80", "kinerja_keuangan": "80"}
    assert (
        client.post(f"/admin/koperasi/{coop.nik}/penilaian", data={**data, "permodalan": "80"}).status_code
        == 302
    )
    again = client.post(f"/admin/koperasi/{coop.nik}/penilaian", data={**data, "permodalan": "10"})
    assert again.status_code == 422 and "sudah ada" in again.get_data(as_text=True)
    row = db.session.scalar(select(HealthAssessment).where(HealthAssessment.cooperative_id == coop.id))
    assert row.permodalan == 80


def test_aspect_assessment_page(client, login_as, make_cooperative, fake_now):
    """Aspect scores with a decimal comma are stored; a score over 100 is named next to its field."""
    fake_now(JULY_26)
    login_as("admin")
    coop = make_cooperative()
    _keep()
    data = {
        "book_year": "2023",
        "tata_kelola": "85,5",
        "profil_risiko": "70",
        "kinerja_keuangan": "80",
        "permodalan": "120",
    }
    bad = client.post(f"/admin/koperasi/{coop.nik}/penilaian", data=data)
    assert bad.status_code == 422 and _error_for(bad.get_data(as_text=True), "permodalan")
    data["permodalan"] = "90"
    ok = client.post(f"/admin/koperasi/{coop.nik}/penilaian", data=data, follow_redirects=True)
    assert "81,65" in ok.get_data(as_text=True)
    row = db.session.scalar(select(HealthAssessment).where(HealthAssessment.cooperative_id == coop.id))
    assert row.examined_on == date(2024, 7, 26) and row.predikat == Predikat.sehat


def test_indicator_assessment_page(client, login_as, make_cooperative, fake_now):
    """The indicator checklist marks unanswered indicators; a full answer is scored."""
    fake_now(JULY_26)
    login_as("admin")
    coop = make_cooperative()
    _keep()
    page = client.get(f"/admin/koperasi/{coop.nik}/penilaian/indikator").get_data(as_text=True)
    assert "Pinjaman ÷ aset produktif" in page
    partial = client.post(
        f"/admin/koperasi/{coop.nik}/penilaian/indikator",
        data={"book_year": "2023", "tk_manajemen__fulfilled": "5", "tk_manajemen__items": "10"},
    )
    html = partial.get_data(as_text=True)
    assert partial.status_code == 422 and _error_for(html, "pm_ekuitas_aset__value")
    data = {"book_year": "2023"}
    for ind in services.indicator_set().indicators:
        if ind.kind == "checklist":
            data[f"{ind.code}__fulfilled"], data[f"{ind.code}__items"] = "8", "10"
        else:
            data[f"{ind.code}__value"] = {"pinjaman_aset_produktif": "70", "ekuitas_aset": "35"}.get(
                ind.band_table, "12"
            )
    ok = client.post(f"/admin/koperasi/{coop.nik}/penilaian/indikator", data=data)
    assert ok.status_code == 302
    row = db.session.scalar(select(HealthAssessment).where(HealthAssessment.cooperative_id == coop.id))
    assert row.indicator_answers["tk_manajemen"]["kategori"] == "sehat"


def test_reason_set_and_clear_pages(client, login_as, make_cooperative):
    """The office marks a cooperative inactive with a reason and lifts it; the list shows status."""
    login_as("admin")
    coop = make_cooperative()
    services.record_rat(coop, book_year=2023, held_on="2024-03-01", by="t")
    _keep()
    assert client.post(f"/admin/koperasi/{coop.nik}/alasan", data={"code": ""}).status_code == 422
    assert (
        client.post(f"/admin/koperasi/{coop.nik}/alasan", data={"code": "tidak_ada_usaha"}).status_code == 302
    )
    assert coop.status == CoopStatus.tidak_aktif
    again = client.post(f"/admin/koperasi/{coop.nik}/alasan", data={"code": "tidak_ada_usaha"})
    assert again.status_code == 422 and "belum dicabut" in again.get_data(as_text=True)
    reason = coop.open_reasons[0]
    assert client.post(f"/admin/koperasi/{coop.nik}/alasan/{reason.id}/cabut").status_code == 302
    assert coop.status == CoopStatus.aktif
    detail = client.get(f"/admin/koperasi/{coop.nik}").get_data(as_text=True)
    assert "Tidak ada kegiatan usaha" in detail and "Berlaku" not in detail


def test_history_page_shows_who_and_what(client, login_as, make_cooperative):
    """The history lists changes with the actor and the values before and after."""
    admin = login_as("admin")
    coop = make_cooperative()
    client.post(f"/admin/koperasi/{coop.nik}/ubah", data={"nik": coop.nik, "name": "Nama Baru Sekali"})
    html = client.get(f"/admin/koperasi/{coop.nik}/riwayat").get_data(as_text=True)
    assert "cooperative.updated" in html and admin.username in html and "Nama Baru Sekali" in html


def test_officer_and_figures_pages(client, login_as, make_cooperative):
    """Management terms and yearly figures are entered through their forms."""
    login_as("admin")
    coop = make_cooperative()
    assert (
        client.post(
            f"/admin/koperasi/{coop.nik}/pengurus",
            data={"position": "ketua", "name": "Bu Rina", "term_start": "2023-01-01"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/admin/koperasi/{coop.nik}/angka-tahunan", data={"book_year": "2023", "anggota_pria": "12"}
        ).status_code
        == 302
    )
    detail = client.get(f"/admin/koperasi/{coop.nik}").get_data(as_text=True)
    assert "Bu Rina" in detail and ">12<" in detail


def test_import_page_explains_every_column_and_names_no_source_file(client, login_as):
    """Issue 21: the import page lists every column of the layout with what goes in it, from the
    one place that defines them, and points to no file of the source tree."""
    from harkop.cooperatives.spreadsheet import COLUMNS

    login_as("admin")
    html = client.get("/admin/koperasi/impor").get_data(as_text=True)
    assert html.count("data-column") == len(COLUMNS)
    for col in COLUMNS:
        assert f"<code>{col.header}</code>" in html
    assert "docs/" not in html and "flask --app" not in html


def test_import_template_downloads_have_the_header_row_and_import_cleanly(client, login_as, tmp_path):
    """The template (XLSX and CSV) is the header row of every column, and the import reads it as
    a file with no rows and no error."""
    from harkop.cooperatives.importer import import_cooperatives
    from harkop.cooperatives.spreadsheet import HEADERS, read_rows

    user = login_as("admin")
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/admin/koperasi/impor/templat.{fmt}")
        assert response.status_code == 200
        path = tmp_path / f"templat.{fmt}"
        path.write_bytes(response.data)
        header, rows = read_rows(path, fmt)
        assert tuple(header) == HEADERS and list(rows) == []
        report = import_cooperatives(path, by=user, fmt=fmt, dry_run=True)
        assert report.error_count == 0
    assert client.get("/admin/koperasi/impor/templat.ods").status_code == 404
