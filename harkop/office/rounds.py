"""The data-update round (pemutakhiran data): field checks, proposals, their review, verification.

- A clerk records a **field check** per visit: found at the address, operating, management in
  place, RAT minutes seen (each yes / no / not checked). A "yes" verifies the matching fact group;
  a "no" can set the matching inactive reason through the registry's service.
- A `coop_rep` **proposes** changes for their own cooperative only: profile fields, new management
  terms, annual figures, a RAT held (with its minutes file), and confirmations that a group of facts
  is still right. The proposal is checked on submission with the registry's own field rules.
- The office **approves** (every change goes through the registry's services in one savepoint: all
  or nothing) or **rejects** with a reason; the pengurus is notified through the outbox and the
  audit log keeps the proposal and the decision.
- **Verified at**: one row per cooperative and fact group keeps the latest verification; a
  cooperative counts as updated in a year when any of its fact groups was verified in that year
  (WITA calendar year). The round's progress counts that among the active cooperatives.
- **Reminders**: a job reminds the pengurus of active cooperatives still missing this year, at most
  once per cooperative per ISO week (a unique row per cooperative and week makes this idempotent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, exists, false, func, select, update
from sqlalchemy.orm import contains_eager, joinedload

from .. import clock
from ..audit import actor_name, record_audit
from ..auth.actors import (
    active_representatives,
    acts_for_cooperative,
    acts_for_office,
    has_active_representative,
    role_of,
)
from ..auth.models import Role, User
from ..cooperatives import reference, services
from ..cooperatives.models import Cooperative, RatRecord
from ..cooperatives.validation import FieldError, clean_cooperative, parse_date, year_parser
from ..cooperatives.vocab import CoopStatus, Position, ReasonCode, parse_choice
from ..errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..outbox import queue_message
from .models import (
    FactGroup,
    FactVerification,
    FieldCheck,
    ProposalStatus,
    UpdateProposal,
    UpdateReminder,
    VerificationSource,
)
from .uploads import StoredFile, remove_stored, store_minutes

ENTITY = "update_proposal"

# What a pengurus may propose about their cooperative's profile. The NIK, the legal founding,
# KUK and the Ministry's record are not theirs to change; the office edits those directly.
PROFILE_FIELDS: tuple[str, ...] = (
    "name",
    "alamat",
    "kecamatan_code",
    "kelurahan_code",
    "kode_pos",
    "phone",
    "email",
    "nib",
    "npwp",
    "perubahan_ad_no",
    "perubahan_ad_on",
    "bentuk",
    "jenis",
    "pola_pengelolaan",
    "kelompok",
    "sektor_usaha",
)
FIGURE_FIELDS = tuple(services.FIGURE_FIELDS)
MAX_OFFICERS = 10
# Which fact group each finding of a field check verifies when the answer is "yes", and which
# inactive reason a "no" stands for (docs/domain.md §3).
FINDINGS: dict[str, tuple[FactGroup | None, ReasonCode]] = {
    "found_at_address": (FactGroup.identitas, ReasonCode.tidak_ditemukan_di_alamat),
    "operating": (None, ReasonCode.tidak_ada_usaha),
    "management_in_place": (FactGroup.pengurus, ReasonCode.pengurus_tidak_kompak),
    "rat_minutes_seen": (FactGroup.rat, ReasonCode.tidak_rat),
}
# A missing RAT is the registry's computed reason, never one set by hand from a field check.
REASONS_FROM_FINDINGS = {k: v[1] for k, v in FINDINGS.items() if k != "rat_minutes_seen"}
CONFIRMABLE = (FactGroup.identitas, FactGroup.pengurus)


def _wita_noon(day: date) -> datetime:
    """A date as an instant (noon WITA), for facts verified on a day rather than at a time."""
    return datetime.combine(day, time(12, 0), tzinfo=clock.WITA).astimezone(clock.UTC)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants where a WITA calendar year starts and the next one starts."""
    start = datetime(year, 1, 1, tzinfo=clock.WITA).astimezone(clock.UTC)
    end = datetime(year + 1, 1, 1, tzinfo=clock.WITA).astimezone(clock.UTC)
    return start, end


# --- Verification ----------------------------------------------------------------------------------


def mark_verified(
    cooperative_id: int,
    groups: Iterable[FactGroup],
    *,
    at: datetime,
    source: VerificationSource,
    source_id: int | None,
    by: Any,
) -> list[FactGroup]:
    """Record that these fact groups were verified at `at`; an older verification never wins.

    Returns the groups whose verified-at moved.
    """
    wanted = list(dict.fromkeys(FactGroup(g) for g in groups))
    if not wanted:
        return []
    existing = {
        row.fact_group: row
        for row in db.session.scalars(
            select(FactVerification).where(
                FactVerification.cooperative_id == cooperative_id, FactVerification.fact_group.in_(wanted)
            )
        )
    }
    moved = []
    for group in wanted:
        row = existing.get(group)
        if row is None:
            row = FactVerification(cooperative_id=cooperative_id, fact_group=group)
            db.session.add(row)
        elif row.verified_at >= at:
            continue
        row.verified_at = at
        row.source = source
        row.source_id = source_id
        row.verified_by_name = actor_name(by)
        moved.append(group)
    db.session.flush()
    return moved


def verification_for(cooperative_id: int) -> dict[FactGroup, FactVerification]:
    """The latest verification of each fact group of one cooperative (groups never verified are absent)."""
    rows = db.session.scalars(
        select(FactVerification).where(FactVerification.cooperative_id == cooperative_id)
    )
    return {row.fact_group: row for row in rows}


def _verified_in(year: int):
    start, end = year_bounds(year)
    return exists().where(
        FactVerification.cooperative_id == Cooperative.id,
        FactVerification.verified_at >= start,
        FactVerification.verified_at < end,
    )


# --- Field checks ---------------------------------------------------------------------------------


def _tri(value: Any) -> bool | None:
    """yes / no / not checked from a form, JSON or a boolean."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "none", "null", "tidak_diperiksa", "-"):
        return None
    if text in ("1", "true", "ya", "yes", "y"):
        return True
    if text in ("0", "false", "tidak", "no", "n"):
        return False
    raise FieldError(_("Pilih Ya, Tidak, atau Tidak diperiksa."))


def record_field_check(
    coop: Cooperative,
    *,
    checked_on: Any,
    found_at_address: Any = None,
    operating: Any = None,
    management_in_place: Any = None,
    rat_minutes_seen: Any = None,
    notes: str | None = None,
    set_reasons: bool = False,
    by: Any,
    now: datetime | None = None,
) -> FieldCheck:
    """Record a clerk's visit; "yes" findings verify their fact group, and with `set_reasons` each
    "no" sets the matching inactive reason (unless already open). Audited under the cooperative."""
    now = now or clock.now()
    today = clock.to_wita(now).date()
    errors: dict[str, str] = {}
    day = None
    try:
        day = parse_date(checked_on) if checked_on not in (None, "") else today
        if day is not None and day > today:
            errors["checked_on"] = _("Tanggal cek lapangan tidak boleh di masa depan.")
    except FieldError as err:
        errors["checked_on"] = str(err)
    findings: dict[str, bool | None] = {}
    for name, value in (
        ("found_at_address", found_at_address),
        ("operating", operating),
        ("management_in_place", management_in_place),
        ("rat_minutes_seen", rat_minutes_seen),
    ):
        try:
            findings[name] = _tri(value)
        except FieldError as err:
            errors[name] = str(err)
    notes = (notes or "").strip()
    if len(notes) > 4000:
        errors["notes"] = _("Paling banyak %(n)d karakter.", n=4000)
    if not errors and all(v is None for v in findings.values()) and not notes:
        errors["found_at_address"] = _("Isi paling sedikit satu temuan atau catatan.")
    if errors:
        raise ValidationFailed("invalid_field_check", next(iter(errors.values())), details={"fields": errors})
    assert day is not None
    check = FieldCheck(
        cooperative_id=coop.id,
        checked_on=day,
        notes=notes or None,
        checked_by_id=getattr(by, "id", None),
        checked_by_name=actor_name(by),
        created_at=now,
        **findings,
    )
    db.session.add(check)
    db.session.flush()
    verified = [group for name, (group, _r) in FINDINGS.items() if findings[name] and group is not None]
    mark_verified(
        coop.id,
        verified,
        at=_wita_noon(day),
        source=VerificationSource.cek_lapangan,
        source_id=check.id,
        by=by,
    )
    reasons_set = []
    if set_reasons:
        open_codes = {r.code for r in coop.open_reasons}
        for name, code in REASONS_FROM_FINDINGS.items():
            if findings[name] is False and code not in open_codes:
                note = _("Dari cek lapangan %(d)s.", d=clock.format_short_date(day))
                services.set_inactive_reason(coop, code, note=note, by=by, now=now)
                reasons_set.append(code.value)
    record_audit(
        "cooperative.field_check_recorded",
        entity_type=services.ENTITY,
        entity_id=coop.id,
        by=by,
        after={
            "field_check_id": check.id,
            "checked_on": day,
            **findings,
            "notes": check.notes,
            "verified": [g.value for g in verified],
            "reasons_set": reasons_set,
        },
        now=now,
    )
    return check


def field_checks_for(coop: Cooperative, limit: int = 50) -> list[FieldCheck]:
    """A cooperative's field checks, newest first."""
    stmt = (
        select(FieldCheck)
        .where(FieldCheck.cooperative_id == coop.id)
        .order_by(FieldCheck.checked_on.desc(), FieldCheck.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def field_check_dict(check: FieldCheck) -> dict[str, Any]:
    """A field check as the API shows it."""
    return {
        "id": check.id,
        "checked_on": check.checked_on.isoformat(),
        "found_at_address": check.found_at_address,
        "operating": check.operating,
        "management_in_place": check.management_in_place,
        "rat_minutes_seen": check.rat_minutes_seen,
        "notes": check.notes,
        "checked_by": check.checked_by_name,
    }


# --- Proposals: checking what a pengurus sends ------------------------------------------------------


def _check_profile(coop: Cooperative, profile: Any, errors: dict[str, str]) -> dict[str, Any]:
    """Only the fields that differ from the registry, as plain values."""
    if profile in (None, {}):
        return {}
    if not isinstance(profile, Mapping):
        errors["profile"] = _("profile harus berupa objek.")
        return {}
    for key in profile:
        if key not in PROFILE_FIELDS:
            errors[f"profile.{key}"] = _("Isian ini tidak dapat diusulkan: %(f)s.", f=str(key)[:40])
    current = {"kecamatan_code": coop.kecamatan_code, "kelurahan_code": coop.kelurahan_code}
    given = {k: v for k, v in profile.items() if k in PROFILE_FIELDS}
    clean, field_errors = clean_cooperative(given, creating=False, current=current)
    for key, message in field_errors.items():
        errors[f"profile.{key}"] = message
    before = services.snapshot(coop)
    changed = {}
    for key, value in clean.items():
        plain = services.plain_value(value)
        if plain != before.get(key):
            changed[key] = plain
    return changed


def _check_officers(officers: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    if officers in (None, []):
        return []
    if not isinstance(officers, list) or len(officers) > MAX_OFFICERS:
        errors["officers"] = _("officers harus berupa daftar (paling banyak %(n)d).", n=MAX_OFFICERS)
        return []
    clean = []
    for i, item in enumerate(officers):
        prefix = f"officers.{i}"
        if not isinstance(item, Mapping):
            errors[prefix] = _("Setiap pengurus harus berupa objek.")
            continue
        position = parse_choice(str(item.get("position") or ""), Position)
        if position is None:
            errors[f"{prefix}.position"] = _("Jabatan tidak dikenal.")
        name = " ".join(str(item.get("name") or "").split())
        if not name:
            errors[f"{prefix}.name"] = _("Nama pengurus wajib diisi.")
        elif len(name) > 120:
            errors[f"{prefix}.name"] = _("Paling banyak %(n)d karakter.", n=120)
        phone = str(item.get("phone") or "").strip()[:40] or None
        start = end = None
        try:
            start = parse_date(item.get("term_start"))
            if start is None:
                errors[f"{prefix}.term_start"] = _("Awal periode wajib diisi.")
        except FieldError as err:
            errors[f"{prefix}.term_start"] = str(err)
        try:
            end = parse_date(item.get("term_end"))
        except FieldError as err:
            errors[f"{prefix}.term_end"] = str(err)
        if start and end and end < start:
            errors[f"{prefix}.term_end"] = _("Akhir periode tidak boleh sebelum awalnya.")
        clean.append(
            {
                "position": position,
                "name": name,
                "phone": phone,
                "term_start": start.isoformat() if start else None,
                "term_end": end.isoformat() if end else None,
            }
        )
    return clean


def _check_figures(figures: Any, today: date, errors: dict[str, str]) -> dict[str, Any]:
    if figures in (None, {}):
        return {}
    if not isinstance(figures, Mapping):
        errors["figures"] = _("figures harus berupa objek.")
        return {}
    clean: dict[str, Any] = {}
    try:
        year = year_parser(1950, today.year)(figures.get("book_year"))
        if year is None:
            errors["figures.book_year"] = _("Tahun buku angka tahunan wajib diisi.")
        clean["book_year"] = year
    except FieldError as err:
        errors["figures.book_year"] = str(err)
    for key, value in figures.items():
        if key == "book_year":
            continue
        if key not in services.FIGURE_FIELDS:
            errors[f"figures.{key}"] = _("Bukan isian angka tahunan.")
            continue
        try:
            parsed = services.FIGURE_FIELDS[key](value)
        except FieldError as err:
            errors[f"figures.{key}"] = str(err)
            continue
        if parsed is not None:
            clean[key] = parsed
    if len(clean) == 1 and "figures.book_year" not in errors:
        errors["figures"] = _("Isi paling sedikit satu angka tahunan.")
    return clean


def _check_rat(coop: Cooperative, rat: Any, today: date, errors: dict[str, str]) -> dict[str, Any]:
    if rat in (None, {}):
        return {}
    if not isinstance(rat, Mapping):
        errors["rat"] = _("rat harus berupa objek.")
        return {}
    year = held = None
    try:
        year = year_parser(1950, today.year - 1)(rat.get("book_year"))
        if year is None:
            errors["rat.book_year"] = _("Tahun buku RAT wajib diisi.")
    except FieldError as err:
        errors["rat.book_year"] = str(err)
    try:
        held = parse_date(rat.get("held_on"))
        if held is None:
            errors["rat.held_on"] = _("Tanggal RAT wajib diisi.")
    except FieldError as err:
        errors["rat.held_on"] = str(err)
    if year is not None and held is not None:
        if held <= date(year, 12, 31):
            errors["rat.held_on"] = _("RAT tahun buku %(y)d diadakan setelah tahun buku berakhir.", y=year)
        elif held > today:
            errors["rat.held_on"] = _("Tanggal RAT tidak boleh di masa depan.")
        else:
            recorded = db.session.scalar(
                select(RatRecord.held_on).where(
                    RatRecord.cooperative_id == coop.id, RatRecord.book_year == year
                )
            )
            if recorded == held:
                errors["rat.book_year"] = _(
                    "RAT tahun buku %(y)d sudah tercatat dengan tanggal yang sama.", y=year
                )
    notes = " ".join(str(rat.get("notes") or "").split())
    if len(notes) > 300:
        errors["rat.notes"] = _("Paling banyak %(n)d karakter.", n=300)
    return {
        "book_year": year,
        "held_on": held.isoformat() if held else None,
        "notes": notes or None,
    }


def _check_confirm(confirm: Any, errors: dict[str, str]) -> list[str]:
    if confirm in (None, []):
        return []
    if not isinstance(confirm, list):
        errors["confirm"] = _("confirm harus berupa daftar.")
        return []
    allowed = {g.value for g in CONFIRMABLE}
    clean = []
    for item in confirm:
        if str(item) not in allowed:
            errors["confirm"] = _("Hanya identitas dan pengurus yang dapat dikonfirmasi.")
            continue
        clean.append(str(item))
    return list(dict.fromkeys(clean))


def check_proposal(coop: Cooperative, data: Mapping[str, Any], *, today: date) -> tuple[dict, dict]:
    """The proposal's changes as plain values, and every error by field (dotted paths)."""
    errors: dict[str, str] = {}
    unknown = set(data) - {"profile", "officers", "figures", "rat", "confirm", "note"}
    for key in sorted(unknown):
        errors[str(key)[:40]] = _("Bagian usulan tidak dikenal.")
    changes: dict[str, Any] = {}
    profile = _check_profile(coop, data.get("profile"), errors)
    officers = _check_officers(data.get("officers"), errors)
    figures = _check_figures(data.get("figures"), today, errors)
    rat = _check_rat(coop, data.get("rat"), today, errors)
    confirm = _check_confirm(data.get("confirm"), errors)
    if profile:
        changes["profile"] = profile
    if officers:
        changes["officers"] = officers
    if figures:
        changes["figures"] = figures
    if rat:
        changes["rat"] = rat
    if confirm:
        changes["confirm"] = confirm
    if not errors and not changes:
        errors["proposal"] = _(
            "Usulan kosong: ubah paling sedikit satu data, isi RAT, atau konfirmasi data yang masih benar."
        )
    return changes, errors


# --- Proposals: submitting, reading, deciding -----------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the view or the API received it."""

    stream: Any
    filename: str | None


def _require_own(coop: Cooperative, by: Any) -> None:
    if role_of(by) != Role.coop_rep or getattr(by, "cooperative_id", None) != coop.id:
        raise Forbidden(
            "not_your_cooperative", _("Usulan hanya dapat diajukan pengurus untuk koperasinya sendiri.")
        )


def submit_proposal(
    coop: Cooperative,
    data: Mapping[str, Any],
    *,
    minutes: Upload | None = None,
    by: Any,
    now: datetime | None = None,
) -> UpdateProposal:
    """A pengurus proposes changes for their own cooperative; audit 'update_proposal.submitted'.

    The data is checked first, then the minutes file (required with a RAT); on any refusal
    nothing is kept, not even the file.
    """
    now = now or clock.now()
    _require_own(coop, by)
    today = clock.to_wita(now).date()
    changes, errors = check_proposal(coop, data, today=today)
    note = " ".join(str(data.get("note") or "").split())
    if len(note) > 1000:
        errors["note"] = _("Paling banyak %(n)d karakter.", n=1000)
    has_file = minutes is not None and bool(minutes.filename)
    if "rat" in changes and not has_file:
        errors.setdefault("minutes", _("Unggah berita acara RAT (PDF, JPEG atau PNG)."))
    if has_file and "rat" not in changes and not any(k.startswith("rat") for k in errors):
        errors.setdefault("minutes", _("Berita acara hanya diunggah bersama data RAT."))
    stored: StoredFile | None = None
    first_code = "invalid_proposal"
    if has_file and "minutes" not in errors:
        try:
            stored = store_minutes(minutes.stream, minutes.filename)
        except ValidationFailed as err:
            errors["minutes"] = err.message
            if len(errors) == 1:
                first_code = err.code
    if errors:
        remove_stored(stored.name if stored else None)
        message = errors.get("minutes") if first_code != "invalid_proposal" else next(iter(errors.values()))
        raise ValidationFailed(first_code, message, details={"fields": errors})
    try:
        proposal = UpdateProposal(
            cooperative_id=coop.id,
            status=ProposalStatus.pending,
            changes=changes,
            note=note or None,
            submitted_at=now,
            submitted_by_id=getattr(by, "id", None),
            submitted_by_name=actor_name(by),
        )
        if stored is not None:
            proposal.minutes_file = stored.name
            proposal.minutes_type = stored.content_type
            proposal.minutes_size = stored.size
            proposal.minutes_sha256 = stored.sha256
            proposal.minutes_name = stored.original_name
        db.session.add(proposal)
        db.session.flush()
        record_audit(
            "update_proposal.submitted",
            entity_type=ENTITY,
            entity_id=proposal.id,
            by=by,
            after={
                "cooperative_id": coop.id,
                "nik": coop.nik,
                "changes": changes,
                "note": proposal.note,
                "minutes": {"file": stored.name, "sha256": stored.sha256, "size": stored.size}
                if stored
                else None,
            },
            now=now,
        )
    except Exception:
        remove_stored(stored.name if stored else None)
        raise
    return proposal


def get_proposal(proposal_id: int, *, viewer: Any) -> UpdateProposal:
    """A proposal the viewer may see: the office sees all, a pengurus only their cooperative's.

    Another cooperative's proposal answers as not found, so its existence is not revealed.
    """
    proposal = db.session.get(UpdateProposal, proposal_id)
    if proposal is None or not can_see(proposal, viewer):
        raise NotFound("proposal_not_found", _("Usulan tidak ditemukan."))
    return proposal


def can_see(proposal: UpdateProposal, viewer: Any) -> bool:
    """The office, or a pengurus of the proposal's cooperative."""
    return acts_for_cooperative(viewer, proposal.cooperative_id)


def proposals_query(*, viewer: Any, status: str = "", nik: str = "") -> Select:
    """Proposals the viewer may see, newest first (pending first for the office's queue)."""
    stmt = (
        select(UpdateProposal)
        .join(Cooperative, Cooperative.id == UpdateProposal.cooperative_id)
        .options(contains_eager(UpdateProposal.cooperative))
    )
    if role_of(viewer) == Role.coop_rep:
        stmt = stmt.where(UpdateProposal.cooperative_id == viewer.cooperative_id)
    elif not acts_for_office(viewer):
        stmt = stmt.where(false())
    if status:
        stmt = stmt.where(UpdateProposal.status == ProposalStatus(status))
    if nik:
        stmt = stmt.where(Cooperative.nik == nik)
    return stmt.order_by(UpdateProposal.submitted_at.desc(), UpdateProposal.id.desc())


def recent_field_checks(limit: int = 10) -> list[FieldCheck]:
    """The latest field checks, newest first, with their cooperatives."""
    return list(
        db.session.scalars(
            select(FieldCheck)
            .options(joinedload(FieldCheck.cooperative))
            .order_by(FieldCheck.created_at.desc(), FieldCheck.id.desc())
            .limit(limit)
        )
    )


def pending_count() -> int:
    """How many proposals wait for the office."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(UpdateProposal)
            .where(UpdateProposal.status == ProposalStatus.pending)
        )
        or 0
    )


def groups_of(changes: Mapping[str, Any]) -> list[FactGroup]:
    """The fact groups a proposal's approval verifies."""
    groups: list[FactGroup] = []
    if changes.get("profile") or FactGroup.identitas.value in changes.get("confirm", []):
        groups.append(FactGroup.identitas)
    if changes.get("officers") or FactGroup.pengurus.value in changes.get("confirm", []):
        groups.append(FactGroup.pengurus)
    if changes.get("figures"):
        groups.append(FactGroup.angka)
    if changes.get("rat"):
        groups.append(FactGroup.rat)
    return groups


def _claim(proposal: UpdateProposal, status: ProposalStatus, *, by: Any, now: datetime, reason: str | None):
    """Move a pending proposal to its decision with one conditional UPDATE: only one decision wins."""
    result = db.session.execute(
        update(UpdateProposal)
        .where(UpdateProposal.id == proposal.id, UpdateProposal.status == ProposalStatus.pending)
        .values(
            status=status,
            decided_at=now,
            decided_by_id=getattr(by, "id", None),
            decided_by_name=actor_name(by),
            reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("proposal_decided", _("Usulan ini sudah diputuskan sebelumnya."))
    db.session.refresh(proposal)


def _apply(proposal: UpdateProposal, coop: Cooperative, *, by: Any, now: datetime) -> None:
    changes = proposal.changes
    # The RAT first and the profile last: a stale profile (the office changed the address since)
    # is refused after everything else ran, which the all-or-nothing savepoint then undoes.
    rat = changes.get("rat")
    if rat:
        note = _("Berita acara: usulan #%(id)d", id=proposal.id)
        if rat.get("notes"):
            note = f"{rat['notes']} ({note})"
        services.record_rat(
            coop, book_year=rat["book_year"], held_on=rat["held_on"], notes=note, by=by, now=now
        )
    figures = changes.get("figures")
    if figures:
        values = {k: v for k, v in figures.items() if k != "book_year"}
        services.record_annual_figures(coop, book_year=figures["book_year"], values=values, by=by, now=now)
    for officer in changes.get("officers", []):
        services.record_officer(coop, by=by, now=now, **officer)
    profile = changes.get("profile")
    if profile:
        services.update_cooperative(coop, profile, by=by, now=now)


def _proposer_recipients(proposal: UpdateProposal) -> list[User]:
    proposer = db.session.get(User, proposal.submitted_by_id) if proposal.submitted_by_id else None
    if proposer is not None and proposer.active and proposer.cooperative_id == proposal.cooperative_id:
        return [proposer]
    return active_representatives([proposal.cooperative_id]).get(proposal.cooperative_id, [])


def proposal_link(proposal: UpdateProposal) -> str:
    """Where a pengurus reads their proposal."""
    return f"/koperasi-saya/pemutakhiran/{proposal.id}"


def approve_proposal(proposal: UpdateProposal, *, by: Any, now: datetime | None = None) -> UpdateProposal:
    """Apply every proposed change through the registry's services, all or nothing, and notify.

    Audit 'update_proposal.approved' keeps the decision beside 'update_proposal.submitted'; each
    change is also audited by the registry under the cooperative.
    """
    now = now or clock.now()
    coop = db.session.get(Cooperative, proposal.cooperative_id)
    try:
        with db.session.begin_nested():
            _claim(proposal, ProposalStatus.approved, by=by, now=now, reason=None)
            _apply(proposal, coop, by=by, now=now)
            groups = groups_of(proposal.changes)
            mark_verified(
                coop.id, groups, at=now, source=VerificationSource.usulan, source_id=proposal.id, by=by
            )
            record_audit(
                "update_proposal.approved",
                entity_type=ENTITY,
                entity_id=proposal.id,
                by=by,
                before={"status": ProposalStatus.pending.value},
                after={
                    "status": ProposalStatus.approved.value,
                    "cooperative_id": coop.id,
                    "changes": proposal.changes,
                    "verified": [g.value for g in groups],
                },
                now=now,
            )
            for user in _proposer_recipients(proposal):
                queue_message(
                    kind="update_proposal.approved",
                    subject=_("Usulan pemutakhiran data disetujui"),
                    body=_(
                        "Usulan pemutakhiran data %(coop)s yang dikirim %(when)s telah disetujui Dinas. "
                        "Data registri sudah diperbarui.",
                        coop=coop.name,
                        when=clock.format_datetime(proposal.submitted_at),
                    ),
                    user=user,
                    link=proposal_link(proposal),
                    now=now,
                )
    except DomainError as err:
        # The savepoint is gone: the registry and the proposal are as they were.
        db.session.expire_all()
        if err.code == "proposal_decided":
            raise
        raise ValidationFailed(
            "proposal_apply_failed",
            _("Usulan tidak dapat diterapkan, tidak ada data yang diubah: %(m)s", m=err.message),
            details={"cause": err.code, **({"fields": err.details["fields"]} if _fields(err) else {})},
        ) from err
    return proposal


def _fields(err: DomainError) -> bool:
    return isinstance(err.details, dict) and "fields" in err.details


def reject_proposal(
    proposal: UpdateProposal, *, reason: str, by: Any, now: datetime | None = None
) -> UpdateProposal:
    """Refuse a proposal with a reason the pengurus reads; nothing in the registry changes."""
    now = now or clock.now()
    reason = " ".join(str(reason or "").split())
    if len(reason) < 5:
        raise ValidationFailed(
            "reason_required",
            _("Tulis alasan penolakan (paling sedikit 5 karakter)."),
            details={"fields": {"reason": _("Wajib diisi.")}},
        )
    reason = reason[:1000]
    _claim(proposal, ProposalStatus.rejected, by=by, now=now, reason=reason)
    coop = db.session.get(Cooperative, proposal.cooperative_id)
    record_audit(
        "update_proposal.rejected",
        entity_type=ENTITY,
        entity_id=proposal.id,
        by=by,
        before={"status": ProposalStatus.pending.value},
        after={"status": ProposalStatus.rejected.value, "cooperative_id": coop.id, "reason": reason},
        now=now,
    )
    for user in _proposer_recipients(proposal):
        queue_message(
            kind="update_proposal.rejected",
            subject=_("Usulan pemutakhiran data ditolak"),
            body=_(
                "Usulan pemutakhiran data %(coop)s yang dikirim %(when)s ditolak Dinas dengan alasan: "
                "%(reason)s. Silakan perbaiki lalu kirim usulan baru.",
                coop=coop.name,
                when=clock.format_datetime(proposal.submitted_at),
                reason=reason,
            ),
            user=user,
            link=proposal_link(proposal),
            now=now,
        )
    return proposal


def proposal_dict(p: UpdateProposal) -> dict[str, Any]:
    """A proposal as the API shows it."""
    return {
        "id": p.id,
        "cooperative": {"nik": p.cooperative.nik, "name": p.cooperative.name},
        "status": p.status.value,
        "changes": p.changes,
        "note": p.note,
        "submitted_at": p.submitted_at.isoformat(),
        "submitted_by": p.submitted_by_name,
        "minutes": None
        if not p.minutes_file
        else {
            "name": p.minutes_name,
            "content_type": p.minutes_type,
            "size": p.minutes_size,
            "sha256": p.minutes_sha256,
            "url": f"/pemutakhiran/{p.id}/berita-acara",
        },
        "decided_at": p.decided_at.isoformat() if p.decided_at else None,
        "decided_by": p.decided_by_name,
        "reason": p.reason,
    }


def current_values(coop: Cooperative, changes: Mapping[str, Any]) -> dict[str, Any]:
    """What the registry holds now for each proposed profile field (for the office's comparison)."""
    snap = services.snapshot(coop)
    return {key: snap.get(key) for key in changes.get("profile", {})}


# --- Progress of the round ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """Active cooperatives and how many of them were verified this year, in one kecamatan."""

    kecamatan: str | None
    label: str
    active: int
    verified: int

    @property
    def missing(self) -> int:
        """Active cooperatives not yet verified this year."""
        return self.active - self.verified

    @property
    def percent(self) -> float:
        """Verified share in percent (0 when there are none)."""
        return round(100.0 * self.verified / self.active, 1) if self.active else 0.0


@dataclass(frozen=True)
class Progress:
    """The round's progress for one year: per kecamatan and in total."""

    year: int
    rows: list[ProgressRow]
    total: ProgressRow


def round_progress(*, year: int | None = None) -> Progress:
    """Of the active cooperatives, how many have verified data in `year`, by kecamatan (one query).

    The verified cooperatives are a DISTINCT subquery joined once (a hash join on both databases),
    not an EXISTS probed per cooperative.
    """
    year = year or clock.today().year
    start, end = year_bounds(year)
    verified_ids = (
        select(FactVerification.cooperative_id)
        .where(FactVerification.verified_at >= start, FactVerification.verified_at < end)
        .distinct()
        .subquery()
    )
    stmt = (
        select(Cooperative.kecamatan_code, func.count(), func.count(verified_ids.c.cooperative_id))
        .outerjoin(verified_ids, verified_ids.c.cooperative_id == Cooperative.id)
        .where(Cooperative.status == CoopStatus.aktif)
        .group_by(Cooperative.kecamatan_code)
    )
    counts = {kec: (int(n), int(v)) for kec, n, v in db.session.execute(stmt)}
    rows = []
    for code, name in reference.KECAMATAN.items():
        n, v = counts.pop(code, (0, 0))
        rows.append(ProgressRow(code, name, n, v))
    n, v = counts.pop(None, (0, 0))
    if n:
        rows.append(ProgressRow(None, _("Tanpa kecamatan"), n, v))
    for code, (n, v) in counts.items():  # a code not in the reference list (should not happen)
        rows.append(ProgressRow(code, str(code), n, v))
    total = ProgressRow(None, _("Jumlah"), sum(r.active for r in rows), sum(r.verified for r in rows))
    return Progress(year=year, rows=rows, total=total)


def missing_query(*, year: int | None = None, kecamatan: str = "", q: str = "") -> Select:
    """Active cooperatives with no verified data in `year`, by name (filters: kecamatan, name/NIK)."""
    year = year or clock.today().year
    filters = services.DirectoryFilters(q=q, kecamatan=kecamatan)
    return services.directory_query(filters).where(
        Cooperative.status == CoopStatus.aktif, ~_verified_in(year)
    )


def missing_details(cooperative_ids: list[int]) -> dict[int, tuple[datetime | None, int, datetime | None]]:
    """For a page of the missing list: last verified, active pengurus accounts, last reminder."""
    if not cooperative_ids:
        return {}
    verified = dict(
        db.session.execute(
            select(FactVerification.cooperative_id, func.max(FactVerification.verified_at))
            .where(FactVerification.cooperative_id.in_(cooperative_ids))
            .group_by(FactVerification.cooperative_id)
        ).all()
    )
    reps = active_representatives(cooperative_ids)
    reminded = dict(
        db.session.execute(
            select(UpdateReminder.cooperative_id, func.max(UpdateReminder.sent_at))
            .where(UpdateReminder.cooperative_id.in_(cooperative_ids))
            .group_by(UpdateReminder.cooperative_id)
        ).all()
    )
    return {cid: (verified.get(cid), len(reps.get(cid, ())), reminded.get(cid)) for cid in cooperative_ids}


# --- Reminders (job) --------------------------------------------------------------------------------


def iso_week(day: date) -> str:
    """The ISO week of a day, e.g. '2024-W30'."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def send_round_reminders(*, now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Remind the pengurus of active cooperatives still missing this year, once per ISO week.

    Idempotent: a cooperative reminded this week (a row in `update_reminder`) is skipped, so a
    second run in the same week sends nothing. Cooperatives without an active pengurus account
    are skipped without a row, so a pengurus who joins later in the week still gets one.
    """
    now = now or clock.now()
    today = clock.to_wita(now).date()
    week = iso_week(today)
    reminded = exists().where(UpdateReminder.cooperative_id == Cooperative.id, UpdateReminder.week == week)
    stmt = (
        select(Cooperative.id, Cooperative.name)
        .where(
            Cooperative.status == CoopStatus.aktif,
            ~_verified_in(today.year),
            ~reminded,
            has_active_representative(Cooperative.id),
        )
        .order_by(Cooperative.id)
    )
    coops = db.session.execute(stmt).all()
    counts = {"cooperatives": 0, "messages": 0}
    for start in range(0, len(coops), batch):
        chunk = coops[start : start + batch]
        reps = active_representatives(c.id for c in chunk)
        for coop_id, name in chunk:
            users = reps.get(coop_id, [])
            if not users:
                continue
            db.session.add(
                UpdateReminder(cooperative_id=coop_id, week=week, sent_at=now, recipients=len(users))
            )
            for user in users:
                queue_message(
                    kind="update_round.reminder",
                    subject=_("Pengingat pemutakhiran data koperasi %(y)d", y=today.year),
                    body=_(
                        "Data %(coop)s belum dimutakhirkan tahun %(y)d. Kirim usulan pemutakhiran "
                        "(profil, pengurus, angka tahunan, RAT) atau konfirmasi bahwa data masih benar.",
                        coop=name,
                        y=today.year,
                    ),
                    user=user,
                    link="/koperasi-saya/pemutakhiran/baru",
                    now=now,
                )
                counts["messages"] += 1
            counts["cooperatives"] += 1
        db.session.flush()
    return counts
