"""From login to a printed ticket on a phone: an inactive cooperative is refused with the reason,
an eligible one registers a team, opens a participant's ticket page and downloads the PDF.

The server's clock is 10 July 2024, inside the demo's registration window (1–20 July).
"""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from tests.e2e.helpers import login

pytestmark = pytest.mark.browser

INACTIVE_USER = "pengurus-nonaktif"
PASSWORD = "rahasia-uji-123"


@pytest.fixture(scope="module")
def live_server(live_server_factory):
    """A server of this module's own (it registers teams), inside the registration window."""
    return live_server_factory("2024-07-10T10:00:00+08:00", name="registration")


@pytest.fixture(scope="module")
def yel_yel(live_server) -> int:
    """A competition open on 10 July that asks for an active cooperative with a 2023 RAT, and a
    pengurus account for one of the registry's inactive cooperatives."""
    from datetime import date, datetime, time

    from harkop import clock
    from harkop.auth.services import create_user
    from harkop.competitions import services as competitions
    from harkop.cooperatives.services import all_cooperative_facts
    from harkop.extensions import db

    with live_server.app_context():
        event = competitions.event_by_slug("harkop-2024")
        comp = competitions.save_competition(
            event,
            None,
            {
                "name": "Lomba Yel-Yel Koperasi",
                "slug": "yel-yel-koperasi-e2e",
                "days": [date(2024, 7, 28)],
                "starts_at": time(15, 0),
                "ends_at": time(16, 0),
                "place": "Panggung Utama Penta Hub",
                "team_kind": "team",
                "min_team_size": 2,
                "max_team_size": 4,
                "capacity": 10,
                "registration_opens_at": datetime(2024, 7, 1, tzinfo=clock.WITA),
                "registration_closes_at": datetime(2024, 7, 21, tzinfo=clock.WITA),
                "require_active": True,
                "require_rat_previous_year": True,
            },
            by="e2e",
        )
        competitions.transition_competition(comp, "open", by="e2e")
        inactive = next((f for f in all_cooperative_facts() if not f.is_active), None)
        assert inactive is not None, "the demo registry has inactive cooperatives"
        create_user(
            username=INACTIVE_USER,
            role="coop_rep",
            password=PASSWORD,
            display_name="Pengurus Koperasi Nonaktif",
            cooperative_id=inactive.id,
            by="e2e",
        )
        db.session.commit()
        return comp.id


def watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_an_inactive_cooperative_is_refused_with_the_reason(phone, yel_yel):
    """The pengurus of an inactive cooperative sees why they cannot register, in plain Indonesian."""
    errors = watch_console(phone)
    login(phone, INACTIVE_USER, PASSWORD)
    phone.goto(f"/koperasi-saya/lomba/{yel_yel}/daftar")
    alert = phone.get_by_role("alert")
    assert "Koperasi Anda belum dapat mendaftar di lomba ini" in alert.inner_text()
    assert "tercatat tidak aktif di registri Dinas" in alert.inner_text()
    assert phone.locator("input[name='participants-0-name']").count() == 0
    assert errors == [], errors


def test_an_eligible_cooperative_registers_and_gets_a_printable_ticket(phone, yel_yel, live_server):
    """Login → register a team of two → entry page with ticket links → ticket page → PDF download."""
    errors = watch_console(phone)
    login(phone, "pengurus")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Daftarkan tim lomba").click()
    card = phone.locator("li.card", has_text="Lomba Yel-Yel Koperasi")
    with phone.expect_navigation():
        card.get_by_role("link", name="Daftarkan tim").click()

    # The script shows the two rows the team needs and a button for more.
    assert phone.locator("fieldset.participant:visible").count() == 2
    phone.get_by_label("Nama tim").fill("Tim Semangat Koperasi")
    for index, (name, number) in enumerate(
        [("Siti Aminah", "0812 3456 7001"), ("Budi Santoso", "0812 3456 7002")]
    ):
        row = phone.locator("fieldset.participant").nth(index)
        row.get_by_label("Nama lengkap").fill(name)
        row.get_by_label("Nomor HP").fill(number)
        row.get_by_label("Peserta setuju datanya diproses").check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Daftarkan tim").click()

    assert phone.locator("h1").inner_text() == "Tim Semangat Koperasi"
    assert "Terdaftar" in phone.locator(".badge").first.inner_text()
    assert (
        phone.get_by_label("Tautan tiket Siti Aminah").input_value().startswith(live_server.url + "/tiket/")
    )

    ticket_link = phone.get_by_label("Tautan tiket Siti Aminah").input_value()
    phone.goto(ticket_link)
    assert phone.locator("#nama-peserta").inner_text() == "Siti Aminah"
    assert phone.get_by_role("heading", name="Lomba Yel-Yel Koperasi").is_visible()
    assert phone.get_by_role("article").get_by_text("Minggu, 28 Juli 2024").is_visible()
    assert phone.get_by_role("article").get_by_text("15.00–16.00 WITA").is_visible()
    assert "0812" not in phone.content()  # no phone number on the ticket page
    qr = phone.get_by_role("img", name="Kode QR tiket Siti Aminah")
    assert qr.is_visible()

    # The QR on screen is what a gate scanner reads.
    shot = Image.open(io.BytesIO(qr.screenshot()))
    decoded = [r.text for r in zxingcpp.read_barcodes(shot)]
    assert len(decoded) == 1 and decoded[0].startswith("HK1:")

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Unduh tiket (PDF)").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    content = open(pdf.path(), "rb").read()
    assert content.startswith(b"%PDF-")
    assert b"Siti Aminah" in content
    assert errors == [], errors
