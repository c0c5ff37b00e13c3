"""The sanction ladder and the register of warning letters (surat teguran), docs/domain.md §3.

The ladder, for the latest book year Y whose RAT deadline (30 June of Y+1) has passed:

| RAT for Y | RAT for Y-1 | letter |
|---|---|---|
| held on time (or held, date unknown) | any | none |
| late or missing | held on time, or not yet founded | `teguran_1`: written warning |
| late or missing | late or missing | `teguran_2`: warning copied to the Ministry's Deputi Pengawasan |
| missing | missing | `pembubaran`: warning + dissolution-plan letter |

"Late" is a RAT held after the deadline; "missing" is none recorded. Only book years the
cooperative existed in count (founding date, else the badan hukum date).

How letters move (decided here, see docs/office.md):
- The daily job **finds** breaches and writes them into the register as **drafts**: no number
  yet. A letter is an official act signed by the head of the office, and the office may know what
  the registry does not yet (a RAT held but not recorded), so a person issues or dismisses it.
- **Issuing** gives the number from a per-year sequence (`500.3/<n>/DKUMKMP/<year>`), the date,
  the deadline (HARKOP_WARNING_DAYS after) and freezes the addressee; the pengurus are notified.
- **Dismissing** a draft keeps it in the register with the reason, so the job never finds it again.
- A breach is (cooperative, kind, book year), unique in the table: no letter twice for one breach.
  A draft whose breach changed rung (the RAT for Y-1 was recorded since) is re-graded; a draft
  whose RAT turned out to be on time is dismissed by the job with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager

from .. import clock
from ..audit import actor_name, record_audit
from ..auth.actors import active_representatives
from ..cooperatives import reference, rules, services
from ..cooperatives.models import Cooperative, Officer, RatRecord
from ..cooperatives.vocab import Position
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..outbox import queue_message
from .models import LetterCounter, LetterKind, LetterStatus, WarningLetter

ON_TIME, LATE, MISSING = "on_time", "late", "missing"


@dataclass(frozen=True)
class LetterRule:
    """What a rung of the ladder says beyond its title (the kind's label): who gets a copy."""

    copies: tuple[str, ...]
    dissolution: bool = False


PROVINCE = "Kepala Dinas Koperasi dan UKM Provinsi Kalimantan Timur"
MINISTRY_DEPUTY = "Deputi Bidang Pengawasan Kementerian Koperasi"
MINISTRY = "Menteri Koperasi Republik Indonesia"
RAT_RULE = (
    "Pasal 22 sampai dengan Pasal 26 Undang-Undang Nomor 25 Tahun 1992 tentang Perkoperasian dan "
    "Peraturan Menteri Koperasi dan Usaha Kecil dan Menengah Nomor 19 Tahun 2015 tentang "
    "Penyelenggaraan Rapat Anggota Koperasi: Rapat Anggota Tahunan (RAT) wajib diselenggarakan "
    "paling lambat 6 (enam) bulan setelah tahun buku berakhir."
)
DISSOLUTION_RULE = (
    "Pasal 46 dan Pasal 47 Undang-Undang Nomor 25 Tahun 1992 tentang Perkoperasian dan Peraturan "
    "Pemerintah Nomor 17 Tahun 1994 tentang Pembubaran Koperasi oleh Pemerintah."
)

LADDER: dict[LetterKind, LetterRule] = {
    LetterKind.teguran_1: LetterRule(copies=(PROVINCE,)),
    LetterKind.teguran_2: LetterRule(copies=(MINISTRY_DEPUTY, PROVINCE)),
    LetterKind.pembubaran: LetterRule(copies=(MINISTRY_DEPUTY, PROVINCE), dissolution=True),
}


def rat_state(recorded: bool, held_on: date | None, book_year: int) -> str:
    """on_time, late (held after the deadline) or missing (no RAT recorded) for one book year."""
    if not recorded:
        return MISSING
    if held_on is not None and held_on > rules.rat_deadline(book_year):
        return LATE
    return ON_TIME


def ladder_rung(state: str, previous: str) -> LetterKind | None:
    """The letter the ladder reaches for book year Y from the RAT states of Y and Y-1."""
    if state == ON_TIME:
        return None
    if state == MISSING and previous == MISSING:
        return LetterKind.pembubaran
    if previous in (LATE, MISSING):
        return LetterKind.teguran_2
    return LetterKind.teguran_1


def breaches(*, today: date) -> tuple[int, dict[int, LetterKind]]:
    """The latest due book year and, per cooperative that breached it, the rung reached.

    One query returns only the cooperatives without an on-time RAT for that year.
    """
    year = rules.latest_due_book_year(today)
    this, prev = aliased(RatRecord), aliased(RatRecord)
    stmt = (
        select(
            Cooperative.id,
            Cooperative.founded_on,
            Cooperative.badan_hukum_on,
            this.id,
            this.held_on,
            prev.id,
            prev.held_on,
        )
        .outerjoin(this, and_(this.cooperative_id == Cooperative.id, this.book_year == year))
        .outerjoin(prev, and_(prev.cooperative_id == Cooperative.id, prev.book_year == year - 1))
        .where(or_(this.id.is_(None), this.held_on > rules.rat_deadline(year)))
    )
    found: dict[int, LetterKind] = {}
    for coop_id, founded_on, bh_on, this_id, this_held, prev_id, prev_held in db.session.execute(stmt):
        founded = rules.founding_date(founded_on, bh_on)
        if not rules.existed_in(year, founded):
            continue
        state = rat_state(this_id is not None, this_held, year)
        previous = (
            rat_state(prev_id is not None, prev_held, year - 1)
            if rules.existed_in(year - 1, founded)
            else ON_TIME
        )
        kind = ladder_rung(state, previous)
        if kind is not None:
            found[coop_id] = kind
    return year, found


def find_due_warnings(
    *, today: date | None = None, now: datetime | None = None, by: Any = "system"
) -> dict[str, int]:
    """Write the breaches that fall due into the register as drafts; re-grade or withdraw stale drafts.

    Idempotent: a second run on the same data changes nothing.
    """
    now = now or clock.now()
    today = today or clock.to_wita(now).date()
    year, found = breaches(today=today)
    existing: dict[int, list[WarningLetter]] = {}
    for letter in db.session.scalars(select(WarningLetter).where(WarningLetter.book_year == year)):
        existing.setdefault(letter.cooperative_id, []).append(letter)
    created = regraded = withdrawn = 0
    for coop_id, kind in found.items():
        letters = existing.get(coop_id, [])
        if any(x.status == LetterStatus.issued for x in letters) or any(x.kind == kind for x in letters):
            continue
        draft = next((x for x in letters if x.status == LetterStatus.draft), None)
        if draft is not None:
            draft.kind = kind
            draft.updated_at = now
            regraded += 1
            continue
        db.session.add(
            WarningLetter(
                cooperative_id=coop_id,
                kind=kind,
                book_year=year,
                status=LetterStatus.draft,
                found_on=today,
                created_at=now,
            )
        )
        created += 1
    for coop_id, letters in existing.items():
        if coop_id in found:
            continue
        for letter in letters:
            if letter.status == LetterStatus.draft:
                letter.status = LetterStatus.dismissed
                letter.dismissed_reason = _("RAT tahun buku %(y)d tercatat tepat waktu.", y=year)
                letter.updated_at = now
                withdrawn += 1
    db.session.flush()
    counts = {
        "book_year": year,
        "breaches": len(found),
        "created": created,
        "regraded": regraded,
        "withdrawn": withdrawn,
    }
    if created or regraded or withdrawn:
        record_audit("warning_letters.found", entity_type="warning_letter", by=by, after=counts, now=now)
    return counts


# --- The register -------------------------------------------------------------------------------


def letter_or_404(letter_id: int) -> WarningLetter:
    """A letter of the register, or a coded 404."""
    letter = db.session.get(WarningLetter, letter_id)
    if letter is None:
        raise NotFound("letter_not_found", _("Surat tidak ditemukan."))
    return letter


def register_query(*, status: str = "", kind: str = "", book_year: int | None = None, q: str = "") -> Select:
    """The register, filtered, with drafts first then the newest numbers."""
    stmt = (
        select(WarningLetter)
        .join(Cooperative, Cooperative.id == WarningLetter.cooperative_id)
        .options(contains_eager(WarningLetter.cooperative))
    )
    if status:
        stmt = stmt.where(WarningLetter.status == LetterStatus(status))
    if kind:
        stmt = stmt.where(WarningLetter.kind == LetterKind(kind))
    if book_year:
        stmt = stmt.where(WarningLetter.book_year == book_year)
    q = " ".join(q.split())
    if q:
        if q.isdigit():
            stmt = stmt.where(Cooperative.nik.startswith(q))
        else:
            stmt = stmt.where(or_(Cooperative.name.ilike(f"%{q}%"), WarningLetter.number.ilike(f"%{q}%")))
    return stmt.order_by(
        WarningLetter.book_year.desc(),
        (WarningLetter.status == LetterStatus.draft).desc(),
        WarningLetter.seq.desc(),
        Cooperative.name,
        WarningLetter.id,
    )


def letter_number(seq: int, year: int) -> str:
    """The office's number for the seq-th letter of a year, e.g. 500.3/12/DKUMKMP/2024."""
    code = current_app.config.get("HARKOP_LETTER_CODE", "500.3")
    office = current_app.config.get("HARKOP_LETTER_OFFICE", "DKUMKMP")
    return f"{code}/{seq}/{office}/{year}"


def next_seq(year: int) -> int:
    """Take the next number of a year. The counter row's UPDATE locks it until commit, so two
    clerks issuing at once get consecutive numbers (SQLite serialises writers anyway)."""
    for _attempt in range(3):
        result = db.session.execute(
            update(LetterCounter)
            .where(LetterCounter.year == year)
            .values(last_seq=LetterCounter.last_seq + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            return db.session.scalar(select(LetterCounter.last_seq).where(LetterCounter.year == year))
        try:
            with db.session.begin_nested():
                db.session.add(LetterCounter(year=year, last_seq=0))
        except IntegrityError:
            continue  # another transaction created the year's row: take a number from it
    raise Conflict("letter_number_busy", _("Nomor surat sedang dipakai. Coba lagi."))


def addressee_of(coop: Cooperative, *, today: date) -> dict[str, Any]:
    """The addressee block as printed: the cooperative, its address and its current chairman."""
    ketua = db.session.scalar(
        select(Officer.name)
        .where(
            Officer.cooperative_id == coop.id,
            Officer.position == Position.ketua,
            Officer.term_start <= today,
            or_(Officer.term_end.is_(None), Officer.term_end >= today),
        )
        .order_by(Officer.term_start.desc())
        .limit(1)
    )
    return {
        "name": coop.name,
        "nik": coop.nik,
        "alamat": coop.alamat,
        "kelurahan": reference.KELURAHAN.get(coop.kelurahan_code) if coop.kelurahan_code else None,
        "kecamatan": reference.KECAMATAN.get(coop.kecamatan_code) if coop.kecamatan_code else None,
        "kode_pos": coop.kode_pos,
        "ketua": ketua,
    }


def issue_letter(letter: WarningLetter, *, by: Any, now: datetime | None = None) -> WarningLetter:
    """Give a draft its number, date and deadline, freeze its addressee, and notify the pengurus."""
    now = now or clock.now()
    today = clock.to_wita(now).date()
    if letter.status != LetterStatus.draft:
        raise Conflict("letter_not_draft", _("Hanya draf yang dapat diterbitkan."))
    coop = db.session.get(Cooperative, letter.cooperative_id)
    seq = next_seq(today.year)
    days = int(current_app.config.get("HARKOP_WARNING_DAYS", 30))
    values = {
        "status": LetterStatus.issued,
        "year": today.year,
        "seq": seq,
        "number": letter_number(seq, today.year),
        "issued_on": today,
        "deadline": today + timedelta(days=days),
        "addressee": addressee_of(coop, today=today),
        "issued_by_name": actor_name(by),
        "updated_at": now,
    }
    # Conditional on still being a draft, so two clerks issuing the same draft cannot both win;
    # the loser's transaction (and the number it took) is rolled back by its caller.
    result = db.session.execute(
        update(WarningLetter)
        .where(WarningLetter.id == letter.id, WarningLetter.status == LetterStatus.draft)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("letter_not_draft", _("Hanya draf yang dapat diterbitkan."))
    db.session.refresh(letter)
    db.session.flush()
    record_audit(
        "cooperative.warning_issued",
        entity_type=services.ENTITY,
        entity_id=coop.id,
        by=by,
        after={
            "letter_id": letter.id,
            "number": letter.number,
            "kind": letter.kind.value,
            "book_year": letter.book_year,
            "deadline": letter.deadline,
        },
        now=now,
    )
    for user in active_representatives([coop.id]).get(coop.id, []):
        queue_message(
            kind="warning_letter.issued",
            subject=_("Surat teguran Dinas nomor %(n)s", n=letter.number),
            body=_(
                "Dinas menerbitkan %(title)s untuk %(coop)s karena RAT tahun buku %(y)d. "
                "Selenggarakan RAT dan sampaikan berita acaranya paling lambat %(d)s.",
                title=letter.kind.label,
                coop=coop.name,
                y=letter.book_year,
                d=clock.format_short_date(letter.deadline),
            ),
            user=user,
            link="/koperasi-saya/pemutakhiran/baru",
            now=now,
        )
    return letter


def issue_drafts(*, book_year: int | None = None, by: Any, now: datetime | None = None) -> int:
    """Issue every draft (of one book year, or all), numbered by kecamatan then name."""
    stmt = (
        select(WarningLetter)
        .join(Cooperative, Cooperative.id == WarningLetter.cooperative_id)
        .where(WarningLetter.status == LetterStatus.draft)
        .order_by(
            WarningLetter.book_year,
            Cooperative.kecamatan_code.is_(None),
            Cooperative.kecamatan_code,
            Cooperative.name,
            WarningLetter.id,
        )
    )
    if book_year:
        stmt = stmt.where(WarningLetter.book_year == book_year)
    count = 0
    for letter in list(db.session.scalars(stmt)):
        issue_letter(letter, by=by, now=now)
        count += 1
    return count


def dismiss_letter(
    letter: WarningLetter, *, reason: str, by: Any, now: datetime | None = None
) -> WarningLetter:
    """Set a draft aside with a reason; it stays in the register so it is never found again."""
    now = now or clock.now()
    reason = " ".join(str(reason or "").split())
    if len(reason) < 5:
        raise ValidationFailed(
            "reason_required",
            _("Tulis alasan pembatalan (paling sedikit 5 karakter)."),
            details={"fields": {"reason": _("Wajib diisi.")}},
        )
    if letter.status != LetterStatus.draft:
        raise Conflict("letter_not_draft", _("Hanya draf yang dapat dibatalkan."))
    letter.status = LetterStatus.dismissed
    letter.dismissed_reason = reason[:500]
    letter.updated_at = now
    db.session.flush()
    record_audit(
        "cooperative.warning_dismissed",
        entity_type=services.ENTITY,
        entity_id=letter.cooperative_id,
        by=by,
        after={
            "letter_id": letter.id,
            "kind": letter.kind.value,
            "book_year": letter.book_year,
            "reason": reason,
        },
        now=now,
    )
    return letter


def letter_dict(letter: WarningLetter) -> dict[str, Any]:
    """A letter of the register as the API shows it."""
    return {
        "id": letter.id,
        "cooperative": {"nik": letter.cooperative.nik, "name": letter.cooperative.name},
        "kind": letter.kind.value,
        "book_year": letter.book_year,
        "status": letter.status.value,
        "number": letter.number,
        "found_on": letter.found_on.isoformat(),
        "issued_on": letter.issued_on.isoformat() if letter.issued_on else None,
        "deadline": letter.deadline.isoformat() if letter.deadline else None,
        "dismissed_reason": letter.dismissed_reason,
    }


def issued_counts(year: int) -> dict[LetterKind, int]:
    """How many letters of each kind were issued in a calendar year."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(WarningLetter.kind, func.count())
        .where(WarningLetter.status == LetterStatus.issued, WarningLetter.year == year)
        .group_by(WarningLetter.kind)
    )
    return {kind: int(n) for kind, n in rows}
