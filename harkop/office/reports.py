"""Reports for the Province and the Ministry: the inactive cooperatives (XLSX and a PDF summary)
and the warning letters (PDF), in Indonesian.

They are official documents of the Dinas, so they are in Indonesian whatever the language of the
page they are downloaded from: the functions that make them are `@in_indonesian`, and their
labels, dates and numbers read in Indonesian. `summary` also feeds the report page, so it keeps
labels lazy and each reader shows them in its own language.

PDFs use fpdf2's core Helvetica font, which covers Latin-1: Indonesian needs nothing more, and
text from the registry (names may hold curly quotes or dashes) is folded into Latin-1 first.
Every number comes from a few aggregate queries; only the inactive list itself is row by row.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from sqlalchemy import func, select

from .. import clock, vocabulary
from ..cooperatives import rules
from ..cooperatives.labels import Labels
from ..cooperatives.models import Cooperative, InactiveReason, RatRecord
from ..cooperatives.vocab import CoopStatus, ReasonCode
from ..extensions import db
from ..spreadsheets import Styled, XlsxBook
from ..vocabulary import in_indonesian
from . import dashboard, letters
from .models import LetterKind, LetterStatus, WarningLetter

OFFICE_LINES = (
    "PEMERINTAH KOTA BALIKPAPAN",
    "DINAS KOPERASI, USAHA MIKRO, KECIL DAN MENENGAH, DAN PERINDUSTRIAN",
)
OFFICE_SHORT = "Dinas Koperasi, UMKM dan Perindustrian Kota Balikpapan"
HEAD_OF_OFFICE = "Kepala Dinas Koperasi, UMKM dan Perindustrian Kota Balikpapan"
# A city's list fits in the PDF; a national registry's full list belongs in the XLSX.
PDF_LIST_LIMIT = 2000
REPORT_ADDRESSEES = (
    "Kepala Dinas Koperasi dan UKM Provinsi Kalimantan Timur",
    "Menteri Koperasi Republik Indonesia c.q. Deputi Bidang Pengawasan, Kementerian Koperasi",
)


# --- Data ---------------------------------------------------------------------------------------


@dataclass
class InactiveRow:
    """One inactive cooperative as the report lists it."""

    id: int
    nik: str
    name: str
    kecamatan: str
    kelurahan: str
    alamat: str
    jenis: str
    reasons: list[str] = field(default_factory=list)
    reasons_since: date | None = None
    last_rat_year: int | None = None
    missed_in_a_row: int = 0
    grade: str = ""
    ods_status: str = ""
    ods_grade: str = ""


@dataclass
class Summary:
    """The counts the PDF summary and the report page show."""

    on: date
    total: int
    active: int
    inactive: int
    by_kecamatan: list[tuple[Any, int, int]]  # (kecamatan, active, inactive)
    by_reason: list[tuple[Any, int]]  # (lazy label, cooperatives)
    rat_year: int
    rat_held: int
    letters_year: int
    letters: list[tuple[Any, int]]  # (lazy title, letters)


def _inactive_ids():
    return select(Cooperative.id).where(Cooperative.status == CoopStatus.tidak_aktif)


@in_indonesian
def inactive_rows() -> list[InactiveRow]:
    """The inactive cooperatives by kecamatan and name, with reasons and last RAT book year."""
    coops = db.session.execute(
        select(
            Cooperative.id,
            Cooperative.nik,
            Cooperative.name,
            Cooperative.kecamatan_code,
            Cooperative.kelurahan_code,
            Cooperative.alamat,
            Cooperative.jenis,
            Cooperative.rat_missed_in_a_row,
            Cooperative.grade,
            Cooperative.ods_status,
            Cooperative.ods_grade,
        )
        .where(Cooperative.status == CoopStatus.tidak_aktif)
        .order_by(Cooperative.kecamatan_code, Cooperative.name, Cooperative.id)
    ).all()
    last_rat = dict(
        db.session.execute(
            select(RatRecord.cooperative_id, func.max(RatRecord.book_year))
            .where(RatRecord.cooperative_id.in_(_inactive_ids()))
            .group_by(RatRecord.cooperative_id)
        ).all()
    )
    reasons: dict[int, list[tuple[ReasonCode, Any]]] = {}
    for cid, code, set_at in db.session.execute(
        select(InactiveReason.cooperative_id, InactiveReason.code, InactiveReason.set_at)
        .where(InactiveReason.cooperative_id.in_(_inactive_ids()), InactiveReason.cleared_at.is_(None))
        .order_by(InactiveReason.set_at)
    ):
        reasons.setdefault(cid, []).append((code, set_at))
    rows = []
    for c in coops:
        found = reasons.get(c.id, [])
        labels = [code.label for code, _at in found]
        if c.rat_missed_in_a_row >= rules.MISSED_FOR_INACTIVE and not any(
            code == ReasonCode.tidak_rat for code, _at in found
        ):
            labels.insert(
                0,
                f"{ReasonCode.tidak_rat.label} ({c.rat_missed_in_a_row} tahun buku berturut-turut)",
            )
        rows.append(
            InactiveRow(
                id=c.id,
                nik=c.nik,
                name=c.name,
                kecamatan=Labels.kecamatan(c.kecamatan_code),
                kelurahan=Labels.kelurahan(c.kelurahan_code),
                alamat=c.alamat or "",
                jenis=Labels.jenis(c.jenis),
                reasons=labels,
                reasons_since=clock.to_wita(found[0][1]).date() if found else None,
                last_rat_year=last_rat.get(c.id),
                missed_in_a_row=c.rat_missed_in_a_row,
                grade=Labels.grade(c.grade),
                ods_status=Labels.status(c.ods_status),
                ods_grade=Labels.grade(c.ods_grade),
            )
        )
    return rows


def summary(*, today: date | None = None) -> Summary:
    """Registry-wide counts for the report, from aggregate queries."""
    today = today or clock.today()
    by_kecamatan = [(r.label, r.active, r.inactive) for r in dashboard.status_by_kecamatan()]
    active = sum(a for _n, a, _i in by_kecamatan)
    inactive = sum(i for _n, _a, i in by_kecamatan)
    reason_counts = dict(
        db.session.execute(
            select(InactiveReason.code, func.count(func.distinct(InactiveReason.cooperative_id)))
            .where(InactiveReason.cleared_at.is_(None))
            .group_by(InactiveReason.code)
        ).all()
    )
    computed_rat = db.session.scalar(
        select(func.count()).where(
            Cooperative.status == CoopStatus.tidak_aktif,
            Cooperative.rat_missed_in_a_row >= rules.MISSED_FOR_INACTIVE,
        )
    )
    reason_counts[ReasonCode.tidak_rat] = max(reason_counts.get(ReasonCode.tidak_rat, 0), computed_rat or 0)
    by_reason = [(code.lazy_label, reason_counts.get(code, 0)) for code in ReasonCode]
    rat_year = rules.latest_due_book_year(today)
    rat_held = db.session.scalar(select(func.count()).where(RatRecord.book_year == rat_year)) or 0
    issued = letters.issued_counts(today.year)
    return Summary(
        on=today,
        total=active + inactive,
        active=active,
        inactive=inactive,
        by_kecamatan=by_kecamatan,
        by_reason=by_reason,
        rat_year=rat_year,
        rat_held=rat_held,
        letters_year=today.year,
        letters=[(kind.lazy_label, issued.get(kind, 0)) for kind in LetterKind],
    )


# --- XLSX ---------------------------------------------------------------------------------------

XLSX_COLUMNS: list[tuple[str, int]] = [
    ("No", 6),
    ("NIK Koperasi", 19),
    ("Nama Koperasi", 40),
    ("Kecamatan", 20),
    ("Kelurahan", 20),
    ("Alamat", 40),
    ("Jenis", 14),
    ("Alasan Tidak Aktif", 50),
    ("Alasan Dicatat Sejak", 14),
    ("RAT Terakhir (Tahun Buku)", 14),
    ("Tahun Buku Tanpa RAT Berturut-turut", 14),
    ("Grade (Harkop)", 10),
    ("Status ODS", 12),
    ("Grade ODS", 10),
]


@in_indonesian
def inactive_xlsx(rows: list[InactiveRow], stats: Summary) -> bytes:
    """The inactive cooperatives as an XLSX workbook: the list, and a summary sheet.

    Written through harkop/spreadsheets.py: names and addresses stay text, never formulas.
    """
    book = XlsxBook()
    sheet = book.sheet("Koperasi Tidak Aktif")
    sheet.widths(width for _title, width in XLSX_COLUMNS)
    sheet.freeze("A2")
    sheet.append(Styled(title, bold=True, wrap=True) for title, _width in XLSX_COLUMNS)
    for number, row in enumerate(rows, start=1):
        sheet.append(
            [
                number,
                Styled(row.nik, number_format="@"),  # 16 digits stay text, never a rounded number
                row.name,
                row.kecamatan,
                row.kelurahan,
                row.alamat,
                row.jenis,
                "; ".join(row.reasons),
                Styled(row.reasons_since, number_format="DD/MM/YYYY"),
                row.last_rat_year,
                row.missed_in_a_row,
                row.grade,
                row.ods_status,
                row.ods_grade,
            ]
        )
    info = book.sheet("Ringkasan")
    info.widths([48, 14, 14])
    info.append([Styled(f"Laporan Koperasi Tidak Aktif — {OFFICE_SHORT}", bold=True)])
    info.append(["Keadaan per", clock.format_short_date(stats.on)])
    info.append()
    info.append(["Koperasi binaan", stats.total])
    info.append(["Aktif", stats.active])
    info.append(["Tidak aktif", stats.inactive])
    info.append([f"Melaksanakan RAT tahun buku {stats.rat_year}", stats.rat_held])
    info.append()
    info.append(
        [Styled("Kecamatan", bold=True), Styled("Aktif", bold=True), Styled("Tidak aktif", bold=True)]
    )
    for name, act, inact in stats.by_kecamatan:
        info.append([str(name), act, inact])
    info.append()
    info.append([Styled("Alasan tidak aktif", bold=True), Styled("Koperasi", bold=True)])
    for label, n in stats.by_reason:
        info.append([str(label), n])
    info.append()
    info.append(
        [Styled(f"Surat teguran terbit tahun {stats.letters_year}", bold=True), Styled("Jumlah", bold=True)]
    )
    for label, n in stats.letters:
        info.append([str(label), n])
    return book.to_bytes()


# --- PDF helpers ------------------------------------------------------------------------------

_FOLD = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2022": "-",
    "\u00a0": " ",
    "\u2264": "<=",
    "\u2265": ">=",
}


def latin1(text: Any) -> str:
    """Text the core PDF fonts can show: common typography folded, anything else as '?'."""
    value = "" if text is None else str(text)
    value = "".join(_FOLD.get(ch, ch) for ch in value)
    return value.encode("latin-1", "replace").decode("latin-1")


class OfficePdf(FPDF):
    """A4 portrait with the office's letterhead on the first page and page numbers below."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(22, 18, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(latin1(title))
        self.set_author(latin1(OFFICE_SHORT))
        self.set_creator("Harkop")
        self.set_lang("id")
        # A fixed creation date keeps the file the same for the same data (reprints, tests).
        self.set_creation_date(clock.now())

    def footer(self) -> None:  # noqa: D102
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, f"Halaman {self.page_no()}/{{nb}}", align="C")

    def letterhead(self) -> None:
        """The office's heading with a double rule under it."""
        self.set_font("Helvetica", "B", 12)
        for line in OFFICE_LINES:
            self.cell(0, 6, latin1(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 5, "Balikpapan, Kalimantan Timur", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y() + 1
        self.set_line_width(0.8)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_line_width(0.2)
        self.line(self.l_margin, y + 1.2, self.w - self.r_margin, y + 1.2)
        self.set_y(y + 5)

    body_size = 11.0

    def para(
        self, text: str, *, size: float | None = None, style: str = "", align: str = "J", gap: float = 2
    ) -> None:
        """A paragraph of body text."""
        size = size or self.body_size
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, size * 0.47, latin1(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def field_lines(self, items: list[tuple[str, str]], label_width: float = 24) -> None:
        """Lines like 'Nomor : 500.3/12/DKUMKMP/2024'."""
        self.set_font("Helvetica", "", self.body_size)
        height = self.body_size * 0.5
        for label, value in items:
            self.cell(label_width, height, latin1(label))
            self.cell(4, height, ":")
            self.multi_cell(0, height, latin1(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self, header: list[str], rows: list[list[Any]], widths: tuple[float, ...], aligns: tuple[str, ...]
    ) -> None:
        """A table with a bold header row repeated on each page."""
        self.set_font("Helvetica", "", 9)
        with self.table(
            col_widths=widths,
            text_align=aligns,
            line_height=5,
            headings_style=FontFace(emphasis="BOLD"),
            repeat_headings=1,
            padding=1,
        ) as table:
            head = table.row()
            for title in header:
                head.cell(latin1(title))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(latin1("-" if value is None or value == "" else value))
        self.ln(3)

    def signature(self, *, on: date, signer: str) -> None:
        """The closing block: place and date, the office head, room for the signature."""
        self.ln(3)
        x = self.w / 2 + 10
        self.set_font("Helvetica", "", self.body_size)
        for line in (f"Balikpapan, {clock.format_short_date(on)}", HEAD_OF_OFFICE):
            self.set_x(x)
            self.multi_cell(0, 5.2, latin1(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(14)
        self.set_x(x)
        self.set_font("Helvetica", "B", self.body_size)
        self.multi_cell(
            0,
            5.2,
            latin1(signer or "(.......................................)"),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


COOP_PREFIXES = (
    "koperasi",
    "kop.",
    "kopkar",
    "kopwan",
    "kud",
    "ksu",
    "ksp",
    "kspps",
    "kpri",
    "primkop",
    "koppontren",
)


def coop_title(name: str) -> str:
    """'Koperasi Maju' for a bare name, the name itself when it already says what it is (KSP …)."""
    first = (name or "").strip().split(" ", 1)[0].lower()
    return name if first in COOP_PREFIXES or first.startswith("kop") else f"Koperasi {name}"


def _signer() -> str:
    from flask import current_app

    return current_app.config.get("HARKOP_LETTER_SIGNER", "") or ""


# --- PDF: summary for the Province and the Ministry ----------------------------------------------


@in_indonesian
def inactive_pdf(rows: list[InactiveRow], stats: Summary) -> bytes:
    """The summary letter to the Province and the Ministry, with the inactive list attached."""
    pdf = OfficePdf(f"Laporan Koperasi Tidak Aktif per {clock.format_short_date(stats.on)}")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.letterhead()
    pdf.field_lines(
        [
            ("Nomor", "......................................"),
            ("Sifat", "Biasa"),
            ("Lampiran", "1 (satu) berkas"),
            ("Perihal", "Laporan Koperasi Tidak Aktif dan Surat Teguran"),
        ]
    )
    pdf.ln(4)
    pdf.para("Kepada Yth.", gap=0)
    for i, name in enumerate(REPORT_ADDRESSEES, start=1):
        pdf.para(f"{i}. {name}", gap=0, align="L")
    pdf.para("di Tempat", gap=4)
    pdf.para(
        "Dengan hormat, bersama ini kami sampaikan laporan keadaan koperasi binaan Kota Balikpapan "
        f"per {clock.format_short_date(stats.on)}, khususnya koperasi yang tidak aktif beserta "
        "alasannya, serta surat teguran yang telah diterbitkan sesuai ketentuan penyelenggaraan "
        "Rapat Anggota Tahunan (RAT)."
    )
    pdf.para("1. Ringkasan", style="B", gap=1)
    pdf.grid(
        ["Uraian", "Jumlah"],
        [
            ["Koperasi binaan", stats.total],
            ["Koperasi aktif", stats.active],
            ["Koperasi tidak aktif", stats.inactive],
            [f"Koperasi yang melaksanakan RAT tahun buku {stats.rat_year}", stats.rat_held],
        ],
        (130, 36),
        ("LEFT", "RIGHT"),
    )
    pdf.para("2. Status koperasi per kecamatan", style="B", gap=1)
    pdf.grid(
        ["Kecamatan", "Aktif", "Tidak aktif", "Jumlah"],
        [[n, a, i, a + i] for n, a, i in stats.by_kecamatan]
        + [["Jumlah", stats.active, stats.inactive, stats.total]],
        (76, 30, 30, 30),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT"),
    )
    pdf.para("3. Alasan tidak aktif (satu koperasi dapat memiliki lebih dari satu alasan)", style="B", gap=1)
    pdf.grid(
        ["Alasan", "Koperasi"], [[label, n] for label, n in stats.by_reason], (130, 36), ("LEFT", "RIGHT")
    )
    pdf.para(f"4. Surat teguran yang diterbitkan tahun {stats.letters_year}", style="B", gap=1)
    pdf.grid(
        ["Jenis surat", "Jumlah"], [[label, n] for label, n in stats.letters], (130, 36), ("LEFT", "RIGHT")
    )
    pdf.para(
        "Daftar koperasi tidak aktif terlampir. Demikian laporan ini kami sampaikan; atas perhatian "
        "Bapak/Ibu kami ucapkan terima kasih."
    )
    pdf.signature(on=stats.on, signer=_signer())
    pdf.add_page()
    pdf.para(
        f"Lampiran: Daftar Koperasi Tidak Aktif per {clock.format_short_date(stats.on)}", style="B", align="L"
    )
    if len(rows) > PDF_LIST_LIMIT:
        shown, total = (vocabulary.number(n) for n in (PDF_LIST_LIMIT, len(rows)))
        pdf.para(
            f"Daftar ini memuat {shown} dari {total} koperasi tidak aktif; daftar lengkap ada dalam "
            "berkas XLSX yang menyertai laporan ini."
        )
        rows = rows[:PDF_LIST_LIMIT]
    if rows:
        pdf.grid(
            ["No", "NIK", "Nama koperasi", "Kecamatan", "Alasan", "RAT terakhir"],
            [
                [i, r.nik, r.name, r.kecamatan, "; ".join(r.reasons), r.last_rat_year or "Belum pernah"]
                for i, r in enumerate(rows, start=1)
            ],
            (9, 30, 45, 26, 40, 18),
            ("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "CENTER"),
        )
    else:
        pdf.para("Tidak ada koperasi tidak aktif.")
    return bytes(pdf.output())


# --- PDF: a warning letter ----------------------------------------------------------------------


@in_indonesian
def letter_pdf(letter: WarningLetter) -> bytes:
    """One issued surat teguran as a PDF (the same bytes for the same letter on every reprint)."""
    if letter.status != LetterStatus.issued or not letter.number:
        raise ValueError("only issued letters are printed")
    rule = letters.LADDER[letter.kind]
    to = letter.addressee or {}
    pdf = OfficePdf(f"{letter.kind.label} {letter.number}")
    pdf.body_size = 10.5  # a letter fits on one page
    pdf.set_subject(latin1(f"Nomor {letter.number}"))
    pdf.set_creation_date(clock.as_utc(letter.updated_at or letter.created_at))
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.letterhead()
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(
        0,
        6,
        latin1(f"Balikpapan, {clock.format_short_date(letter.issued_on)}"),
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.field_lines(
        [
            ("Nomor", letter.number),
            ("Sifat", "Penting"),
            ("Lampiran", "-"),
            ("Perihal", letter.kind.label),
        ]
    )
    pdf.ln(4)
    pdf.para("Kepada Yth.", gap=0)
    chair = f"Ketua {coop_title(to.get('name', ''))}"
    if to.get("ketua"):
        chair += f" (Sdr. {to['ketua']})"
    pdf.para(chair, gap=0, align="L", style="B")
    address = ", ".join(
        x
        for x in (
            to.get("alamat"),
            f"Kel. {to['kelurahan']}" if to.get("kelurahan") else None,
            f"Kec. {to['kecamatan']}" if to.get("kecamatan") else None,
            to.get("kode_pos"),
        )
        if x
    )
    if address:
        pdf.para(address, gap=0, align="L")
    pdf.para(f"NIK Koperasi {to.get('nik', '')}", gap=0, align="L")
    pdf.para("di Balikpapan", gap=4, align="L")
    year = letter.book_year
    deadline = rules.rat_deadline(year)
    pdf.para(
        f"Berdasarkan data registri koperasi pada {OFFICE_SHORT}, {coop_title(to.get('name', ''))} "
        f"{_breach_text(letter.kind, year)}. Menurut ketentuan, RAT tahun buku {year} wajib "
        f"diselenggarakan paling lambat tanggal {clock.format_short_date(deadline)}."
    )
    pdf.para("Ketentuan yang dilanggar:", style="B", gap=0)
    pdf.para(letters.RAT_RULE)
    if rule.dissolution:
        pdf.para(
            "Karena koperasi tidak menyelenggarakan RAT dua tahun buku berturut-turut, dengan surat ini "
            "Dinas menyampaikan teguran tertulis sekaligus pemberitahuan rencana pembubaran koperasi "
            f"sesuai {letters.DISSOLUTION_RULE}"
        )
    pdf.para(
        f"Sehubungan dengan hal tersebut, kami minta Saudara menyelenggarakan RAT tahun buku {year} "
        "dan menyampaikan berita acaranya kepada Dinas, atau melalui menu Pemutakhiran Data pada "
        f"Harkop, paling lambat tanggal {clock.format_short_date(letter.deadline)}."
    )
    if rule.dissolution:
        pdf.para(
            "Apabila sampai batas waktu tersebut RAT belum diselenggarakan, Dinas akan mengusulkan "
            "pembubaran koperasi kepada pejabat yang berwenang."
        )
    pdf.para("Demikian surat teguran ini disampaikan untuk dilaksanakan.")
    pdf.signature(on=letter.issued_on, signer=_signer())
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 5, "Tembusan:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for i, name in enumerate(rule.copies, start=1):
        pdf.multi_cell(0, 5, latin1(f"{i}. {name}"), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _breach_text(kind: LetterKind, year: int) -> str:
    if kind == LetterKind.teguran_1:
        return f"tidak menyelenggarakan Rapat Anggota Tahunan (RAT) tahun buku {year} tepat waktu"
    if kind == LetterKind.teguran_2:
        return (
            f"tidak menyelenggarakan Rapat Anggota Tahunan (RAT) tepat waktu untuk tahun buku {year - 1} "
            f"dan {year}, dua tahun buku berturut-turut; teguran ini ditembuskan kepada "
            f"{letters.MINISTRY_DEPUTY}"
        )
    return (
        f"tidak menyelenggarakan Rapat Anggota Tahunan (RAT) untuk tahun buku {year - 1} dan {year}, "
        "dua tahun buku berturut-turut"
    )


def letter_file_name(letter: WarningLetter) -> str:
    """A safe file name for a letter, from its number: surat-teguran-500.3-12-DKUMKMP-2024.pdf."""
    return (
        "surat-teguran-" + re.sub(r"[^0-9A-Za-z.]+", "-", letter.number or str(letter.id)).strip("-") + ".pdf"
    )


# --- The command's output -------------------------------------------------------------------------


@in_indonesian
def write_inactive_report(out_dir: Path, *, today: date | None = None, progress: Any = None) -> list[Path]:
    """Write the XLSX, the PDF summary and every letter issued this year into `out_dir`.

    `progress(label, length)`, if given, is a context manager whose bar is moved one step per
    file written (the background job's progress, harkop/cooperatives/import_jobs.py)."""
    today = today or clock.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = inactive_rows()
    stats = summary(today=today)
    stamp = today.isoformat()
    issued = list(
        db.session.scalars(
            select(WarningLetter)
            .where(WarningLetter.status == LetterStatus.issued, WarningLetter.year == today.year)
            .order_by(WarningLetter.seq)
        )
    )
    written = []
    with (progress or _no_progress)(str(_l("Menulis laporan dan surat")), 2 + len(issued)) as bar:
        xlsx = out_dir / f"koperasi-tidak-aktif-{stamp}.xlsx"
        xlsx.write_bytes(inactive_xlsx(rows, stats))
        written.append(xlsx)
        bar.update(1)
        pdf = out_dir / f"laporan-koperasi-tidak-aktif-{stamp}.pdf"
        pdf.write_bytes(inactive_pdf(rows, stats))
        written.append(pdf)
        bar.update(1)
        folder = out_dir / "surat-teguran"
        for letter in issued:
            folder.mkdir(exist_ok=True)
            path = folder / letter_file_name(letter)
            path.write_bytes(letter_pdf(letter))
            written.append(path)
            bar.update(1)
    return written


@contextmanager
def _no_progress(_label: str, _length: int):
    class Bar:
        def update(self, _n: int) -> None:
            pass

    yield Bar()


REPORT_JOB = "inactive_report"


def enqueue_inactive_report(*, by: Any) -> Any:
    """Queue the inactive-cooperatives report with this year's letters as a background job that
    makes one ZIP file (the caller commits); the scheduler runs it (run_inactive_report_job)."""
    from ..cooperatives.import_jobs import enqueue_job

    name = f"laporan-koperasi-tidak-aktif-{clock.today().isoformat()}.zip"
    return enqueue_job(REPORT_JOB, filename=name, fmt="zip", by=by)


def run_inactive_report_job(job: Any, progress: Any) -> dict[str, Any]:
    """The job's work, as `flask harkop report-inactive` does it: refresh the registry's cached
    statuses, write the XLSX, the PDF and this year's letters, and pack them into the job's ZIP."""
    import tempfile
    import zipfile

    from ..cooperatives.import_jobs import output_path
    from ..cooperatives.services import recompute_registry

    recompute_registry()
    db.session.commit()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = write_inactive_report(root, progress=progress)
        with zipfile.ZipFile(output_path(job), "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(root).as_posix())
    return {"files": [path.relative_to(root).as_posix() for path in files]}


def install_report_jobs() -> None:
    """Let the background queue run the report (called when the app starts)."""
    from ..cooperatives.import_jobs import register_runner

    register_runner(REPORT_JOB, run_inactive_report_job)
