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
from dataclasses import dataclass
from datetime import date, datetime

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


def _pdf_text(text: str) -> str:
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
QR_SIZES = (56, 48, 40)  # mm; a smaller code only when long names would push text off the card


@in_indonesian
def ticket_pdf(ticket: Ticket) -> bytes:
    """A printable badge (A6 portrait) with the QR, name, cooperative, competition, day, time and place.

    In Indonesian whatever the page's language: the badge is worn at the venue in Balikpapan and
    read by the gate staff there.
    """
    view = ticket_view(ticket)
    for qr_size in QR_SIZES:
        pdf, bottom = _badge(view, qr_size)
        if bottom <= pdf.h - 6:
            break
    return bytes(pdf.output())


def _badge(view: TicketView, qr_size: float) -> tuple[FPDF, float]:
    """Lay the badge out with a QR of this size; returns the document and where the text ends."""
    pdf = FPDF(orientation="P", unit="mm", format=BADGE_SIZE)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(8, 8, 8)
    pdf.set_title(_pdf_text(f"Tiket {view.competition_name} - {view.participant_name}"))
    pdf.set_author("Harkop")
    pdf.set_creator("Harkop")
    pdf.add_page()
    width = pdf.w - 16

    pdf.set_fill_color(11, 92, 173)
    pdf.rect(0, 0, pdf.w, 12, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 10)
    pdf.set_xy(8, 3)
    pdf.cell(width, 6, _pdf_text(view.event_name), align="C")

    pdf.set_text_color(27, 31, 36)
    pdf.set_xy(8, 14.5)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(width, 5, _pdf_text(view.competition_name), align="C")

    qr_image = _qr(view.payload, box_size=12).make_image(fill_color="black", back_color="white")
    # Greyscale, not 1-bit: fpdf2 stores it Flate-compressed (PNG predictors), which every viewer reads.
    pdf.image(
        qr_image.get_image().convert("L"), x=(pdf.w - qr_size) / 2, y=pdf.get_y() + 0.5, w=qr_size, h=qr_size
    )
    pdf.set_y(pdf.get_y() + qr_size + 1)
    pdf.set_font("Courier", "", 8)
    pdf.cell(width, 4, _pdf_text(view.code), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(0.5)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(width, 6.5, _pdf_text(view.participant_name), align="C")
    pdf.set_font("Helvetica", "", 8.5)
    if view.role:
        pdf.multi_cell(width, 4, _pdf_text(view.role), align="C")
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.multi_cell(width, 4.5, _pdf_text(view.cooperative_name), align="C")
    pdf.set_font("Helvetica", "", 8.5)
    if view.team_name and view.team_name != view.participant_name:
        pdf.multi_cell(width, 4, _pdf_text(f"Tim: {view.team_name}"), align="C")

    pdf.ln(1)
    pdf.set_draw_color(201, 209, 217)
    pdf.line(8, pdf.get_y(), pdf.w - 8, pdf.get_y())
    pdf.ln(1)
    days = "; ".join(clock.format_date(d) for d in view.days)
    for label, value in (("Hari", days), ("Waktu", view.time_range), ("Tempat", view.place)):
        if not value:
            continue
        pdf.set_font("Helvetica", "B", 8)
        pdf.cell(14, 4, _pdf_text(label))
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(width - 14, 4, _pdf_text(value), new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    if not view.valid:
        pdf.set_text_color(160, 25, 25)
        pdf.set_font("Helvetica", "B", 12)
        pdf.set_xy(8, pdf.h - 12)
        pdf.cell(width, 6, "TIKET TIDAK BERLAKU", align="C")
    return pdf, bottom
