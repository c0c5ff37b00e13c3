"""Tickets: secrets, the QR payload read back by an independent decoder, the PDF badge, the public page."""

from __future__ import annotations

import io
import math
import re

import pytest
import zxingcpp
from PIL import Image

from harkop.registrations import services, tickets
from tests.competitions.factories import INSIDE, make_competition, people


@pytest.fixture
def entry(registry, make_user):
    """A confirmed two-person entry with tickets."""
    rep = make_user("coop_rep")
    comp = make_competition(name="Lomba Masak Sambal Ayam Geprek", place="Atrium Lt. 1 Pentacity Mall")
    return services.register_entry(
        comp, rep.cooperative_id, team_name="Tim Pedas", participants=people(2), by=rep, now=INSIDE
    )


def test_secrets_carry_at_least_128_bits_without_look_alikes():
    """28 characters of a 31-letter alphabet: ≥ 128 bits; no 0/O/1/I/L; URL-safe; all different."""
    assert math.log2(len(tickets.ALPHABET)) * tickets.SECRET_LENGTH >= 128
    assert not set(tickets.ALPHABET) & set("0O1IL")
    made = {tickets.new_secret() for _ in range(500)}
    assert len(made) == 500
    assert all(re.fullmatch(r"[A-Z2-9]{28}", s) for s in made)


def test_codes_are_parsed_from_payloads_and_typed_text():
    """`HK1:` payloads and codes typed in groups, in any case, give the secret; junk gives None."""
    secret = tickets.new_secret()
    assert tickets.parse_code(f"HK1:{secret}") == secret
    assert tickets.parse_code(tickets.grouped(secret).lower()) == secret
    assert tickets.parse_code("HK1:" + secret[:-1]) is None
    assert tickets.parse_code("HK2:" + secret) is None
    assert tickets.parse_code("") is None


def test_find_ticket_by_code(entry):
    """A scanned payload finds its ticket; an altered one finds nothing."""
    ticket = entry.participants[0].ticket
    assert tickets.find_ticket(tickets.qr_payload(ticket)) is ticket
    altered = ticket.secret[:-1] + ("A" if ticket.secret[-1] != "A" else "B")
    assert tickets.find_ticket("HK1:" + altered) is None


def test_the_qr_png_decodes_back_to_the_payload(entry):
    """zxing-cpp, an independent decoder, reads `HK1:<secret>` from the PNG."""
    ticket = entry.participants[0].ticket
    payload = tickets.qr_payload(ticket)
    image = Image.open(io.BytesIO(tickets.qr_png(payload)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [payload]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert payload.startswith("HK1:")


def test_the_qr_svg_is_an_svg_path(entry):
    """The SVG form is a standalone SVG document."""
    svg = tickets.qr_svg(tickets.qr_payload(entry.participants[0].ticket)).decode()
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    assert "<path" in svg


def test_the_pdf_is_a_badge_sized_document(entry):
    """The PDF is A6 (105 × 148 mm) and names the participant in its title."""
    pdf = tickets.ticket_pdf(entry.participants[0].ticket)
    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 297.64 419.53]" in pdf  # A6 in points
    assert b"Peserta 1" in pdf


def _png_from_pdf_image(pdf: bytes) -> bytes:
    """Rebuild a PNG from the PDF's Flate + PNG-predictor image stream (the same bytes as PNG's IDAT)."""
    import struct
    import zlib

    head = re.search(
        rb"<<\s*/BitsPerComponent 8\s*/ColorSpace /DeviceGray.*?/Height (\d+).*?/Width (\d+)\s*>>\s*stream\n",
        pdf,
        re.S,
    )
    assert head is not None, "no greyscale image in the PDF"
    height, width = int(head.group(1)), int(head.group(2))
    length = int(re.search(rb"/Length (\d+)", head.group(0)).group(1))
    data = pdf[head.end() : head.end() + length]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_the_qr_in_the_pdf_decodes(entry):
    """The QR image embedded in the PDF decodes to the ticket's payload too."""
    ticket = entry.participants[0].ticket
    image = Image.open(io.BytesIO(_png_from_pdf_image(tickets.ticket_pdf(ticket))))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [tickets.qr_payload(ticket)]


def test_the_ticket_page_is_public_and_shows_no_phone(client, entry):
    """Anyone with the link sees the QR, name, cooperative, competition, day, time and place, not the phone."""
    participant = entry.participants[0]
    ticket = participant.ticket
    response = client.get(f"/tiket/{ticket.page_token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        participant.name,
        entry.cooperative.name,
        "Lomba Masak Sambal Ayam Geprek",
        "Jumat, 26 Juli 2024",
        "09.00–12.00 WITA",
        "Atrium Lt. 1 Pentacity Mall",
        f"/tiket/{ticket.page_token}/qr.svg",
    ):
        assert text in html
    # The code is drawn in unbreakable groups of four (one element each): read as text, in order.
    assert tickets.grouped(ticket.secret) in re.sub(r"<[^>]+>", "", html)
    assert participant.phone not in html
    assert str(ticket.id) not in re.findall(r"/tiket/([^/\"]+)", html)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_ticket_files_are_served_by_the_page_token(client, entry):
    """PNG, SVG and PDF come from the same unguessable link."""
    token = entry.participants[0].ticket.page_token
    png = client.get(f"/tiket/{token}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    svg = client.get(f"/tiket/{token}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    pdf = client.get(f"/tiket/{token}/tiket.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert pdf.data.startswith(b"%PDF-")


def test_unknown_and_id_like_tokens_are_not_found(client, entry):
    """A made-up token, or a database id, opens nothing."""
    ticket = entry.participants[0].ticket
    assert client.get("/tiket/TIDAKADA").status_code == 404
    assert client.get(f"/tiket/{ticket.id}").status_code == 404
    assert client.get(f"/tiket/{ticket.secret}").status_code == 404  # the QR secret is not the page link


def test_a_revoked_ticket_page_says_it_is_void(client, entry):
    """After replacement the old link answers 410 with the reason and no QR."""
    from harkop.registrations.services import ParticipantInput

    old = entry.participants[0]
    token = old.ticket.page_token
    services.replace_participant(
        old,
        ParticipantInput(name="Gita", phone="081298765432", consent=True),
        by=entry.created_by,
        now=INSIDE,
    )
    response = client.get(f"/tiket/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "tidak berlaku" in html
    assert "qr.svg" not in html


# --- the printed card: everything on the page (issue 20) ----------------------------------------

LONG_NAME = "Raden Ajeng Siti Nurhaliza Kartika Dewi Puspitasari Wulandari"


def _card_entry(registry, make_user, *, name: str = "Peserta 1", comp=None):
    from harkop.registrations.services import ParticipantInput

    rep = make_user("coop_rep")
    comp = comp or make_competition(
        name="Lomba Masak Sambal Ayam Geprek", place="Atrium Lt. 1 Pentacity Mall"
    )
    people_in = [
        ParticipantInput(name=name, phone="081234560001", role="Ketua tim", consent=True),
        ParticipantInput(name="Budi", phone="081234560002", role="Anggota", consent=True),
    ]
    return services.register_entry(
        comp, rep.cooperative_id, team_name="Tim Pedas Manis", participants=people_in, by=rep, now=INSIDE
    )


@pytest.mark.parametrize("name", ["Peserta 1", LONG_NAME])
def test_the_ticket_card_shows_every_fact_inside_the_a6_page_and_its_qr_decodes(registry, make_user, name):
    """Name, role, team, cooperative, competition, day, slot and place are each drawn inside the page
    (positions read back from the PDF), and the QR image on the page decodes to the ticket's payload."""
    from tests.pdfpages import read_pdf

    entry = _card_entry(registry, make_user, name=name)
    ticket = entry.participants[0].ticket
    (page,) = read_pdf(tickets.ticket_pdf(ticket))
    assert (round(page.width, 1), round(page.height, 1)) == (297.6, 419.5)  # A6 in points
    text = page.text
    for fact in (
        "Peran: Ketua tim",
        "Tim: Tim Pedas Manis",
        entry.cooperative.name,
        "Lomba Masak Sambal Ayam Geprek",
        "Jumat, 26 Juli 2024",
        "09.00-12.00 WITA",
        "Atrium Lt. 1 Pentacity Mall",
        tickets.grouped(ticket.secret),
    ):
        assert fact in text, fact
    assert all(word in text for word in name.split())
    assert page.outside(margin=5) == []
    (qr,) = page.images
    assert 0 <= qr.x and qr.x + qr.w <= page.width and 0 <= qr.y and qr.y + qr.h <= page.height
    assert [r.text for r in zxingcpp.read_barcodes(qr.image)] == [tickets.qr_payload(ticket)]


def test_many_tickets_print_as_a6_pages_or_four_to_an_a4_sheet(registry, make_user):
    """Five tickets: five A6 pages, or two A4 sheets (4 + 1) whose cards each stay in their quarter."""
    from tests.pdfpages import read_pdf

    entries = [_card_entry(registry, make_user) for _ in range(3)]
    items = [p.ticket for e in entries for p in e.participants][:5]
    a6 = read_pdf(tickets.tickets_pdf(items, title="Tiket", layout="a6"))
    assert len(a6) == 5 and all(p.outside(margin=5) == [] and len(p.images) == 1 for p in a6)
    assert [zxingcpp.read_barcodes(p.images[0].image)[0].text for p in a6] == [
        tickets.qr_payload(t) for t in items
    ]
    a4 = read_pdf(tickets.tickets_pdf(items, title="Tiket", layout="a4"))
    assert [len(p.images) for p in a4] == [4, 1]
    first = a4[0]
    assert (round(first.width), round(first.height)) == (595, 842)
    assert first.outside(margin=5) == []
    half_w, half_h = first.width / 2, first.height / 2
    for image in first.images:  # each QR lies wholly inside one quarter
        assert (image.x + image.w <= half_w) or (image.x >= half_w)
        assert (image.y + image.h <= half_h) or (image.y >= half_h)
    for text in first.texts:  # and so does each line of text
        assert (text.x + text.width <= half_w + 0.5) or (text.x >= half_w - 0.5)
    decoded = sorted(zxingcpp.read_barcodes(i.image)[0].text for i in first.images)
    assert decoded == sorted(tickets.qr_payload(t) for t in items[:4])


def test_the_office_and_the_pengurus_download_all_tickets_in_one_pdf(client, login_as, registry, make_user):
    """The office gets a competition's valid tickets (A6 pages or four per A4); a pengurus gets only
    their cooperative's; a withdrawn entry's tickets are left out."""
    from tests.pdfpages import read_pdf

    comp = make_competition(name="Lomba Masak Sambal Ayam Geprek", place="Atrium Lt. 1 Pentacity Mall")
    mine, other, gone = (_card_entry(registry, make_user, comp=comp) for _ in range(3))
    services.withdraw_entry(gone, by=gone.created_by, now=INSIDE)
    db_commit()
    login_as("admin")
    a6 = client.get(f"/admin/lomba/{comp.id}/tiket.pdf?tata=a6")
    assert a6.status_code == 200 and a6.mimetype == "application/pdf"
    assert "attachment" in a6.headers["Content-Disposition"]
    assert len(read_pdf(a6.data)) == 4  # two entries of two, the withdrawn one left out
    a4 = client.get(f"/admin/lomba/{comp.id}/tiket.pdf?tata=a4")
    assert [len(p.images) for p in read_pdf(a4.data)] == [4]
    login_as(mine.created_by)
    own = read_pdf(client.get("/koperasi-saya/tiket.pdf").data)
    names = {t.text for p in own for t in p.texts}
    assert len(own) == 2 and mine.cooperative.name in names and other.cooperative.name not in names


def db_commit() -> None:
    from harkop.extensions import db

    db.session.commit()
