"""Retention, and one person's data on request: find, export, erase.

Names stay where the public saw them: a participant who is still in a confirmed entry of a
competition whose results are published is named on those results and on the certificate, so
that name is kept; every other name is erased along with the contact data. Phones, guardians'
names and consent details always go. Tickets of an erased person are revoked.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..audit import AuditLog, jsonable, record_audit
from ..auth.actors import require_office
from ..checkin.models import CheckIn, Scan
from ..competitions.models import Competition, CompetitionState, Event
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..registrations.models import Entry, EntryState, Participant
from ..registrations.personal_data import (
    ERASED_NAME,
    ERASURE_REQUEST,
    ERASURE_RETENTION,
    erase_participant,
    retention_days,
    retention_until,
)
from ..registrations.services import normalise_phone
from ..registrations.tickets import revoke_ticket

BATCH = 500
SEARCH_LIMIT = 50


def name_is_published(participant: Participant) -> bool:
    """True when the participant's name is on published results and certificates (so it stays)."""
    entry = participant.entry
    return (
        participant.replaced_at is None
        and entry.state == EntryState.confirmed
        and entry.competition.state == CompetitionState.published
    )


# Retention ------------------------------------------------------------------------------------


def due_events(*, now: datetime) -> list[Event]:
    """Events whose retention period is over on this day (WITA): their participants' data goes."""
    cutoff = clock.to_wita(now).date() - timedelta(days=retention_days())
    return list(db.session.scalars(select(Event).where(Event.ends_on < cutoff).order_by(Event.ends_on)))


def purge_due_personal_data(*, now: datetime | None = None) -> dict[str, int]:
    """The daily job: erase contact and consent data of every event past its retention period.

    Idempotent: participants already erased are skipped, so a second run changes nothing.
    """
    now = now or clock.now()
    events = participants = 0
    for event in due_events(now=now):
        erased = 0
        while True:
            batch = list(
                db.session.scalars(
                    select(Participant)
                    .join(Entry, Participant.entry_id == Entry.id)
                    .join(Competition, Entry.competition_id == Competition.id)
                    .where(Competition.event_id == event.id, Participant.erased_at.is_(None))
                    .options(joinedload(Participant.entry).joinedload(Entry.competition))
                    .order_by(Participant.id)
                    .limit(BATCH)
                ).unique()
            )
            if not batch:
                break
            for participant in batch:
                erase_participant(
                    participant,
                    erasure=ERASURE_RETENTION,
                    keep_name=name_is_published(participant),
                    now=now,
                )
            db.session.flush()
            erased += len(batch)
        if erased:
            events += 1
            participants += erased
            record_audit(
                "privacy.retention_erased",
                entity_type="event",
                entity_id=event.id,
                by="job:purge_personal_data",
                after={"participants": erased, "ended_on": event.ends_on, "days": retention_days()},
                detail=_(
                    "Data kontak dan persetujuan %(n)d peserta dihapus (masa simpan berakhir).", n=erased
                ),
                now=now,
            )
    return {"events": events, "participants": participants}


def retention_schedule(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each event with the last day its participants' data is kept and how much is still held."""
    now = now or clock.now()
    held = dict(
        db.session.execute(
            select(Competition.event_id, func.count(Participant.id))
            .join(Entry, Entry.competition_id == Competition.id)
            .join(Participant, Participant.entry_id == Entry.id)
            .where(Participant.erased_at.is_(None))
            .group_by(Competition.event_id)
        ).all()
    )
    today = clock.to_wita(now).date()
    return [
        {"event": event, "until": retention_until(event.ends_on), "held": held.get(event.id, 0),
         "due": retention_until(event.ends_on) < today}
        for event in db.session.scalars(select(Event).order_by(Event.starts_on.desc()))
    ]  # fmt: skip


# One person -----------------------------------------------------------------------------------


def _plain_name(name: str) -> str:
    return re.sub(r"\s+", " ", (name or "").strip()).casefold()


def find_participants(query: str) -> list[Participant]:
    """Participant records whose name contains `query`, or whose phone has its digits (office only)."""
    query = (query or "").strip()
    if len(query) < 3:
        return []
    conditions = [func.lower(Participant.name).contains(query.lower(), autoescape=True)]
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 6:
        conditions.append(Participant.phone.contains(digits[-8:], autoescape=True))
    stmt = (
        select(Participant)
        .where(or_(*conditions))
        .options(joinedload(Participant.entry).joinedload(Entry.competition).joinedload(Competition.event))
        .order_by(Participant.name, Participant.id)
        .limit(SEARCH_LIMIT)
    )
    return list(db.session.scalars(stmt).unique())


def get_participant(participant_id: int) -> Participant:
    """The participant record, or a coded 404."""
    participant = db.session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("participant_not_found", _("Peserta tidak ditemukan."))
    return participant


def person_records(participant: Participant) -> list[Participant]:
    """The records of the same person: the same name and the same phone number (one if erased).

    A name alone is not a person (two children may share one); a phone alone is not either (a
    parent's phone serves several children). Both together are.
    """
    phone = normalise_phone(participant.phone or "")
    if not phone:
        return [participant]
    # Phones are stored normalised (registrations/services.py), so equal numbers are equal text.
    candidates = db.session.scalars(
        select(Participant).where(Participant.phone == participant.phone, Participant.erased_at.is_(None))
    )
    same = {
        p.id: p
        for p in candidates
        if _plain_name(p.name) == _plain_name(participant.name) and normalise_phone(p.phone or "") == phone
    }
    same[participant.id] = participant
    return sorted(same.values(), key=lambda p: p.id)


def _audit_mentions(participant: Participant) -> list[AuditLog]:
    """Audit entries of the participant's entry that name this participant (a replacement)."""
    entries = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "entry", AuditLog.entity_id == str(participant.entry_id))
        .order_by(AuditLog.id)
    )
    return [
        a
        for a in entries
        if any((side or {}).get("participant_id") == participant.id for side in (a.before, a.after))
    ]


def _record(participant: Participant) -> dict[str, Any]:
    entry = participant.entry
    comp = entry.competition
    tickets = list(participant.tickets)
    ticket_ids = [t.id for t in tickets]
    check_ins = (
        db.session.scalars(
            select(CheckIn).where(CheckIn.ticket_id.in_(ticket_ids)).order_by(CheckIn.id)
        ).all()
        if ticket_ids
        else []
    )
    scans = (
        db.session.scalars(select(Scan).where(Scan.ticket_id.in_(ticket_ids)).order_by(Scan.id)).all()
        if ticket_ids
        else []
    )
    return jsonable(
        {
            "participant": {
                "id": participant.id,
                "name": participant.name,
                "phone": participant.phone,
                "role": participant.role,
                "consent": participant.consent,
                "consent_at": participant.consent_at,
                "guardian_name": participant.guardian_name,
                "guardian_consent": participant.guardian_consent,
                "registered_at": participant.created_at,
                "replaced_at": participant.replaced_at,
                "erased_at": participant.erased_at,
                "erasure": participant.erasure,
            },
            "entry": {
                "id": entry.id,
                "team_name": entry.team_name,
                "state": entry.state,
                "registered_at": entry.created_at,
                "cooperative": {"nik": entry.cooperative.nik, "name": entry.cooperative.name},
            },
            "competition": {"name": comp.name, "event": comp.event.name, "event_ends_on": comp.event.ends_on},
            "kept_until": retention_until(comp.event.ends_on),
            # The ticket's secret opens the gate: an export is handed over, so it is left out.
            "tickets": [
                {"issued_at": t.issued_at, "revoked_at": t.revoked_at, "revoked_reason": t.revoked_reason}
                for t in tickets
            ],
            "check_ins": [
                {"day": c.day, "admitted_at": c.admitted_at, "gate": c.gate, "offline": c.offline}
                for c in check_ins
            ],
            "scans": [{"scanned_at": s.scanned_at, "verdict": s.verdict, "gate": s.gate} for s in scans],
            "audit": [
                {"at": a.at, "action": a.action, "by": a.actor_name, "before": a.before, "after": a.after}
                for a in _audit_mentions(participant)
            ],
        }
    )


def export_person(participant: Participant, *, by: Any, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about the person (all their records), as a JSON-ready dict; recorded in the audit log."""
    now = now or clock.now()
    require_office(by)
    records = person_records(participant)
    record_audit(
        "privacy.exported",
        entity_type="participant",
        entity_id=participant.id,
        by=by,
        after={"participants": [p.id for p in records]},
        detail=_("Data pribadi diekspor atas permintaan (%(n)d catatan).", n=len(records)),
        now=now,
    )
    return {
        "exported_at": clock.as_utc(now).isoformat(),
        "exported_by": getattr(by, "username", None) or str(by),
        "controller": "Harkop",
        "law": "UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi",
        "records": [_record(p) for p in records],
    }


def erase_person(
    participant: Participant, reason: str, *, by: Any, now: datetime | None = None
) -> list[Participant]:
    """Erase the person's data at their request, across all their records; recorded with the reason.

    Phones, guardians and consent details go; the name goes too unless results were published
    with it; valid tickets are revoked; audit entries that named an erased name are rewritten.
    """
    now = now or clock.now()
    require_office(by)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(
            "reason_required",
            _("Tuliskan dasar penghapusan, mis. permintaan tertulis (minimal 5 karakter)."),
            details={"field": "reason"},
        )
    records = person_records(participant)
    kept_names = []
    for record in records:
        keep = name_is_published(record)
        name_before = record.name
        for ticket in record.tickets:
            if ticket.revoked_at is None:
                revoke_ticket(ticket, "personal data erased", now=now)
        erase_participant(record, erasure=ERASURE_REQUEST, keep_name=keep, now=now)
        if keep:
            kept_names.append(record.id)
        else:
            for entry in _audit_mentions(record):
                entry.before = _scrubbed(entry.before, record.id, name_before)
                entry.after = _scrubbed(entry.after, record.id, name_before)
    db.session.flush()
    record_audit(
        "privacy.erased",
        entity_type="participant",
        entity_id=participant.id,
        by=by,
        after={"participants": [p.id for p in records], "names_kept_on_results": kept_names},
        detail=reason[:500],
        now=now,
    )
    return records


def _scrubbed(side: dict[str, Any] | None, participant_id: int, name: str) -> dict[str, Any] | None:
    if not side or side.get("participant_id") != participant_id:
        return side
    return {**side, "name": ERASED_NAME} if side.get("name") == name else side


__all__ = [
    "ERASED_NAME",
    "due_events",
    "erase_person",
    "export_person",
    "find_participants",
    "get_participant",
    "name_is_published",
    "person_records",
    "purge_due_personal_data",
    "retention_schedule",
]
