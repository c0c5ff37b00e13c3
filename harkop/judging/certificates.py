"""Certificates (piagam) as PDFs in Indonesian: an award for Juara and Harapan, participation otherwise.

Made from the published snapshot, so a certificate says what the public results say. Each is
issued once as a `Certificate` row (one per participant of a judged entry, one more for the team
when a team wins an award) with a random code; the PDF prints the code and a QR of the public
verification page (`/verifikasi/<code>`), which confirms the facts stored with the code. A
correction that changes a holder's facts withdraws the old certificate and issues a new one
(`sync_certificates`). A4 landscape with the built-in Helvetica (the text is plain Indonesian,
Latin-1 is enough; other characters are simplified).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit import record_audit
from ..competitions.models import Competition
from ..errors import NotFound
from ..extensions import db
from ..registrations.models import Entry
from ..registrations.services import absolute_url
from ..registrations.tickets import ALPHABET, qr_image
from ..vocabulary import indonesian
from .models import Certificate, ResultSnapshot
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


CODE_LENGTH = 16  # from the 31-letter ticket alphabet: about 79 bits, printed as XXXX-XXXX-XXXX-XXXX
TEAM = "team"


def new_code() -> str:
    """A random certificate code (no look-alike letters)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The code in groups of four for print: ABCD-EFGH-JKMN-PQRS."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str | None:
    """A typed or scanned code with dashes, spaces and case forgiven; None when it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", (text or "").upper())
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def find_certificate(text: str) -> Certificate | None:
    """The certificate a code names, valid or withdrawn; None for an unknown or malformed code."""
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def verify_url(code: str) -> str:
    """The absolute link printed (and put in the QR) on a certificate."""
    return absolute_url("judging.verify_certificate", code=code)


@dataclass(frozen=True)
class Holder:
    """What one certificate says, as the published result gives it."""

    entry_id: int
    holder: str
    participant_id: int | None
    name: str
    team_name: str
    cooperative_name: str
    award: str | None

    def facts(self) -> tuple[Any, ...]:
        """The printed facts: a change in any of them needs a new certificate."""
        return (self.name, self.team_name, self.cooperative_name, self.award)


def holders_of(comp: Competition, snapshot: ResultSnapshot) -> list[Holder]:
    """Everyone a published result gives a certificate: each current participant of each judged entry
    (with the team's award or participation), and the team itself when a team won an award."""
    out = []
    ids = [row["entry_id"] for row in snapshot.data["entries"]]
    # One query for every entry and its participants, not two per entry (issue 20).
    entries = {
        entry.id: entry
        for entry in db.session.scalars(
            select(Entry).where(Entry.id.in_(ids)).options(selectinload(Entry.participants))
        )
    }
    for row in snapshot.data["entries"]:
        entry = entries.get(row["entry_id"])
        if entry is None:
            continue
        award = row.get("award") or None
        coop = row["cooperative"]["name"]
        for person in entry.current_participants:
            out.append(Holder(entry.id, f"p{person.id}", person.id, person.name, row["team"], coop, award))
        if comp.is_team and award:
            out.append(Holder(entry.id, TEAM, None, row["team"], row["team"], coop, award))
    return out


def sync_certificates(
    comp: Competition, snapshot: ResultSnapshot, *, by: Any, now: datetime | None = None
) -> dict[str, int]:
    """Issue the certificates a published result gives, and withdraw those it no longer supports.

    Idempotent: a certificate whose facts did not change is kept with its code. After a correction
    a changed holder's certificate is withdrawn (its code then verifies as withdrawn, with the
    reason) and a new one with a new code replaces it; a holder no longer in the result loses theirs.
    """
    now = now or clock.now()
    valid = {
        (c.entry_id, c.holder): c
        for c in db.session.scalars(
            select(Certificate).where(
                Certificate.competition_id == comp.id, Certificate.withdrawn_at.is_(None)
            )
        )
    }
    with indonesian():  # stored, and shown as it was written
        reason = _("Hasil dikoreksi (versi %(v)d).", v=snapshot.version)
    issued = withdrawn = 0
    wanted = set()
    for holder in holders_of(comp, snapshot):
        key = (holder.entry_id, holder.holder)
        wanted.add(key)
        current = valid.get(key)
        if (
            current is not None
            and (
                current.name,
                current.team_name,
                current.cooperative_name,
                current.award,
            )
            == holder.facts()
        ):
            continue
        if current is not None:
            current.withdrawn_at = now
            current.withdrawn_reason = reason
            withdrawn += 1
            db.session.flush()  # the valid-per-holder index: withdraw before issuing the new one
        fresh = Certificate(
            code=new_code(),
            competition_id=comp.id,
            entry_id=holder.entry_id,
            participant_id=holder.participant_id,
            holder=holder.holder,
            name=holder.name[:200],
            team_name=holder.team_name[:120],
            cooperative_name=holder.cooperative_name[:200],
            competition_name=comp.name[:200],
            event_name=comp.event.name[:200],
            award=holder.award,
            snapshot_version=snapshot.version,
            issued_at=now,
        )
        db.session.add(fresh)
        db.session.flush()
        if current is not None:
            current.replaced_by_id = fresh.id
        issued += 1
    for key, cert in valid.items():
        if key not in wanted:
            cert.withdrawn_at = now
            cert.withdrawn_reason = reason
            withdrawn += 1
    db.session.flush()
    if issued or withdrawn:
        record_audit(
            "judging.certificates_issued",
            entity_type="competition",
            entity_id=comp.id,
            by=by,
            after={"version": snapshot.version, "issued": issued, "withdrawn": withdrawn},
            now=now,
        )
    return {"issued": issued, "withdrawn": withdrawn}


def ensure_certificates(comp: Competition, *, by: Any) -> ResultSnapshot:
    """The published snapshot, with its certificates issued (results published before certificates
    had codes get theirs on first print); 404 before publication."""
    snapshot = published_snapshot(comp)
    if snapshot is None:
        raise NotFound("results_not_published", _("Hasil lomba ini belum diumumkan."))
    sync_certificates(comp, snapshot, by=by, now=snapshot.published_at)
    return snapshot


def valid_certificates(comp: Competition, *, entry_id: int | None = None) -> list[Certificate]:
    """A competition's valid certificates (or one entry's): by rank order of the result, team first."""
    stmt = select(Certificate).where(
        Certificate.competition_id == comp.id, Certificate.withdrawn_at.is_(None)
    )
    if entry_id is not None:
        stmt = stmt.where(Certificate.entry_id == entry_id)
    certs = list(db.session.scalars(stmt))
    snapshot = published_snapshot(comp)
    order = {r["entry_id"]: i for i, r in enumerate(snapshot.data["entries"])} if snapshot else {}
    return sorted(certs, key=lambda c: (order.get(c.entry_id, 10**6), c.holder != TEAM, c.id))


def certificates_of_entries(entry_ids: list[int]) -> dict[int, list[Certificate]]:
    """Valid certificates by entry (the team's first), for the pengurus's results page."""
    out: dict[int, list[Certificate]] = {}
    if not entry_ids:
        return out
    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.entry_id.in_(entry_ids), Certificate.withdrawn_at.is_(None))
        .order_by(Certificate.entry_id, Certificate.id)
    )
    for cert in rows:
        out.setdefault(cert.entry_id, []).append(cert)
    for certs in out.values():
        certs.sort(key=lambda c: (c.holder != TEAM, c.id))
    return out


def certificate_for(entry: Entry, *, by: Any) -> tuple[bytes, str]:
    """The entry's certificates (each participant's, and the team's when it won) in one PDF and its
    file name; 404 before publication or for an entry that was not judged."""
    comp = entry.competition
    ensure_certificates(comp, by=by)
    certs = valid_certificates(comp, entry_id=entry.id)
    if not certs:
        raise NotFound(
            "certificate_not_available", _("Tim ini tidak dinilai sehingga tidak mendapat piagam.")
        )
    award = certs[0].award
    kind = _slug(award) if award else "partisipasi"
    return certificates_pdf(certs), f"piagam-{kind}-{_slug(comp.name)}-{_slug(entry.team_name)}.pdf"


def competition_certificates(
    comp: Competition, *, by: Any, on_card: Callable[[], None] | None = None
) -> tuple[bytes, str]:
    """Every valid certificate of a published competition in one PDF (for the office to print)."""
    ensure_certificates(comp, by=by)
    return certificates_pdf(valid_certificates(comp), on_card=on_card), competition_certificates_name(comp)


def competition_certificates_name(comp: Competition) -> str:
    """The file name of a competition's certificates PDF."""
    return f"piagam-{_slug(comp.name)}.pdf"


def count_competition_certificates(comp: Competition) -> int:
    """How many certificates a published competition's PDF holds, counted without issuing any
    (reads only: a GET that only asks must not write); 404 before publication."""
    snapshot = published_snapshot(comp)
    if snapshot is None:
        raise NotFound("results_not_published", _("Hasil lomba ini belum diumumkan."))
    return len(holders_of(comp, snapshot))


def certificates_pdf(certs: list[Certificate], *, on_card: Callable[[], None] | None = None) -> bytes:
    """Certificates, one A4 landscape page each, in Indonesian; `on_card()` after each."""
    pdf = _document("PIAGAM")
    with indonesian():  # a certificate is the Dinas's official document: in Indonesian, dates too
        for cert in certs:
            comp = cert.competition
            draw_certificate(
                pdf,
                award=cert.award,
                name=cert.name,
                team=None if cert.is_team or cert.team_name == cert.name else cert.team_name,
                cooperative=cert.cooperative_name,
                competition=cert.competition_name,
                event=cert.event_name,
                venue=comp.event.venue,
                days=", ".join(clock.format_date(d) for d in comp.days),
                issued=clock.format_date(clock.to_wita(cert.issued_at).date()),
                code=format_code(cert.code),
                link=verify_url(cert.code),
            )
            if on_card is not None:
                on_card()
    if not certs:
        pdf.add_page()
    return bytes(pdf.output())


def _document(title: str) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 15, 20)
    pdf.set_title(_text(title))
    pdf.set_author("Harkop")
    pdf.set_creator("Harkop")
    pdf.set_lang("id")
    return pdf


def render_certificate(**facts: Any) -> bytes:
    """One certificate as a PDF (pure: plain values in, PDF bytes out); see `draw_certificate`."""
    pdf = _document(f"PIAGAM - {facts.get('competition', '')} - {facts.get('name', '')}")
    draw_certificate(pdf, **facts)
    return bytes(pdf.output())


def draw_certificate(
    pdf: FPDF,
    *,
    award: str | None,
    name: str,
    team: str | None,
    cooperative: str,
    competition: str,
    event: str,
    venue: str,
    days: str,
    issued: str,
    code: str,
    link: str,
) -> None:
    """Lay out one certificate on a new page: holder, award, competition, event, and the code with a
    QR of its verification link."""
    title = "PIAGAM PENGHARGAAN" if award else "PIAGAM PARTISIPASI"
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

    pdf.ln(6)
    pdf.set_text_color(*BRAND)
    pdf.set_font("Helvetica", "B", 30)
    pdf.cell(width, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(width, 7, "diberikan kepada", align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 24)
    pdf.multi_cell(width, 11, _text(name), align="C", new_x="LMARGIN", new_y="NEXT")
    if team:
        pdf.set_font("Helvetica", "", 12)
        pdf.multi_cell(width, 6, _text(f"Tim {team}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(width, 7, _text(cooperative), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(3)
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

    # Signature block, bottom right; the code and its QR bottom left.
    pdf.set_xy(pdf.w - 110, pdf.h - 52)
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(90, 6, _text(f"Balikpapan, {issued}"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(90, 6, "Panitia Hari Koperasi", align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(14)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(pdf.w - 95, pdf.get_y(), pdf.w - 35, pdf.get_y())

    qr_size = 26
    pdf.image(qr_image(link), x=20, y=pdf.h - 20 - qr_size, w=qr_size, h=qr_size)
    pdf.set_text_color(74, 85, 97)
    pdf.set_xy(20 + qr_size + 3, pdf.h - 20 - qr_size + 4)
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(90, 4.5, "Keaslian piagam ini dapat diperiksa dengan memindai QR", new_x="LEFT", new_y="NEXT")
    pdf.cell(90, 4.5, _text("atau di alamat berikut dengan kode piagam:"), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Courier", "B", 10)
    pdf.cell(90, 5.5, _text(code), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(95, 3.8, _text(link), new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(*INK)


CERTIFICATES = "print_certificates"


def make_certificates(params: dict[str, Any], by: Any, on_card: Callable[[], None]) -> bytes:
    """A print job's certificates (params: competition_id), as the office's link gives them."""
    comp = db.session.get(Competition, int(params["competition_id"]))
    pdf, _name = competition_certificates(comp, by=by, on_card=on_card)
    return pdf


def install_print_job() -> None:
    """Let the background queue print a competition's certificates (called when the app starts)."""
    from ..registrations.print_jobs import register_print_kind

    register_print_kind(CERTIFICATES, make_certificates)
