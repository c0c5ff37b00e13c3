"""The update round in a real browser: a pengurus sends a new RAT with its minutes from a phone, the
office approves it on a laptop, and the public profile shows the new RAT year and grade."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import login, open_context
from tests.liveserver import DEFAULT_FAKE_NOW

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REP = "pengurus-e2e"


@pytest.fixture(scope="module")
def server(live_server_factory, tmp_path_factory):
    """A server of this module's own (its data changes), storing uploads in a temporary folder."""
    uploads = tmp_path_factory.mktemp("office-uploads")
    return live_server_factory(DEFAULT_FAKE_NOW, name="office", env={"HARKOP_UPLOAD_DIR": str(uploads)})


@pytest.fixture(scope="module")
def cooperative(server) -> dict:
    """An active demo cooperative with RATs for 2021 and 2022 but not 2023 (grade B), and a pengurus
    account for it."""
    from sqlalchemy import select

    from harkop.auth.services import create_user
    from harkop.cooperatives.models import Cooperative, RatRecord
    from harkop.cooperatives.vocab import CoopStatus, Grade
    from harkop.extensions import db

    with server.app_context():

        def has(year: int):
            return (
                select(RatRecord.id)
                .where(RatRecord.cooperative_id == Cooperative.id, RatRecord.book_year == year)
                .exists()
            )

        coop = db.session.scalars(
            select(Cooperative)
            .where(
                Cooperative.status == CoopStatus.aktif,
                Cooperative.grade == Grade.b,
                has(2021),
                has(2022),
                ~has(2023),
            )
            .order_by(Cooperative.nik)
            .limit(1)
        ).first()
        assert coop is not None, "the demo registry should hold a grade B cooperative missing its 2023 RAT"
        create_user(username=REP, role="coop_rep", password="harkop2024", cooperative_id=coop.id, by="e2e")
        db.session.commit()
        return {"nik": coop.nik, "name": coop.name}


def test_a_new_rat_goes_from_the_pengurus_through_the_office_to_the_public_profile(
    browser, server, cooperative
):
    """Submit (phone) → approve (laptop) → the profile lists RAT 2023 and grade A, verified today."""
    phone = open_context(browser, server, "phone")
    laptop = open_context(browser, server, "laptop")
    visitor = open_context(browser, server, "phone")
    try:
        rep = phone.new_page()
        login(rep, REP)
        rep.goto("/koperasi-saya/pemutakhiran")
        rep.get_by_role("link", name=re.compile("Kirim usulan pemutakhiran")).click()
        rep.locator("#rat_book_year").fill("2023")
        rep.locator("#rat_held_on").fill("2024-05-02")
        rep.locator("#rat_notes").fill("Dihadiri 64 anggota")
        rep.locator("#minutes").set_input_files(
            files=[{"name": "berita-acara-rat-2023.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        with rep.expect_navigation():
            rep.get_by_role("button", name="Kirim usulan").click()
        assert re.search(r"/koperasi-saya/pemutakhiran/\d+$", rep.url)
        assert "Menunggu pemeriksaan Dinas" in rep.content()

        office = laptop.new_page()
        login(office, "admin")
        office.goto("/admin/pemutakhiran/usulan")
        row = office.locator("tr", has_text=cooperative["name"])
        row.get_by_role("link", name=re.compile("Periksa")).click()
        assert "2023" in office.locator("main").inner_text()
        with office.expect_navigation():
            office.get_by_role("button", name="Setujui dan terapkan").click()
        assert "disetujui" in office.locator(".flashes").inner_text()

        public = visitor.new_page()
        public.goto(f"/koperasi/{cooperative['nik']}")
        history = public.locator("table", has=public.locator("caption", has_text="Riwayat RAT"))
        assert history.locator("tbody tr").first.locator("td").first.inner_text().strip() == "2023"
        assert "Grade A untuk tahun buku 2023" in public.locator("main").inner_text()
        verified = public.locator("section", has=public.locator("h2", has_text="Terakhir diverifikasi"))
        assert "26 Juli 2024" in verified.inner_text()

        rep.goto("/notifikasi")
        assert "Usulan pemutakhiran data disetujui" in rep.locator("main").inner_text()
    finally:
        for context in (phone, laptop, visitor):
            context.close()
