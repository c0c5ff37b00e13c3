"""The paper fallback: a printable score sheet per judge, and a paper sheet typed in by the head judge or the office.

When tablets fail altogether, judges score on paper. `score_sheet_pdf` prints one judge's sheet
for a competition: the rubric (criteria, weights, ranges, level descriptions) and, for each
assigned entry, the values the judge already has on the server with space to write. The sheet is
an official document of the Dinas, so it is in Indonesian whatever the page's language.

`enter_from_paper` records a paper sheet: the scores become the judge's submitted card, under the
judge's name, with an event marked `from_paper` and the typist (head judge or office) as its
author, audited. A card the judge already submitted is not overwritten: it must be unlocked first.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .. import clock
from ..audit import record_audit
from ..auth.models import User
from ..competitions.models import Competition, CompetitionState
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..registrations.models import Entry
from ..vocabulary import indonesian
from . import services
from .models import CardEventKind, CardState

ISSUER = "Dinas Koperasi, UMKM dan Perindustrian Kota Balikpapan"


def _text(value: Any) -> str:
    """Text Helvetica can print (Latin-1), typographic marks made plain."""
    table = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})
    text = str(value if value is not None else "").translate(table)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        return unicodedata.normalize("NFKD", text).encode("latin-1", "ignore").decode("latin-1")


def _number(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)


def sheet_entries(comp: Competition, judge: Any) -> list[tuple[Entry, Any]]:
    """The judge's entries in this competition with their card (None before the first save)."""
    return [(e, c) for e, c in services.assigned_entries(judge) if e.competition_id == comp.id]


def score_sheet_pdf(comp: Competition, judge: Any, *, now: datetime | None = None) -> bytes:
    """One judge's printable score sheet for a competition (PDF, A4 portrait, in Indonesian)."""
    now = now or clock.now()
    rows = sheet_entries(comp, judge)
    criteria = list(comp.criteria)
    total_weight = sum(c.weight for c in criteria) or 1
    with indonesian():
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.set_title(_text(f"Lembar nilai {comp.name} - {judge.label}"))
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 8, _text(f"Lembar Nilai Juri - {comp.name}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, _text(f"Juri: {judge.label}  ·  {ISSUER}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.cell(
            0,
            6,
            _text(
                f"Dicetak {clock.format_datetime(now)}. Nilai yang sudah ada di server tercetak; isi yang kosong."
            ),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, "Rubrik", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 9)
        for c in criteria:
            pct = c.weight / total_weight * 100
            line = f"{c.name} - bobot {pct:.0f}% - nilai 0-{c.max_score}"
            if c.description:
                line += f". {c.description}"
            pdf.multi_cell(0, 5, _text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for level in c.levels:
                score = "" if level.score is None else f"{_number(level.score)}: "
                pdf.multi_cell(
                    0, 4.5, _text(f"    {score}{level.description}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
        for entry, card in rows:
            scores = dict(card.scores or {}) if card is not None else {}
            state = card.state.value if card is not None else "empty"
            if pdf.get_y() > 220:
                pdf.add_page()
            pdf.ln(4)
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(
                0,
                7,
                _text(f"{entry.team_name} - {entry.cooperative.name}"),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            pdf.set_font("Helvetica", "", 9)
            pdf.cell(
                0,
                5,
                _text(f"Status di server: {state}  ·  nomor peserta {entry.id}"),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            pdf.set_font("Helvetica", "B", 9)
            pdf.cell(90, 7, "Kriteria", border=1)
            pdf.cell(30, 7, "Tercatat", border=1, align="C")
            pdf.cell(0, 7, "Nilai tulis tangan", border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font("Helvetica", "", 9)
            for c in criteria:
                pdf.cell(90, 9, _text(f"{c.name} (0-{c.max_score})"), border=1)
                pdf.cell(30, 9, _text(_number(scores.get(str(c.id)))), border=1, align="C")
                pdf.cell(0, 9, "", border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.cell(
                0,
                14,
                _text(f"Catatan: {card.comment if card is not None and card.comment else ''}"),
                border=1,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        pdf.ln(8)
        pdf.cell(
            0,
            6,
            "Tanda tangan juri: ______________________    Tanggal/jam: ______________",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        return bytes(pdf.output())


def enter_from_paper(
    comp: Competition,
    *,
    entry_id: int,
    judge_id: int,
    scores: dict[str, Any],
    comment: str,
    by: Any,
    now: datetime | None = None,
):
    """Record a judge's paper sheet for one entry as their submitted card, typed in by `by`.

    Only the competition's head judge or the office (403), while judging (409 `not_judging`);
    the judge must be assigned to the entry (403 `not_assigned`); every criterion needs a value
    (422 `incomplete_scorecard`, values checked as on the tablet); a card already submitted or
    final is refused (409 `scorecard_submitted`: unlock it first). Flushes, never commits.
    """
    now = now or clock.now()
    services.require_monitor(by, comp)
    if comp.state != CompetitionState.judging:
        raise Conflict("not_judging", _("Penilaian lomba ini tidak sedang berjalan."))
    judge = db.session.get(User, judge_id)
    if judge is None:
        raise NotFound("judge_not_found", _("Juri tidak ditemukan."))
    entry = services.entry_for_judge(entry_id, judge)
    if entry.competition_id != comp.id:
        raise NotFound("entry_not_found", _("Peserta tidak ditemukan."))
    values = services.normalise_scores(comp, scores)
    missing = services.missing_criteria(comp, values)
    if missing:
        raise ValidationFailed(
            "incomplete_scorecard",
            _("Isi nilai setiap kriteria dari lembar kertas."),
            details={"missing": missing},
        )
    card, _fresh = services.lock_card(comp, entry, judge.id, now)
    if card.state in (CardState.submitted, CardState.finalised):
        raise Conflict(
            "scorecard_submitted",
            _("Nilai juri ini sudah terkirim. Buka kuncinya dulu bila lembar kertas yang berlaku."),
        )
    card.scores = values
    card.comment = str(comment or "").strip()[: services.MAX_COMMENT]
    card.revision = card.revision + 1
    card.updated_at = now
    card.state = CardState.submitted
    card.submitted_at = now
    db.session.flush()
    services.record_event(card, CardEventKind.submitted, by=by, now=now, device_id="paper", from_paper=True)
    record_audit(
        "judging.scorecard_from_paper",
        entity_type="scorecard",
        entity_id=card.id,
        by=by,
        after={"entry_id": entry.id, "judge_id": judge.id, "scores": values},
        now=now,
    )
    db.session.flush()
    return card
