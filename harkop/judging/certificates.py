"""Certificates (piagam) as PDFs in Indonesian: an award for Juara and Harapan, participation otherwise.

Made from the published snapshot, so a certificate says what the public results say; after a
correction it follows the newest published version. A4 landscape with the built-in Helvetica
(the text is plain Indonesian, Latin-1 is enough; other characters are simplified).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from fpdf import FPDF

from .. import clock
from ..errors import NotFound
from ..registrations.models import Entry
from ..vocabulary import indonesian
from .results import published_snapshot

BRAND = (11, 92, 173)
INK = (27, 31, 36)
GOLD = (163, 120, 18)
ISSUER = "Dinas Koperasi, UMKM dan Perindustrian Kota Balikpapan"


def _text(value: str) -> str:
    """Text Helvetica can print: typographic dashes and quotes made plain, the rest folded to Latin-1."""
    table = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})
    text = (value or "").translate(table)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        return unicodedata.normalize("NFKD", text).encode("latin-1", "ignore").decode("latin-1")


def _slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:60] or "piagam"


def certificate_for(entry: Entry) -> tuple[bytes, str]:
    """The PDF certificate of an entry and its file name; 404 before publication or for a no-show."""
    comp = entry.competition
    snapshot = published_snapshot(comp)
    if snapshot is None:
        raise NotFound("results_not_published", _("Hasil lomba ini belum diumumkan."))
    line = next((r for r in snapshot.data["entries"] if r["entry_id"] == entry.id), None)
    if line is None:
        raise NotFound(
            "certificate_not_available", _("Tim ini tidak dinilai sehingga tidak mendapat piagam.")
        )
    award = line["award"]
    names = [p.name for p in entry.current_participants]
    with indonesian():  # a certificate is the Dinas's official document: in Indonesian, dates too
        pdf = render_certificate(
            award=award,
            team=entry.team_name,
            cooperative=entry.cooperative.name,
            participants=names,
            competition=comp.name,
            event=comp.event.name,
            venue=comp.event.venue,
            days=", ".join(clock.format_date(d) for d in comp.days),
            issued=clock.format_date(clock.to_wita(snapshot.published_at).date()),
            reference=f"{comp.event.slug}/{comp.slug} v{snapshot.version} #{entry.id}",
        )
    kind = _slug(award) if award else "partisipasi"
    return pdf, f"piagam-{kind}-{_slug(comp.name)}-{_slug(entry.team_name)}.pdf"


def render_certificate(
    *,
    award: str | None,
    team: str,
    cooperative: str,
    participants: list[str],
    competition: str,
    event: str,
    venue: str,
    days: str,
    issued: str,
    reference: str,
) -> bytes:
    """Lay out one certificate (pure: plain values in, PDF bytes out)."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 15, 20)
    title = "PIAGAM PENGHARGAAN" if award else "PIAGAM PARTISIPASI"
    pdf.set_title(_text(f"{title} - {competition} - {team}"))
    pdf.set_author("Harkop")
    pdf.set_creator("Harkop")
    pdf.set_lang("id")
    pdf.add_page()
    width = pdf.w - 40

    # A double frame: brand colour outside, gold inside.
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(2.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)

    pdf.set_text_color(*INK)
    pdf.set_xy(20, 22)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(width, 6, _text(ISSUER.upper()), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(width, 6, _text(event), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(8)
    pdf.set_text_color(*BRAND)
    pdf.set_font("Helvetica", "B", 30)
    pdf.cell(width, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(width, 7, "diberikan kepada", align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 24)
    pdf.multi_cell(width, 11, _text(team), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(width, 7, _text(cooperative), align="C", new_x="LMARGIN", new_y="NEXT")
    if participants and participants != [team]:
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(width, 6, _text(", ".join(participants)), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(4)
    pdf.set_font("Helvetica", "", 13)
    if award:
        pdf.cell(width, 7, "sebagai", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*GOLD)
        pdf.set_font("Helvetica", "B", 26)
        pdf.cell(width, 13, _text(award.upper()), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.set_font("Helvetica", "", 13)
        pdf.multi_cell(width, 7, _text(f"dalam {competition}"), align="C", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(
            width,
            7,
            _text(f"atas partisipasinya sebagai peserta {competition}"),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.set_font("Helvetica", "", 11)
    where = ", ".join(x for x in (venue, days) if x)
    if where:
        pdf.multi_cell(width, 6, _text(where), align="C", new_x="LMARGIN", new_y="NEXT")

    # Signature block, bottom right; the verification reference bottom left.
    pdf.set_xy(pdf.w - 110, pdf.h - 52)
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(90, 6, _text(f"Balikpapan, {issued}"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(90, 6, "Panitia Hari Koperasi", align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(14)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(pdf.w - 95, pdf.get_y(), pdf.w - 35, pdf.get_y())
    pdf.set_xy(20, pdf.h - 24)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(74, 85, 97)
    pdf.cell(width / 2, 5, _text(f"Hasil resmi: {reference}"))
    return bytes(pdf.output())
