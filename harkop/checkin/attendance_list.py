"""Attendance lists (daftar hadir) for a competition and a day: who was registered, who came and when,
with a column to sign, as a PDF to print and sign and as an XLSX for the accountability report (SPJ).

Rows are the current (not replaced) participants of the competition's confirmed entries, by team;
the check-in time is the participant's admission at the gate that day, blank when they have not come
(the committee may still have them sign on paper). Documents are in Indonesian whatever the page's
language; the spreadsheet goes through the safe writer (`harkop/spreadsheets.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy import func, select

from .. import clock
from ..competitions.models import Competition
from ..errors import NotFound
from ..extensions import db
from ..registrations.models import Entry, EntryState, Participant, Ticket
from ..registrations.tickets import pdf_text
from ..spreadsheets import Styled, XlsxBook
from ..vocabulary import in_indonesian
from .models import CheckIn


@dataclass(frozen=True)
class AttendanceRow:
    """One line of the list: a participant, their team and cooperative, and when they came that day."""

    number: int
    name: str
    role: str
    team: str
    cooperative: str
    admitted_at: datetime | None


def check_day(comp: Competition, day: date) -> None:
    """Refuse a day that is not one of the competition's days (404, coded)."""
    if day not in comp.days:
        raise NotFound(
            "not_a_competition_day",
            _("%(c)s tidak berlangsung pada %(d)s.", c=comp.name, d=clock.format_date(day)),
            details={"day": day.isoformat(), "days": [d.isoformat() for d in comp.days]},
        )


def attendance_rows(comp: Competition, day: date) -> list[AttendanceRow]:
    """The list for one competition and day, in team order then the order in the team."""
    check_day(comp, day)
    came = (
        select(Ticket.participant_id, func.min(CheckIn.admitted_at).label("admitted_at"))
        .join(CheckIn, CheckIn.ticket_id == Ticket.id)
        .where(CheckIn.day == day)
        .group_by(Ticket.participant_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Participant, Entry, came.c.admitted_at)
        .join(Entry, Entry.id == Participant.entry_id)
        .outerjoin(came, came.c.participant_id == Participant.id)
        .where(
            Entry.competition_id == comp.id,
            Entry.state == EntryState.confirmed,
            Participant.replaced_at.is_(None),
        )
        .order_by(Entry.team_name, Entry.id, Participant.position, Participant.id)
    ).all()
    out = []
    for number, (person, entry, admitted_at) in enumerate(rows, start=1):
        if admitted_at is not None and admitted_at.tzinfo is None:  # SQLite forgets the zone of an aggregate
            admitted_at = admitted_at.replace(tzinfo=clock.UTC)
        out.append(
            AttendanceRow(
                number, person.name, person.role, entry.team_name, entry.cooperative.name, admitted_at
            )
        )
    return out


def _time(value: datetime | None) -> str:
    return clock.format_time(value) if value is not None else ""


def file_name(comp: Competition, day: date, extension: str) -> str:
    """`daftar-hadir-<competition>-<yyyy-mm-dd>.<extension>`."""
    return f"daftar-hadir-{comp.slug}-{day.isoformat()}.{extension}"


# --- PDF -----------------------------------------------------------------------------------------

COLUMNS = (
    ("No", 9),
    ("Nama peserta", 46),
    ("Tim", 34),
    ("Koperasi", 44),
    ("Jam hadir", 16),
    ("Tanda tangan", 41),
)
ROW_HEIGHT = 11  # mm: room to sign


class _ListPdf(FPDF):
    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.heading = title
        self.lines = lines
        self.set_auto_page_break(auto=False)
        self.set_margins(12, 12, 12)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font("Helvetica", "B", 13)
        self.set_x(self.l_margin)
        self.cell(self.epw, 7, pdf_text(self.heading), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9)
        for line in self.lines:
            self.set_x(self.l_margin)
            self.multi_cell(self.epw, 4.6, pdf_text(line), align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_font("Helvetica", "B", 8.5)
        self.set_fill_color(230, 236, 243)
        for label, width in COLUMNS:
            self.cell(width, 7, label, border=1, align="C", fill=True)
        self.ln(7)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 7.5)
        self.set_x(self.l_margin)
        self.cell(self.epw, 4, f"Halaman {self.page_no()} dari {{nb}}", align="R")


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Text shortened with "..." to fit one line of the column."""
    text = pdf_text(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


@in_indonesian
def attendance_pdf(comp: Competition, day: date) -> bytes:
    """The signable list: A4 portrait, the header repeated on every page, a signature box per person,
    and the committee's signature block at the end."""
    rows = attendance_rows(comp, day)
    slot = (
        f"{clock.format_time(comp.starts_at)}-{clock.format_time(comp.ends_at)} WITA"
        if comp.starts_at and comp.ends_at
        else ""
    )
    lines = [
        comp.event.name,
        comp.name,
        ", ".join(x for x in (clock.format_date(day), slot, comp.place) if x),
    ]
    pdf = _ListPdf("DAFTAR HADIR PESERTA", lines)
    pdf.set_title(pdf_text(f"Daftar hadir {comp.name} {day.isoformat()}"))
    pdf.set_author("Harkop")
    pdf.set_creator("Harkop")
    pdf.add_page()
    bottom = pdf.h - 16
    for row in rows:
        if pdf.get_y() + ROW_HEIGHT > bottom:
            pdf.add_page()
        pdf.set_font("Helvetica", "", 8.5)
        values = [str(row.number), row.name, row.team, row.cooperative, _time(row.admitted_at), ""]
        for (label, width), value in zip(COLUMNS, values, strict=True):
            align = "C" if label in ("No", "Jam hadir") else "L"
            pdf.cell(width, ROW_HEIGHT, _fit(pdf, value, width), border=1, align=align)
        pdf.ln(ROW_HEIGHT)
    if not rows:
        pdf.set_font("Helvetica", "I", 9)
        pdf.cell(pdf.epw, 8, "Belum ada peserta terdaftar.", align="C", new_x="LMARGIN", new_y="NEXT")
    came = sum(1 for r in rows if r.admitted_at is not None)
    if pdf.get_y() + 40 > bottom:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 9)
    pdf.set_x(pdf.l_margin)
    pdf.cell(pdf.epw, 5, f"Terdaftar {len(rows)} orang; tercatat hadir di pintu masuk {came} orang.")
    pdf.ln(8)
    pdf.set_x(pdf.w - pdf.r_margin - 70)
    pdf.cell(70, 5, pdf_text(f"Balikpapan, {clock.format_date(day)}"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(70, 5, "Panitia Hari Koperasi", align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(16)
    pdf.set_x(pdf.w - pdf.r_margin - 70)
    pdf.cell(70, 5, "( ................................................ )", align="C")
    return bytes(pdf.output())


# --- XLSX ----------------------------------------------------------------------------------------


@in_indonesian
def attendance_xlsx(comp: Competition, day: date) -> bytes:
    """The same list as a workbook (one sheet), with the heading above the table."""
    rows = attendance_rows(comp, day)
    book = XlsxBook()
    sheet = book.sheet("Daftar hadir")
    sheet.widths([6, 32, 24, 36, 12, 24])
    sheet.append([Styled("DAFTAR HADIR PESERTA", bold=True)])
    sheet.append([comp.event.name])
    sheet.append([comp.name])
    sheet.append([clock.format_date(day)])
    sheet.append([])
    sheet.append([Styled(label, bold=True) for label, _width in COLUMNS])
    for row in rows:
        sheet.append([row.number, row.name, row.team, row.cooperative, _time(row.admitted_at), ""])
    return book.to_bytes()
