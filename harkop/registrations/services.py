"""Registration rules: register, approve, reject, withdraw, promote the waiting list, replace.

Capacity is decided under a lock on the competition's row, so two cooperatives racing for the
last place get one confirmed and one waitlisted:
- PostgreSQL: `SELECT … FOR UPDATE` on the competition row; the second transaction waits for
  the first to commit, and (READ COMMITTED) its following count sees the first one's entry.
- SQLite: every writing request starts with `BEGIN IMMEDIATE` (harkop/db/sqlite.py), so writers
  are serialised for the whole transaction and the count is always current.
Every count that decides something (capacity, the per-cooperative limit, the next waiting-list
position) is taken after that lock, from the entries themselves; `competition.confirmed_count`
is then rewritten from the same count, for display only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import clock
from ..audit import actor_name, record_audit
from ..auth.actors import active_representatives, acts_for_cooperative, acts_for_office, require_office
from ..competitions import eligibility
from ..competitions.models import Competition, CompetitionState
from ..competitions.services import exception_for
from ..cooperatives.services import cooperative_facts
from ..errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..outbox import queue_message
from ..text import as_text
from .models import ACTIVE_STATES, Entry, EntryState, Participant, Ticket
from .tickets import issue_ticket, revoke_ticket

E = EntryState
# Entries can still change (withdraw, promote) only before judging starts.
ENTRY_CHANGE_STATES = frozenset({CompetitionState.open, CompetitionState.closed})


class RegistrationRefused(DomainError):
    """A refusal that is a fact to keep: the audit entry is written, so the caller commits it."""

    status = 422
    recorded = True


def refusal_is_recorded(err: DomainError) -> bool:
    """True when the refusal wrote an audit entry that the caller must commit."""
    return bool(getattr(err, "recorded", False))


# --- who may do what -----------------------------------------------------------------------

# Later domains may let more readers see a competition's entries (judging: its judges). They
# register a predicate here rather than registrations importing them.
EntryReader = Callable[[Any, Competition], bool]
_entry_readers: list[EntryReader] = []


def register_entry_reader(predicate: EntryReader) -> EntryReader:
    """Let `predicate(user, competition)` grant read access to a competition's entries."""
    if predicate not in _entry_readers:
        _entry_readers.append(predicate)
    return predicate


def require_act_for(user: Any, cooperative_id: int) -> None:
    """Refuse with `forbidden` unless the user acts for this cooperative (its pengurus, or the office)."""
    if not acts_for_cooperative(user, cooperative_id):
        raise Forbidden("forbidden", _("Anda hanya dapat mengurus pendaftaran koperasi Anda sendiri."))


def can_read_entries(user: Any, comp: Competition) -> bool:
    """Whether the user sees every entry of the competition (a coop_rep sees only their own)."""
    return acts_for_office(user) or any(pred(user, comp) for pred in _entry_readers)


def can_view_entry(user: Any, entry: Entry) -> bool:
    """The office, the entry's own cooperative, or a registered reader of its competition."""
    return acts_for_cooperative(user, entry.cooperative_id) or can_read_entries(user, entry.competition)


def get_entry(entry_id: int) -> Entry:
    """The entry with this id, or a coded 404."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("entry_not_found", _("Pendaftaran tidak ditemukan."))
    return entry


def get_entry_for(entry_id: int, user: Any) -> Entry:
    """An entry the user may see: others' entries are `forbidden`."""
    entry = get_entry(entry_id)
    if not can_view_entry(user, entry):
        raise Forbidden("forbidden", _("Anda hanya dapat melihat pendaftaran koperasi Anda sendiri."))
    return entry


# --- input ---------------------------------------------------------------------------------


@dataclass
class ParticipantInput:
    """One participant as typed: name, phone, role, consent (and a guardian's for a child)."""

    name: str
    phone: str
    role: str = ""
    consent: bool = False
    guardian_name: str = ""
    guardian_consent: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParticipantInput:
        """From a JSON object (the API)."""
        return cls(
            name=as_text(data.get("name"), field="participants.name"),
            phone=as_text(data.get("phone"), field="participants.phone"),
            role=as_text(data.get("role"), field="participants.role"),
            consent=data.get("consent") is True,
            guardian_name=as_text(data.get("guardian_name"), field="participants.guardian_name"),
            guardian_consent=data.get("guardian_consent") is True,
        )

    @property
    def is_blank(self) -> bool:
        """True for an untouched form row."""
        return not (self.name.strip() or self.phone.strip() or self.guardian_name.strip())


PHONE_RE = re.compile(r"^(?:\+?62|0)8\d{7,12}$")


def normalise_phone(phone: str) -> str | None:
    """An Indonesian mobile number without spaces or dashes ('0812…' or '+62812…'), or None."""
    plain = re.sub(r"[\s().-]", "", phone or "")
    return plain if PHONE_RE.match(plain) else None


def _problem(index: int, field: str, code: str, message: str) -> dict[str, Any]:
    return {"index": index, "field": field, "code": code, "message": message}


def validate_participants(
    people: list[ParticipantInput], *, min_size: int, max_size: int, for_children: bool
) -> list[ParticipantInput]:
    """Check team size, names, phones and consents; raise one coded error listing every problem.

    Blank rows (an untouched form row) are dropped; a problem's `index` is the row's index in
    the input, so a form can show it next to the right row.
    """
    rows = [(i, p) for i, p in enumerate(people) if not p.is_blank]
    low, high = min_size, max_size
    size_message = None
    if not low <= len(rows) <= high:
        size_message = (
            _("Lomba perorangan: daftarkan tepat satu peserta.")
            if low == high == 1
            else _("Jumlah peserta harus %(a)d sampai %(b)d orang.", a=low, b=high)
        )
    if len(rows) < low:
        # Too few: the blank rows that would make up the minimum are checked too, so an empty
        # form names every missing field at once, not only the team's size.
        blank = [(i, p) for i, p in enumerate(people) if p.is_blank][: low - len(rows)]
        rows = sorted(rows + blank, key=lambda row: row[0])
    problems: list[dict[str, Any]] = []
    for i, p in rows:
        if not p.name.strip() or len(p.name.strip()) > 120:
            problems.append(_problem(i, "name", "name_required", _("Nama peserta wajib diisi.")))
        if normalise_phone(p.phone) is None:
            problems.append(
                _problem(i, "phone", "invalid_phone", _("Nomor HP tidak valid (contoh: 0812 3456 7890)."))
            )
        if not p.consent:
            problems.append(
                _problem(
                    i,
                    "consent",
                    "consent_required",
                    _("Persetujuan pemrosesan data pribadi (UU 27/2022) wajib dicentang."),
                )
            )
        if for_children:
            if not p.guardian_name.strip():
                problems.append(
                    _problem(
                        i,
                        "guardian_name",
                        "guardian_consent_required",
                        _("Nama orang tua/wali wajib diisi untuk peserta anak."),
                    )
                )
            if not p.guardian_consent:
                problems.append(
                    _problem(
                        i,
                        "guardian_consent",
                        "guardian_consent_required",
                        _("Persetujuan orang tua/wali wajib dicentang untuk peserta anak."),
                    )
                )
    if size_message is not None:
        details = {"min": low, "max": high, "given": len([p for p in people if not p.is_blank])}
        details = {**details, "participants": problems, "form": size_message}
        raise ValidationFailed("team_size", size_message, details=details)
    if problems:
        first = problems[0]
        raise ValidationFailed(first["code"], first["message"], details={"participants": problems})
    return [p for _i, p in rows]


def _new_participant(p: ParticipantInput, position: int, now: datetime, for_children: bool) -> Participant:
    return Participant(
        position=position,
        name=p.name.strip(),
        phone=normalise_phone(p.phone) or p.phone.strip(),
        role=(p.role or "").strip()[:60],
        consent=True,
        consent_at=now,
        guardian_name=(p.guardian_name.strip() or None) if for_children else None,
        guardian_consent=bool(p.guardian_consent) if for_children else False,
        created_at=now,
    )


# --- locking and counting ------------------------------------------------------------------


def lock_competition(competition_id: int) -> Competition:
    """Take the competition's row lock for the rest of the transaction and reload it."""
    comp = db.session.scalar(
        select(Competition)
        .where(Competition.id == competition_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if comp is None:
        raise NotFound("competition_not_found", _("Lomba tidak ditemukan."))
    return comp


def count_confirmed(competition_id: int) -> int:
    """Confirmed entries of a competition (take the lock first when deciding on it)."""
    return db.session.scalar(
        select(func.count(Entry.id)).where(Entry.competition_id == competition_id, Entry.state == E.confirmed)
    )


def count_active_entries(competition_id: int, cooperative_id: int, *, excluding: int | None = None) -> int:
    """A cooperative's entries in a competition that still hold or wait for a place."""
    stmt = select(func.count(Entry.id)).where(
        Entry.competition_id == competition_id,
        Entry.cooperative_id == cooperative_id,
        Entry.state.in_(ACTIVE_STATES),
    )
    if excluding is not None:
        stmt = stmt.where(Entry.id != excluding)
    return db.session.scalar(stmt)


def _next_waitlist_position(competition_id: int) -> int:
    # The list is kept numbered 1..n (renumber_waitlist after every change), so the next
    # position is the end of the line and the order stays the order of arrival.
    highest = db.session.scalar(
        select(func.max(Entry.waitlist_position)).where(Entry.competition_id == competition_id)
    )
    return (highest or 0) + 1


def _refresh_count(comp: Competition) -> None:
    comp.confirmed_count = count_confirmed(comp.id)
    db.session.flush()


def renumber_waitlist(competition_id: int) -> list[Entry]:
    """Number the waiting list 1..n again in its order, after an entry left it (call under the lock).

    Positions only move down, and they are written in order with a flush each, so the unique
    (competition, position) constraint holds after every single update.
    """
    line = waitlist(competition_id)
    for number, entry in enumerate(line, start=1):
        if entry.waitlist_position != number:
            entry.waitlist_position = number
            db.session.flush()
    return line


def waitlist(competition_id: int) -> list[Entry]:
    """The waiting list in order."""
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.competition_id == competition_id, Entry.state == E.waitlisted)
            .order_by(Entry.waitlist_position)
        )
    )


# --- notifications -------------------------------------------------------------------------


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link for messages (also outside requests: the scheduler), from HARKOP_BASE_URL."""
    base = urlsplit(current_app.config.get("HARKOP_BASE_URL") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def notify_entry(entry: Entry, kind: str, subject: str, body: str, *, now: datetime) -> int:
    """Queue a message about an entry to every active pengurus of its cooperative."""
    link = absolute_url("registrations.my_entry", entry_id=entry.id)
    users = active_representatives([entry.cooperative_id]).get(entry.cooperative_id, [])
    for user in users:
        queue_message(kind=kind, subject=subject, body=body, user=user, link=link, now=now)
    return len(users)


def _label(entry: Entry) -> dict[str, str]:
    return {"team": entry.team_name, "comp": entry.competition.name}


# --- state changes -------------------------------------------------------------------------


def _snapshot(entry: Entry) -> dict[str, Any]:
    return {
        "state": entry.state.value if entry.state else None,
        "team_name": entry.team_name,
        "cooperative_id": entry.cooperative_id,
        "waitlist_position": entry.waitlist_position,
    }


def _confirm(entry: Entry, *, now: datetime, promoted: bool = False) -> None:
    entry.state = E.confirmed
    entry.waitlist_position = None
    entry.confirmed_at = now
    entry.updated_at = now
    db.session.flush()
    for participant in entry.current_participants:
        issue_ticket(participant, now=now)
    names = _label(entry)
    if promoted:
        notify_entry(
            entry,
            "entry.promoted",
            _("“%(team)s” naik dari daftar tunggu: %(comp)s", **names),
            _(
                "Ada tempat kosong: “%(team)s” kini terdaftar di %(comp)s. Tiket peserta sudah "
                "terbit; bagikan tautan tiket kepada setiap peserta.",
                **names,
            ),
            now=now,
        )
    else:
        notify_entry(
            entry,
            "entry.confirmed",
            _("Pendaftaran “%(team)s” diterima: %(comp)s", **names),
            _(
                "“%(team)s” terdaftar di %(comp)s. Tiket peserta sudah terbit; bagikan tautan "
                "tiket kepada setiap peserta.",
                **names,
            ),
            now=now,
        )


def _waitlist(entry: Entry, *, now: datetime) -> None:
    position = _next_waitlist_position(entry.competition_id)  # before the change: autoflush
    entry.state = E.waitlisted
    entry.waitlist_position = position
    entry.updated_at = now
    db.session.flush()
    notify_entry(
        entry,
        "entry.waitlisted",
        _("“%(team)s” masuk daftar tunggu: %(comp)s", **_label(entry)),
        _(
            "Kuota %(comp)s sudah penuh, jadi “%(team)s” masuk daftar tunggu. Jika ada peserta "
            "yang mundur, tim Anda naik otomatis dan tiket terbit.",
            **_label(entry),
        ),
        now=now,
    )


def _place(comp: Competition, entry: Entry, *, now: datetime) -> None:
    """Confirm when a place is free, else put on the waiting list (call under the lock)."""
    if count_confirmed(comp.id) < comp.capacity:
        _confirm(entry, now=now)
    else:
        _waitlist(entry, now=now)
    _refresh_count(comp)


def check_cooperative(
    comp: Competition, cooperative_id: int, *, now: datetime | None = None, excluding: int | None = None
) -> eligibility.Decision:
    """Judge a cooperative against a competition's rules now (read-only: nothing is recorded)."""
    now = now or clock.now()
    today = clock.to_wita(now).date()
    facts = cooperative_facts(cooperative_id, today=today)
    exc = exception_for(comp, cooperative_id)
    return eligibility.check_eligibility(
        facts,
        eligibility.EligibilityRules.of(comp),
        event_year=comp.event.starts_on.year,
        today=today,
        entry_count=count_active_entries(comp.id, cooperative_id, excluding=excluding),
        exception_reason=exc.reason if exc is not None else None,
    )


def _refuse(
    comp: Competition,
    cooperative_id: int,
    decision: eligibility.Decision,
    *,
    by: Any,
    now: datetime,
    stage: str,
    team_name: str = "",
    entry_id: int | None = None,
) -> RegistrationRefused:
    reasons = [f.as_dict() for f in decision.failures]
    record_audit(
        "entry.refused" if stage == "registration" else "entry.approval_refused",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        after={
            "cooperative_id": cooperative_id,
            "team_name": team_name,
            "entry_id": entry_id,
            "stage": stage,
            "reasons": reasons,
        },
        detail=", ".join(decision.codes)[:500],
        now=now,
    )
    message = _(
        "Koperasi belum memenuhi syarat lomba ini: %(r)s", r=" ".join(f.reason for f in decision.failures)
    )
    return RegistrationRefused("not_eligible", message, details={"reasons": reasons})


def _decision_record(decision: eligibility.Decision, stage: str, by: Any) -> dict[str, Any]:
    record = decision.as_dict()
    record["stage"] = stage
    record["by"] = actor_name(by)
    return record


def registration_closed_error(comp: Competition, now: datetime) -> DomainError | None:
    """`registration_closed` when the competition is not open or `now` is outside its window."""
    if comp.state == CompetitionState.open and comp.window_is_open(now):
        return None
    details = {
        "state": comp.state.value,
        "opens_at": comp.registration_opens_at.isoformat() if comp.registration_opens_at else None,
        "closes_at": comp.registration_closes_at.isoformat() if comp.registration_closes_at else None,
    }
    opens, closes = comp.registration_opens_at, comp.registration_closes_at
    if opens is not None and now < opens:
        message = _(
            "Pendaftaran belum dibuka. Pendaftaran dibuka %(when)s.", when=clock.format_datetime(opens)
        )
    elif closes is not None and now >= closes:
        message = _("Pendaftaran sudah ditutup pada %(when)s.", when=clock.format_datetime(closes))
    else:
        message = _("Pendaftaran lomba ini sedang tidak dibuka.")
    return Conflict("registration_closed", message, details=details)


def office_registration_error(comp: Competition, now: datetime) -> DomainError | None:
    """Why the office may not register a team for this competition now (desk or spreadsheet), or None.

    The office is not held to the public window: it may register while the competition takes
    entries or has closed them (not once judging starts), until its last slot ends.
    """
    if comp.state not in ENTRY_CHANGE_STATES:
        return Conflict(
            "registration_closed",
            _("Lomba ini sudah dinilai atau diumumkan; tim tidak dapat didaftarkan lagi."),
            details={"state": comp.state.value},
        )
    last = comp.days[-1] if comp.days else None
    if last is not None and now >= comp.slot_end(last):
        return Conflict("competition_over", _("Lomba ini sudah selesai; tim tidak dapat didaftarkan lagi."))
    return None


# How a registration reached Harkop: a pengurus on the web (the window and approval apply), or
# the office at the desk on an event day or from a spreadsheet (office_registration_error).
OFFICE_CHANNELS = ("desk", "import")


def register_entry(
    comp: Competition,
    cooperative_id: int,
    *,
    team_name: str,
    participants: list[ParticipantInput],
    by: Any,
    now: datetime | None = None,
    channel: str = "web",
) -> Entry:
    """Register a cooperative's team: confirmed, waitlisted when full, or pending when approval is needed.

    Refusals: `forbidden` (another cooperative), `registration_closed` (outside the window),
    `team_size`/`consent_required`/… (input), `not_eligible` with every failing rule in
    `details.reasons` (recorded in the audit log: the caller commits before answering).
    `channel` "desk" or "import" is the office registering: no window (office_registration_error
    instead) and no approval step; eligibility is checked all the same.
    """
    now = now or clock.now()
    if channel in OFFICE_CHANNELS:
        require_office(by)
    else:
        require_act_for(by, cooperative_id)
    comp = lock_competition(comp.id)
    closed = (
        office_registration_error(comp, now)
        if channel in OFFICE_CHANNELS
        else registration_closed_error(comp, now)
    )
    if closed is not None:
        raise closed
    team_name = (team_name or "").strip()
    name_missing = comp.is_team and not team_name
    try:
        people = validate_participants(
            participants,
            min_size=comp.min_team_size,
            max_size=comp.max_team_size,
            for_children=comp.for_children,
        )
    except ValidationFailed as err:
        if name_missing:  # every problem at once: the team's name beside the participants'
            err.details = {**err.details, "fields": {"team_name": _("Nama tim wajib diisi.")}}
        raise
    if name_missing:
        raise ValidationFailed(
            "team_name_required", _("Nama tim wajib diisi."), details={"field": "team_name"}
        )
    if not team_name:
        team_name = people[0].name.strip()
    decision = check_cooperative(comp, cooperative_id, now=now)
    if not decision.eligible:
        raise _refuse(
            comp, cooperative_id, decision, by=by, now=now, stage="registration", team_name=team_name
        )
    entry = Entry(
        competition_id=comp.id,
        cooperative_id=cooperative_id,
        team_name=team_name[:120],
        state=E.pending,
        decision=_decision_record(decision, "registration", by),
        created_by_id=getattr(by, "id", None),
        created_at=now,
        updated_at=now,
        participants=[_new_participant(p, i, now, comp.for_children) for i, p in enumerate(people, start=1)],
    )
    db.session.add(entry)
    db.session.flush()
    if comp.approval_required and channel not in OFFICE_CHANNELS:
        notify_entry(
            entry,
            "entry.pending",
            _("Pendaftaran “%(team)s” menunggu persetujuan: %(comp)s", **_label(entry)),
            _(
                "Dinas akan memeriksa pendaftaran “%(team)s”; Anda akan diberi tahu hasilnya.",
                **_label(entry),
            ),
            now=now,
        )
    else:
        _place(comp, entry, now=now)
    record_audit(
        "entry.registered",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        after={**_snapshot(entry), "competition_id": comp.id, "decision": entry.decision, "channel": channel},
        now=now,
    )
    if decision.exception_reason is not None and decision.waived:
        record_audit(
            "entry.exception_used",
            entity_type="entry",
            entity_id=entry.id,
            by=by,
            after={"waived": [f.as_dict() for f in decision.waived], "exception": decision.exception_reason},
            detail=", ".join(f.code for f in decision.waived)[:500],
            now=now,
        )
    return entry


def _require_state(entry: Entry, allowed: Iterable[EntryState], action: str) -> None:
    if entry.state not in set(allowed):
        raise Conflict(
            "invalid_entry_state",
            _("Pendaftaran berstatus %(s)s tidak dapat %(a)s.", s=entry.state.value, a=action),
            details={"state": entry.state.value},
        )


def approve_entry(entry: Entry, *, by: Any, now: datetime | None = None) -> Entry:
    """The office approves a pending entry: eligibility is checked again, then confirmed or waitlisted."""
    now = now or clock.now()
    require_office(by)
    comp = lock_competition(entry.competition_id)
    db.session.refresh(entry)
    _require_state(entry, {E.pending}, _("disetujui"))
    decision = check_cooperative(comp, entry.cooperative_id, now=now, excluding=entry.id)
    if not decision.eligible:
        raise _refuse(
            comp,
            entry.cooperative_id,
            decision,
            by=by,
            now=now,
            stage="approval",
            team_name=entry.team_name,
            entry_id=entry.id,
        )
    before = _snapshot(entry)
    entry.decision = _decision_record(decision, "approval", by)
    entry.decided_by_id = getattr(by, "id", None)
    entry.decided_at = now
    _place(comp, entry, now=now)
    record_audit(
        "entry.approved",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        before=before,
        after=_snapshot(entry),
        now=now,
    )
    return entry


def reject_entry(entry: Entry, reason: str, *, by: Any, now: datetime | None = None) -> Entry:
    """The office rejects an entry with a reason; a confirmed one frees its place for the waiting list."""
    now = now or clock.now()
    require_office(by)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(
            "reason_required",
            _("Tuliskan alasan penolakan (minimal 5 karakter)."),
            details={"field": "reason"},
        )
    comp = lock_competition(entry.competition_id)
    db.session.refresh(entry)
    _require_state(entry, ACTIVE_STATES, _("ditolak"))
    before = _snapshot(entry)
    was_confirmed = entry.state == E.confirmed
    entry.state = E.rejected
    entry.waitlist_position = None
    entry.state_reason = reason[:2000]
    entry.decided_by_id = getattr(by, "id", None)
    entry.decided_at = now
    entry.updated_at = now
    db.session.flush()
    _revoke_entry_tickets(entry, "entry rejected", now=now)
    notify_entry(
        entry,
        "entry.rejected",
        _("Pendaftaran “%(team)s” ditolak: %(comp)s", **_label(entry)),
        _("Pendaftaran “%(team)s” di %(comp)s ditolak Dinas. Alasan: %(r)s", r=reason, **_label(entry)),
        now=now,
    )
    record_audit(
        "entry.rejected",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        before=before,
        after=_snapshot(entry),
        detail=reason[:500],
        now=now,
    )
    _refresh_count(comp)
    if was_confirmed:
        _promote(comp, now=now, by=by)
    renumber_waitlist(comp.id)
    return entry


def _revoke_entry_tickets(entry: Entry, reason: str, *, now: datetime) -> None:
    for participant in entry.participants:
        for ticket in participant.tickets:
            revoke_ticket(ticket, reason, now=now)


def _before_start(comp: Competition, now: datetime) -> bool:
    start = comp.starts_first_at()
    return start is None or now < start


def withdraw_entry(entry: Entry, *, by: Any, now: datetime | None = None, reason: str = "") -> Entry:
    """Withdraw an entry before the competition starts; a confirmed one's place goes to the next in line."""
    now = now or clock.now()
    require_act_for(by, entry.cooperative_id)
    comp = lock_competition(entry.competition_id)
    db.session.refresh(entry)
    _require_state(entry, ACTIVE_STATES, _("dibatalkan"))
    if comp.state not in ENTRY_CHANGE_STATES or not _before_start(comp, now):
        raise Conflict("too_late", _("Lomba sudah dimulai; pendaftaran tidak dapat dibatalkan lagi."))
    before = _snapshot(entry)
    was_confirmed = entry.state == E.confirmed
    entry.state = E.withdrawn
    entry.waitlist_position = None
    entry.withdrawn_at = now
    entry.updated_at = now
    entry.state_reason = (reason or "").strip()[:2000] or None
    db.session.flush()
    _revoke_entry_tickets(entry, "entry withdrawn", now=now)
    record_audit(
        "entry.withdrawn",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        before=before,
        after=_snapshot(entry),
        now=now,
    )
    _refresh_count(comp)
    if was_confirmed:
        _promote(comp, now=now, by=by)
    renumber_waitlist(comp.id)
    return entry


def _promote(comp: Competition, *, now: datetime, by: Any) -> list[Entry]:
    """Confirm waiting entries in order while places are free; each is judged again first.

    An entry its cooperative no longer qualifies with (inactive, RAT missed, …) stays on the list
    and is skipped with its reasons recorded (`state_reason`, the audit log, a message to its
    pengurus, once per change of reasons); the next one in line gets the place.
    """
    promoted: list[Entry] = []
    if comp.state not in ENTRY_CHANGE_STATES or not _before_start(comp, now):
        return promoted
    free = comp.capacity - count_confirmed(comp.id)
    for entry in waitlist(comp.id):
        if free <= 0:
            break
        decision = check_cooperative(comp, entry.cooperative_id, now=now, excluding=entry.id)
        if not decision.eligible:
            _skip_promotion(entry, decision, by=by, now=now)
            continue
        before = _snapshot(entry)
        entry.decision = _decision_record(decision, "promotion", by)
        entry.state_reason = None
        _confirm(entry, now=now, promoted=True)
        record_audit(
            "entry.promoted",
            entity_type="entry",
            entity_id=entry.id,
            by=by,
            before=before,
            after=_snapshot(entry),
            now=now,
        )
        promoted.append(entry)
        free -= 1
    _refresh_count(comp)
    renumber_waitlist(comp.id)
    return promoted


def _skip_promotion(entry: Entry, decision: eligibility.Decision, *, by: Any, now: datetime) -> None:
    reasons = " ".join(f.reason for f in decision.failures)
    text = _("Dilewati saat naik dari daftar tunggu: %(r)s", r=reasons)[:2000]
    if entry.state_reason == text:
        return  # already recorded and told: the scheduler's next run adds nothing
    entry.state_reason = text
    entry.updated_at = now
    db.session.flush()
    record_audit(
        "entry.promotion_skipped",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        after={"reasons": [f.as_dict() for f in decision.failures], "stage": "promotion"},
        detail=", ".join(decision.codes)[:500],
        now=now,
    )
    notify_entry(
        entry,
        "entry.promotion_skipped",
        _("“%(team)s” dilewati di daftar tunggu: %(comp)s", **_label(entry)),
        _(
            "Ada tempat kosong di %(comp)s, tetapi koperasi belum memenuhi syarat: %(r)s "
            "“%(team)s” tetap di daftar tunggu dan diperiksa lagi saat ada tempat berikutnya.",
            r=reasons,
            **_label(entry),
        ),
        now=now,
    )


def promote_waitlist(comp: Competition, *, by: Any = "scheduler", now: datetime | None = None) -> list[Entry]:
    """Confirm waiting entries, in order, while places are free (e.g. after the office raised the capacity)."""
    now = now or clock.now()
    comp = lock_competition(comp.id)
    return _promote(comp, now=now, by=by)


def promote_all_waitlists(*, now: datetime | None = None) -> dict[str, int]:
    """The scheduler's job: promote every competition's waiting list. Idempotent."""
    now = now or clock.now()
    ids = db.session.scalars(
        select(Entry.competition_id)
        .where(Entry.state == E.waitlisted)
        .distinct()
        .order_by(Entry.competition_id)
    ).all()
    promoted = 0
    for competition_id in ids:
        comp = db.session.get(Competition, competition_id)
        promoted += len(promote_waitlist(comp, now=now))
    return {"competitions": len(ids), "promoted": promoted}


def replace_participant(
    participant: Participant,
    new: ParticipantInput,
    *,
    by: Any,
    now: datetime | None = None,
    at_desk: bool = False,
) -> Participant:
    """Swap a participant for someone else before the competition starts: old ticket revoked, new issued.

    `at_desk`: the office at the event desk, which may still swap until the competition's last slot ends.
    """
    now = now or clock.now()
    entry = participant.entry
    if at_desk:
        require_office(by)
    else:
        require_act_for(by, entry.cooperative_id)
    comp = lock_competition(entry.competition_id)
    db.session.refresh(participant)
    _require_state(entry, ACTIVE_STATES, _("diubah"))
    if participant.replaced_at is not None:
        raise Conflict("already_replaced", _("Peserta ini sudah diganti."))
    if at_desk:
        too_late = office_registration_error(comp, now)
        if too_late is not None:
            raise too_late
    elif not _before_start(comp, now):
        raise Conflict("too_late", _("Lomba sudah dimulai; peserta tidak dapat diganti lagi."))
    if not new.role:
        new.role = participant.role
    (checked,) = validate_participants([new], min_size=1, max_size=1, for_children=comp.for_children)
    replacement = _new_participant(checked, participant.position, now, comp.for_children)
    replacement.entry = entry
    db.session.add(replacement)
    db.session.flush()
    participant.replaced_at = now
    participant.replaced_by_id = replacement.id
    for ticket in participant.tickets:
        revoke_ticket(ticket, "participant replaced", now=now)
    if entry.state == E.confirmed:
        issue_ticket(replacement, now=now)
    entry.updated_at = now
    db.session.flush()
    record_audit(
        "entry.participant_replaced",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        before={"participant_id": participant.id, "name": participant.name},
        after={"participant_id": replacement.id, "name": replacement.name},
        now=now,
    )
    notify_entry(
        entry,
        "entry.participant_replaced",
        _("Peserta “%(team)s” diganti: %(comp)s", **_label(entry)),
        _(
            "%(old)s diganti oleh %(new)s di “%(team)s”. Tiket lama tidak berlaku lagi; bagikan "
            "tautan tiket baru kepada %(new)s.",
            old=participant.name,
            new=replacement.name,
            **_label(entry),
        ),
        now=now,
    )
    return replacement


def remind_confirmed_entrants(*, now: datetime | None = None) -> dict[str, int]:
    """The day before a competition's first day (WITA), remind each confirmed entry once."""
    from ..competitions.models import CompetitionDay

    now = now or clock.now()
    tomorrow = clock.to_wita(now).date() + timedelta(days=1)
    first_days = (
        select(CompetitionDay.competition_id, func.min(CompetitionDay.day).label("first"))
        .group_by(CompetitionDay.competition_id)
        .subquery()
    )
    entries = db.session.scalars(
        select(Entry)
        .join(first_days, first_days.c.competition_id == Entry.competition_id)
        .where(first_days.c.first == tomorrow, Entry.state == E.confirmed, Entry.reminded_at.is_(None))
        .order_by(Entry.id)
    ).all()
    for entry in entries:
        comp = entry.competition
        notify_entry(
            entry,
            "entry.reminder",
            _("Besok: %(comp)s", comp=comp.name),
            _(
                "Pengingat: %(comp)s berlangsung besok, %(day)s, pukul %(start)s WITA di %(place)s. "
                "Pastikan setiap peserta “%(team)s” membawa tiketnya (QR di ponsel atau cetak).",
                comp=comp.name,
                day=clock.format_date(tomorrow),
                start=comp.starts_at.strftime("%H.%M"),
                place=comp.place,
                team=entry.team_name,
            ),
            now=now,
        )
        entry.reminded_at = now
    db.session.flush()
    return {"reminded": len(entries)}


# --- reading -------------------------------------------------------------------------------


def entries_of(
    comp: Competition, *, cooperative_id: int | None = None, states: Iterable[EntryState] | None = None
):
    """A select of a competition's entries (optionally one cooperative's, some states), in a stable order."""
    stmt = select(Entry).where(Entry.competition_id == comp.id)
    if cooperative_id is not None:
        stmt = stmt.where(Entry.cooperative_id == cooperative_id)
    if states:
        stmt = stmt.where(Entry.state.in_(list(states)))
    return stmt.order_by(Entry.created_at, Entry.id)


def entries_of_cooperative(cooperative_id: int, *, states: Iterable[EntryState] | None = None) -> list[Entry]:
    """A cooperative's entries (optionally some states only), newest first."""
    stmt = select(Entry).where(Entry.cooperative_id == cooperative_id)
    if states is not None:
        stmt = stmt.where(Entry.state.in_(list(states)))
    return list(db.session.scalars(stmt.order_by(Entry.created_at.desc(), Entry.id.desc())))


def tickets_of(entry: Entry) -> list[Ticket]:
    """Every ticket of an entry, valid and revoked, in participant order."""
    return [t for p in entry.participants for t in p.tickets]


def refused_attempts(comp: Competition, limit: int = 100) -> list[Any]:
    """Refused registrations of a competition, from the audit log, newest first."""
    from ..audit import AuditLog

    return list(
        db.session.scalars(
            select(AuditLog)
            .where(
                AuditLog.entity_type == "competition",
                AuditLog.entity_id == str(comp.id),
                AuditLog.action.in_(["entry.refused", "entry.approval_refused"]),
            )
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(limit)
        )
    )


def _printable_tickets_query(*, competition_id: int | None, cooperative_id: int | None):
    stmt = (
        select(Ticket)
        .join(Participant, Participant.id == Ticket.participant_id)
        .join(Entry, Entry.id == Participant.entry_id)
        .where(Ticket.revoked_at.is_(None), Participant.replaced_at.is_(None), Entry.state == E.confirmed)
    )
    if competition_id is not None:
        stmt = stmt.where(Entry.competition_id == competition_id)
    if cooperative_id is not None:
        stmt = stmt.where(Entry.cooperative_id == cooperative_id)
    return stmt


def printable_tickets(
    *, competition_id: int | None = None, cooperative_id: int | None = None
) -> list[Ticket]:
    """Valid tickets of confirmed entries, for printing in one go: a competition's, a cooperative's, or
    both filters at once; ordered by competition, team and place in the team.

    Everything a card shows (participant, entry, cooperative, competition with its days and event)
    is loaded with the tickets, so a PDF of any size costs the same few statements (issue 20: 500
    tickets lazily loaded their entry, cooperative and competition one by one)."""
    stmt = (
        _printable_tickets_query(competition_id=competition_id, cooperative_id=cooperative_id)
        .options(
            contains_eager(Ticket.participant)
            .contains_eager(Participant.entry)
            .options(
                joinedload(Entry.cooperative),
                joinedload(Entry.competition).options(
                    joinedload(Competition.event), selectinload(Competition.day_rows)
                ),
            )
        )
        .order_by(Entry.competition_id, Entry.team_name, Entry.id, Participant.position, Participant.id)
    )
    return list(db.session.scalars(stmt).unique())


def count_printable_tickets(*, competition_id: int | None = None, cooperative_id: int | None = None) -> int:
    """How many tickets `printable_tickets` would give (one COUNT, nothing loaded)."""
    stmt = _printable_tickets_query(competition_id=competition_id, cooperative_id=cooperative_id)
    return db.session.scalar(stmt.with_only_columns(func.count(Ticket.id)).order_by(None)) or 0
