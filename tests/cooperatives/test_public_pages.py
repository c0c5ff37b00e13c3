"""Public directory and profile: search, filters in the URL, the aspect chart, no personal data."""

from __future__ import annotations

import re

from harkop.cooperatives import services
from harkop.cooperatives.vocab import Jenis

JULY_26 = "2024-07-26T09:00:00+08:00"
ASPECTS = {"tata_kelola": 85, "profil_risiko": 70, "kinerja_keuangan": 80, "permodalan": 90}


def _rich_cooperative(make_cooperative):
    coop = make_cooperative(
        nik="6471444400000001",
        name="Koperasi Profil Lengkap",
        jenis=Jenis.konsumen,
        kecamatan_code="balikpapan_utara",
        kelurahan_code="batu_ampar",
        alamat="Jl. Rahasia Rumah Pribadi No. 9",
        phone="0812-3456-7890",
        email="bendahara.pribadi@example.com",
    )
    services.record_rat(coop, book_year=2023, held_on="2024-04-20", by="t")
    services.record_rat(coop, book_year=2022, held_on="2023-08-01", by="t")
    services.add_assessment(coop, book_year=2023, examined_on="2024-05-14", aspects=ASPECTS, by="t")
    services.record_officer(
        coop,
        position="ketua",
        name="Ibu Sumiati Pribadi",
        phone="0813-1111-2222",
        term_start="2022-01-01",
        by="t",
    )
    services.set_inactive_reason(coop, "pengurus_tidak_kompak", note="Catatan internal sensitif", by="t")
    return coop


def test_directory_finds_by_name_and_nik_with_filters_in_the_url(client, make_cooperative, fake_now):
    """Search by a piece of the name or by NIK; the pager keeps the filters."""
    fake_now(JULY_26)
    coop = _rich_cooperative(make_cooperative)
    for i in range(25):
        make_cooperative(name=f"Koperasi Direktori {i:02d}", jenis=Jenis.jasa)
    html = client.get("/koperasi?q=profil lengk").get_data(as_text=True)
    assert coop.name in html and "1 koperasi ditemukan" in html
    html = client.get(f"/koperasi?q={coop.nik}").get_data(as_text=True)
    assert f'href="/koperasi/{coop.nik}"' in html
    html = client.get("/koperasi?q=direktori&jenis=jasa").get_data(as_text=True)
    assert "25 koperasi ditemukan" in html and "Halaman 1 dari 2" in html
    assert re.search(r'href="/koperasi\?[^"]*jenis=jasa[^"]*page=2', html) or re.search(
        r'href="/koperasi\?[^"]*page=2[^"]*jenis=jasa', html
    )
    empty = client.get("/koperasi?q=tidakadanamaini").get_data(as_text=True)
    assert "Tidak ada koperasi yang cocok" in empty
    # An unknown filter value is ignored rather than an error.
    assert client.get("/koperasi?status=hidup").status_code == 200


def test_profile_shows_standing_rat_history_and_the_aspect_chart(client, make_cooperative, fake_now):
    """Status with its public reason, grade, RAT history, predikat, the SVG chart and its numbers."""
    fake_now(JULY_26)
    coop = _rich_cooperative(make_cooperative)
    response = client.get(f"/koperasi/{coop.nik}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tidak Aktif" in html and "Pengurus tidak kompak" in html
    assert "Sehat" in html and "81,50" in html
    assert "<svg" in html and 'role="img"' in html and "chart-bar" in html
    for label, score in (("Tata Kelola", "85,00"), ("Profil Risiko", "70,00"), ("Kinerja Keuangan", "80,00")):
        assert label in html and score in html
    assert "2022" in html and "Terlambat" in html  # the 2022 RAT was held after 30 June 2023
    assert "Belum ada prestasi tercatat" in html
    assert "Batu Ampar" in html and "Balikpapan Utara" in html


def test_profile_shows_no_personal_data(client, make_cooperative, fake_now):
    """No phone numbers, e-mail, street address, management names or office notes on the profile."""
    fake_now(JULY_26)
    coop = _rich_cooperative(make_cooperative)
    html = client.get(f"/koperasi/{coop.nik}").get_data(as_text=True)
    for secret in (
        "0812-3456-7890",
        "0813-1111-2222",
        "bendahara.pribadi@example.com",
        "Jl. Rahasia",
        "Ibu Sumiati",
        "Catatan internal",
    ):
        assert secret not in html
    assert not re.search(r"\b08\d{2}[- ]?\d{3,4}[- ]?\d{3,4}\b", html)
    directory = client.get(f"/koperasi?q={coop.nik}").get_data(as_text=True)
    assert "0812-3456-7890" not in directory and "Jl. Rahasia" not in directory


def test_profile_lists_achievements_when_judging_wrote_some(client, make_cooperative):
    """Achievements written through record_achievement appear on the profile."""
    coop = make_cooperative()
    services.record_achievement(
        coop.id,
        title="Juara 1",
        competition_name="Lomba Tumpeng",
        event_name="Harkop 2024",
        year=2024,
        source_ref="r:1",
    )
    html = client.get(f"/koperasi/{coop.nik}").get_data(as_text=True)
    assert "Juara 1" in html and "Lomba Tumpeng" in html and "Belum ada prestasi" not in html


def test_unknown_profile_is_404(client):
    """A NIK that is not in the registry gets the 404 page."""
    assert client.get("/koperasi/0000000000000000").status_code == 404
