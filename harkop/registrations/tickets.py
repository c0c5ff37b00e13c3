"""Tickets: random secrets, the versioned QR payload `HK1:<secret>`, QR images and the badge PDF.

The secret is 28 characters from a 31-letter alphabet without look-alikes (no 0/O, 1/I/L):
log2(31) * 28 ≈ 138 bits. Upper case only, so the whole payload fits QR's compact
alphanumeric mode (`HK1:` included) and a person can type it at the gate. The ticket page has
its own random token, so the page link can be passed on without the database id anywhere.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import qrcode
import qrcode.image.svg
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..vocabulary import in_indonesian
from .models import Participant, Ticket

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SECRET_LENGTH = 28
PAYLOAD_PREFIX = "HK1:"
_SECRET_RE = re.compile(rf"^[{ALPHABET}]{{{SECRET_LENGTH}}}$")


def new_secret(length: int = SECRET_LENGTH) -> str:
    """A random secret from the look-alike-free alphabet (≥ 128 bits at the default length)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def qr_payload(ticket: Ticket) -> str:
    """The text inside the QR code: the format version, then the secret."""
    return PAYLOAD_PREFIX + ticket.secret


def parse_code(code: str) -> str | None:
    """The secret from a scanned payload or a typed code (spaces, dashes, case forgiven), or None."""
    text = (code or "").strip().upper()
    if text.startswith(PAYLOAD_PREFIX):
        text = text[len(PAYLOAD_PREFIX) :]
    text = re.sub(r"[\s-]", "", text)
    return text if _SECRET_RE.match(text) else None


def find_ticket(code: str) -> Ticket | None:
    """The ticket a scanned or typed code names, revoked or not; None for unknown or malformed codes."""
    secret = parse_code(code)
    if secret is None:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.secret == secret))


def ticket_by_page_token(token: str) -> Ticket | None:
    """The ticket behind a ticket-page link, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.page_token == token))


def grouped(secret: str, size: int = 4) -> str:
    """The secret in groups of four, for reading aloud or typing at the gate."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def issue_ticket(participant: Participant, *, now: datetime | None = None) -> Ticket:
    """The participant's valid ticket, issuing a new one when there is none (flushes)."""
    existing = participant.ticket
    if existing is not None:
        return existing
    ticket = Ticket(
        participant=participant,
        secret=new_secret(),
        page_token=new_secret(),
        issued_at=now or clock.now(),
    )
    db.session.add(ticket)
    db.session.flush()
    return ticket


def revoke_ticket(ticket: Ticket, reason: str, *, now: datetime | None = None) -> None:
    """Make a ticket invalid for good (the record stays)."""
    if ticket.revoked_at is None:
        ticket.revoked_at = now or clock.now()
        ticket.revoked_reason = reason[:200]
        db.session.flush()


# --- images --------------------------------------------------------------------------------


def _qr(payload: str, *, box_size: int = 10) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr


def qr_image(payload: str, *, box_size: int = 12) -> Any:
    """The QR code as a greyscale picture for PDFs (fpdf2 stores it Flate-compressed, which every
    viewer reads; 1-bit images are not)."""
    return (
        _qr(payload, box_size=box_size)
        .make_image(fill_color="black", back_color="white")
        .get_image()
        .convert("L")
    )


def qr_png(payload: str, *, box_size: int = 10) -> bytes:
    """The QR code as a PNG (black on white, four modules of quiet zone)."""
    image = _qr(payload, box_size=box_size).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_svg(payload: str) -> bytes:
    """The QR code as an SVG path (sharp at any size, small to send)."""
    image = _qr(payload).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


# --- what a ticket shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class TicketView:
    """Everything a ticket page or badge shows (never the phone number)."""

    participant_name: str
    role: str
    team_name: str
    cooperative_name: str
    competition_name: str
    event_name: str
    days: list[date]
    time_range: str
    place: str
    payload: str
    code: str
    valid: bool
    revoked_reason: str | None


def ticket_view(ticket: Ticket, locale: str | None = None) -> TicketView:
    """The facts printed on a ticket; times in `locale` ("id", "en"; the current language by default)."""
    participant = ticket.participant
    entry = participant.entry
    comp = entry.competition
    time_range = (
        f"{clock.format_time(comp.starts_at, locale)}–{clock.format_time(comp.ends_at, locale)} WITA"
        if comp.starts_at and comp.ends_at
        else ""
    )
    return TicketView(
        participant_name=participant.name,
        role=participant.role,
        team_name=entry.team_name,
        cooperative_name=entry.cooperative.name,
        competition_name=comp.name,
        event_name=comp.event.name,
        days=comp.days,
        time_range=time_range,
        place=comp.place,
        payload=qr_payload(ticket),
        code=grouped(ticket.secret),
        valid=ticket.is_valid and entry.state.value == "confirmed",
        revoked_reason=ticket.revoked_reason,
    )


def pdf_text(text: str) -> str:
    """Text the PDF's built-in Helvetica can print (Latin-1): dashes and quotes made plain."""
    table = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "•": "-", "…": "..."})
    text = (text or "").translate(table)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        plain = unicodedata.normalize("NFKD", text)
        return plain.encode("latin-1", "ignore").decode("latin-1")


BADGE_SIZE = (105, 148)  # A6 portrait in mm: a lanyard badge
A4 = (210, 297)
QR_SIZES = (52, 46, 40, 34)  # mm; a smaller code only when long names would push text off the card
CARD_MARGIN = 7  # mm inside each card
LAYOUTS = ("a6", "a4")  # one card per A6 page, or four per A4 sheet to cut along the lines


def _pdf(title: str, page_format: tuple[float, float]) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=page_format)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(pdf_text(title))
    pdf.set_author("Harkop")
    pdf.set_creator("Harkop")
    return pdf


@in_indonesian
def ticket_pdf(ticket: Ticket) -> bytes:
    """A printable badge (A6 portrait): QR, name, role, team, cooperative, competition, day, time, place.

    In Indonesian whatever the page's language: the badge is worn at the venue in Balikpapan and
    read by the gate staff there.
    """
    view = ticket_view(ticket)
    return cards_pdf([view], title=f"Tiket {view.competition_name} - {view.participant_name}")


@in_indonesian
def tickets_pdf(
    items: list[Ticket], *, title: str, layout: str = "a6", on_card: Callable[[], None] | None = None
) -> bytes:
    """Many tickets in one document: one A6 page each, or four to an A4 sheet (`layout` "a4");
    `on_card()` is called after each card is drawn (a background job's progress)."""
    return cards_pdf([ticket_view(t) for t in items], title=title, layout=layout, on_card=on_card)


def cards_pdf(
    views: list[TicketView], *, title: str, layout: str = "a6", on_card: Callable[[], None] | None = None
) -> bytes:
    """Lay ticket cards out on A6 pages or four to an A4 sheet with cutting lines."""
    on_card = on_card or (lambda: None)
    if layout not in LAYOUTS:
        layout = "a6"
    width, height = BADGE_SIZE
    if layout == "a6":
        pdf = _pdf(title, BADGE_SIZE)
        for view in views:
            pdf.add_page()
            draw_card(pdf, view, 0, 0)
            on_card()
        if not views:
            pdf.add_page()
        return bytes(pdf.output())
    pdf = _pdf(title, A4)
    slots = [(0, 0), (width, 0), (0, A4[1] / 2), (width, A4[1] / 2)]
    for index, view in enumerate(views):
        if index % 4 == 0:
            pdf.add_page()
            cut_lines(pdf)
        draw_card(pdf, view, *slots[index % 4])
        on_card()
    if not views:
        pdf.add_page()
    return bytes(pdf.output())


def cut_lines(pdf: FPDF) -> None:
    """Dashed lines between the four quarters of an A4 sheet."""
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=2)
    pdf.line(pdf.w / 2, 0, pdf.w / 2, pdf.h)
    pdf.line(0, pdf.h / 2, pdf.w, pdf.h / 2)
    pdf.set_dash_pattern()


def draw_card(pdf: FPDF, view: TicketView, left: float, top: float) -> None:
    """Draw one ticket card in the A6 box at (left, top), with the largest QR that lets the text fit."""
    for qr_size in QR_SIZES:
        scratch = _pdf("", BADGE_SIZE)
        scratch.add_page()
        if _card(scratch, view, 0, 0, qr_size, measure=True) <= BADGE_SIZE[1] - CARD_MARGIN - 6:
            break
    _card(pdf, view, left, top, qr_size)


def _card(
    pdf: FPDF, view: TicketView, left: float, top: float, qr_size: float, *, measure: bool = False
) -> float:
    """Lay one card out; returns where its text ends (mm from the card's top)."""
    margin = CARD_MARGIN
    width = BADGE_SIZE[0] - 2 * margin
    x = left + margin

    def line(text: str, height: float, *, style: str = "", size: float = 9) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(x)
        pdf.multi_cell(width, height, pdf_text(text), align="C", new_x="LEFT", new_y="NEXT")

    pdf.set_fill_color(11, 92, 173)
    pdf.rect(left, top, BADGE_SIZE[0], 11, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(x, top + 2.5)
    pdf.cell(width, 6, pdf_text(view.event_name), align="C")

    pdf.set_text_color(27, 31, 36)
    pdf.set_xy(x, top + 13)
    line(view.competition_name, 4.8, style="B", size=10.5)
    if not measure:
        pdf.image(
            qr_image(view.payload),
            x=left + (BADGE_SIZE[0] - qr_size) / 2,
            y=pdf.get_y() + 0.5,
            w=qr_size,
            h=qr_size,
        )
    pdf.set_y(pdf.get_y() + qr_size + 1)
    pdf.set_font("Courier", "", 8)
    pdf.set_x(x)
    pdf.cell(width, 4, pdf_text(view.code), align="C", new_x="LEFT", new_y="NEXT")

    pdf.ln(0.5)
    line(view.participant_name, 6.2, style="B", size=14)
    if view.role:
        line(f"Peran: {view.role}", 4, size=8.5)
    if view.team_name and view.team_name != view.participant_name:
        line(f"Tim: {view.team_name}", 4, size=8.5)
    line(view.cooperative_name, 4.5, style="B", size=9.5)

    pdf.ln(1)
    pdf.set_draw_color(201, 209, 217)
    pdf.set_line_width(0.2)
    pdf.line(x, pdf.get_y(), x + width, pdf.get_y())
    pdf.ln(1)
    days = "; ".join(clock.format_date(d) for d in view.days)
    for label, value in (("Hari", days), ("Waktu", view.time_range), ("Tempat", view.place)):
        if not value:
            continue
        pdf.set_font("Helvetica", "B", 8)
        pdf.set_x(x)
        pdf.cell(14, 4, pdf_text(label))
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(width - 14, 4, pdf_text(value), new_x="LEFT", new_y="NEXT")
    bottom = pdf.get_y() - top
    if not view.valid:
        pdf.set_text_color(160, 25, 25)
        pdf.set_font("Helvetica", "B", 12)
        pdf.set_xy(x, top + BADGE_SIZE[1] - 11)
        pdf.cell(width, 6, "TIKET TIDAK BERLAKU", align="C")
        pdf.set_text_color(27, 31, 36)
    return bottom
