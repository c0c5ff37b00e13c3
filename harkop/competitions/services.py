"""Event and competition rules: editing, the state machine, rubric, exceptions, qualify counts.

The state machine (docs/competitions.md): draft -> open -> closed -> judging -> final -> published, plus
one way back, closed -> open ("reopen"), allowed only while the registration window has not
ended yet, i.e. after the office moved `registration_closes_at` later (a late extension).
Everything else is refused with `invalid_transition`. The scheduler drives draft -> open and
open -> closed from the window (`sync_registration_windows`); it never reopens a competition
the office closed early, and never opens one without a schedule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..audit import record_audit
from ..auth.actors import acts_for_office
from ..cooperatives.vocab import Jenis, Predikat
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from . import eligibility, rubric
from .models import (
    Aggregation,
    Competition,
    CompetitionDay,
    CompetitionState,
    EligibilityException,
    Event,
    RubricCriterion,
    TeamKind,
)

S = CompetitionState
TRANSITIONS: dict[CompetitionState, frozenset[CompetitionState]] = {
    S.draft: frozenset({S.open}),
    S.open: frozenset({S.closed}),
    S.closed: frozenset({S.open, S.judging}),
    S.judging: frozenset({S.final}),
    S.final: frozenset({S.published}),
    S.published: frozenset(),
}
# States in which the rubric is fixed: judges score against it.
RUBRIC_LOCKED = frozenset({S.judging, S.final, S.published})
# States the public can see (a draft is the office's work in progress).
PUBLIC_STATES = frozenset(set(S) - {S.draft})

# Later domains (judging) may guard a transition, e.g. `final` only through finalising with a
# snapshot: they register a check here instead of competitions importing them.
TransitionHook = Callable[[Competition, CompetitionState, Any, datetime], None]
_transition_hooks: list[TransitionHook] = []


def register_transition_hook(hook: TransitionHook) -> TransitionHook:
    """Add a check run before every transition; it raises a DomainError to refuse."""
    if hook not in _transition_hooks:
        _transition_hooks.append(hook)
    return hook


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """A URL slug from a name: lower-case ASCII words joined by hyphens."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "lomba"


# --- events -------------------------------------------------------------------------------


def current_event(*, today: date | None = None) -> Event | None:
    """The event to feature: the next or running one, else the latest that ended."""
    today = today or clock.today()
    upcoming = db.session.scalar(
        select(Event).where(Event.ends_on >= today).order_by(Event.starts_on).limit(1)
    )
    if upcoming is not None:
        return upcoming
    return db.session.scalar(select(Event).order_by(Event.ends_on.desc()).limit(1))


def get_event(event_id: int) -> Event:
    """The event with this id, or a coded 404."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("event_not_found", _("Acara tidak ditemukan."))
    return event


def event_by_slug(slug: str) -> Event:
    """The event with this slug, or a coded 404."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound("event_not_found", _("Acara tidak ditemukan."))
    return event


def _event_snapshot(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "name": event.name,
        "venue": event.venue,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
    }


def save_event(event: Event | None, values: dict[str, Any], *, by: Any, now: datetime | None = None) -> Event:
    """Create (event=None) or update an event; validates slug and dates."""
    now = now or clock.now()
    slug = (values.get("slug") or "").strip() or slugify(values.get("name") or "")
    if not SLUG_RE.match(slug):
        raise ValidationFailed(
            "invalid_slug", _("Slug hanya huruf kecil, angka dan tanda hubung."), details={"field": "slug"}
        )
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    if ends_on < starts_on:
        raise ValidationFailed(
            "invalid_dates",
            _("Tanggal selesai tidak boleh sebelum tanggal mulai."),
            details={"field": "ends_on"},
        )
    clash = db.session.scalar(select(Event.id).where(Event.slug == slug))
    if clash is not None and (event is None or clash != event.id):
        raise Conflict("slug_taken", _("Slug acara sudah dipakai."), details={"field": "slug"})
    before = _event_snapshot(event) if event is not None else None
    if event is None:
        event = Event(slug=slug)
        db.session.add(event)
    else:
        outside = [c.name for c in event.competitions for d in c.days if not starts_on <= d <= ends_on]
        if outside:
            raise ValidationFailed(
                "days_outside_event",
                _("Jadwal lomba berikut di luar tanggal acara: %(names)s.", names=", ".join(outside)),
                details={"field": "starts_on"},
            )
    event.slug = slug
    event.name = values["name"].strip()
    event.theme = (values.get("theme") or "").strip()
    event.venue = (values.get("venue") or "").strip()
    event.description = (values.get("description") or "").strip()
    event.starts_on, event.ends_on = starts_on, ends_on
    db.session.flush()
    record_audit(
        "event.updated" if before else "event.created",
        entity_type="event",
        entity_id=event.id,
        by=by,
        before=before,
        after=_event_snapshot(event),
        now=now,
    )
    return event


# --- competitions -------------------------------------------------------------------------


def get_competition(competition_id: int) -> Competition:
    """The competition with this id, or a coded 404."""
    comp = db.session.get(Competition, competition_id)
    if comp is None:
        raise NotFound("competition_not_found", _("Lomba tidak ditemukan."))
    return comp


def competition_by_slug(event_slug: str, slug: str) -> Competition:
    """The competition of an event by their slugs, or a coded 404."""
    comp = db.session.scalar(
        select(Competition).join(Event).where(Event.slug == event_slug, Competition.slug == slug)
    )
    if comp is None:
        raise NotFound("competition_not_found", _("Lomba tidak ditemukan."))
    return comp


def visible_competition(competition_id: int, *, user: Any = None) -> Competition:
    """A competition the user may see: drafts only for the office (others get a 404)."""
    comp = get_competition(competition_id)
    if comp.state == S.draft and not acts_for_office(user):
        raise NotFound("competition_not_found", _("Lomba tidak ditemukan."))
    return comp


def list_competitions(
    *, event: Event | None = None, include_drafts: bool = False, day: date | None = None
) -> list[Competition]:
    """Competitions (of one event, of one day), ordered by first day, start time and name."""
    stmt = select(Competition)
    if event is not None:
        stmt = stmt.where(Competition.event_id == event.id)
    if not include_drafts:
        stmt = stmt.where(Competition.state != S.draft)
    if day is not None:
        stmt = stmt.where(
            Competition.id.in_(select(CompetitionDay.competition_id).where(CompetitionDay.day == day))
        )
    comps = list(db.session.scalars(stmt.order_by(Competition.starts_at, Competition.name)))
    return sorted(comps, key=lambda c: (c.first_day or date.max, c.starts_at, c.name))


def programme_by_day(event: Event) -> list[tuple[date, list[Competition]]]:
    """The public programme: each event day with the competitions held that day."""
    comps = list_competitions(event=event)
    return [
        (day, sorted((c for c in comps if day in c.days), key=lambda c: (c.starts_at, c.name)))
        for day in event.days()
    ]


def competition_snapshot(comp: Competition) -> dict[str, Any]:
    """The audit log's view of a competition's settings."""
    return {
        "name": comp.name,
        "slug": comp.slug,
        "days": [d.isoformat() for d in comp.days],
        "starts_at": comp.starts_at.isoformat() if comp.starts_at else None,
        "ends_at": comp.ends_at.isoformat() if comp.ends_at else None,
        "place": comp.place,
        "team_kind": comp.team_kind.value if comp.team_kind else None,
        "min_team_size": comp.min_team_size,
        "max_team_size": comp.max_team_size,
        "capacity": comp.capacity,
        "registration_opens_at": comp.registration_opens_at,
        "registration_closes_at": comp.registration_closes_at,
        "approval_required": comp.approval_required,
        "for_children": comp.for_children,
        "rules": comp.rules_dict(),
        "judges_per_entry": comp.judges_per_entry,
        "aggregation": comp.aggregation.value if comp.aggregation else None,
        "tie_break": list(comp.tie_break or []),
        "state": comp.state.value if comp.state else None,
    }


def _field_error(code: str, message: str, field: str) -> ValidationFailed:
    return ValidationFailed(code, message, details={"field": field})


def validate_rules(values: dict[str, Any]) -> None:
    """Refuse unknown predikat and jenis values and negative ages."""
    predikat = values.get("min_predikat")
    if predikat and Predikat.of(predikat) is None:
        raise _field_error("invalid_predikat", _("Predikat tidak dikenal."), "min_predikat")
    unknown = set(values.get("allowed_jenis") or ()) - {j.value for j in Jenis}
    if unknown:
        raise _field_error(
            "invalid_jenis",
            _("Jenis koperasi tidak dikenal: %(j)s.", j=", ".join(sorted(unknown))),
            "allowed_jenis",
        )
    age = values.get("max_assessment_age_years")
    if age is not None and age < 0:
        raise _field_error(
            "invalid_assessment_age", _("Umur pemeriksaan tidak boleh negatif."), "max_assessment_age_years"
        )


def _validate_competition(event: Event, comp: Competition | None, values: dict[str, Any]) -> None:
    slug = values["slug"]
    if not SLUG_RE.match(slug):
        raise _field_error("invalid_slug", _("Slug hanya huruf kecil, angka dan tanda hubung."), "slug")
    clash = db.session.scalar(
        select(Competition.id).where(Competition.event_id == event.id, Competition.slug == slug)
    )
    if clash is not None and (comp is None or clash != comp.id):
        raise Conflict("slug_taken", _("Slug lomba sudah dipakai di acara ini."), details={"field": "slug"})
    days = values.get("days") or []
    outside = [d for d in days if not event.starts_on <= d <= event.ends_on]
    if outside:
        raise _field_error("days_outside_event", _("Hari lomba harus termasuk hari acara."), "days")
    if values["ends_at"] <= values["starts_at"]:
        raise _field_error("invalid_time_slot", _("Jam selesai harus setelah jam mulai."), "ends_at")
    kind = TeamKind(values["team_kind"])
    low, high = values["min_team_size"], values["max_team_size"]
    if kind == TeamKind.team and not 1 <= low <= high:
        raise _field_error(
            "invalid_team_size",
            _("Ukuran tim: minimal 1 dan maksimal tidak kurang dari minimal."),
            "max_team_size",
        )
    if values["capacity"] < 1:
        raise _field_error("invalid_capacity", _("Kuota minimal 1."), "capacity")
    if values["per_cooperative_limit"] < 1:
        raise _field_error(
            "invalid_limit", _("Batas pendaftaran per koperasi minimal 1."), "per_cooperative_limit"
        )
    if values["judges_per_entry"] < 1:
        raise _field_error("invalid_judges", _("Juri per peserta minimal 1."), "judges_per_entry")
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if (opens is None) != (closes is None):
        raise _field_error(
            "invalid_window",
            _("Isi waktu buka dan tutup pendaftaran, atau kosongkan keduanya."),
            "registration_closes_at",
        )
    if opens is not None and closes <= opens:
        raise _field_error(
            "invalid_window", _("Pendaftaran harus ditutup setelah dibuka."), "registration_closes_at"
        )
    Aggregation(values["aggregation"])
    validate_rules(values)


COMPETITION_FIELDS = (
    "name",
    "slug",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "team_kind",
    "min_team_size",
    "max_team_size",
    "capacity",
    "per_cooperative_limit",
    "registration_opens_at",
    "registration_closes_at",
    "approval_required",
    "for_children",
    "require_active",
    "require_rat_previous_year",
    "min_predikat",
    "max_assessment_age_years",
    "allowed_jenis",
    "judges_per_entry",
    "aggregation",
)

DEFAULTS: dict[str, Any] = {
    "description": "",
    "place": "",
    "team_kind": TeamKind.team,
    "min_team_size": 1,
    "max_team_size": 1,
    "per_cooperative_limit": 1,
    "registration_opens_at": None,
    "registration_closes_at": None,
    "approval_required": False,
    "for_children": False,
    "require_active": True,
    "require_rat_previous_year": True,
    "min_predikat": None,
    "max_assessment_age_years": None,
    "allowed_jenis": [],
    "judges_per_entry": 3,
    "aggregation": Aggregation.mean,
    "days": [],
}


def save_competition(
    event: Event,
    comp: Competition | None,
    values: dict[str, Any],
    *,
    by: Any,
    now: datetime | None = None,
) -> Competition:
    """Create (comp=None) or update a competition's settings, days and rules (not its rubric).

    Missing keys keep their current value (or the default for a new competition). An
    individual competition always has a team size of exactly one.
    """
    now = now or clock.now()
    current = {k: getattr(comp, k) for k in COMPETITION_FIELDS} if comp is not None else dict(DEFAULTS)
    if comp is not None:
        current["days"] = comp.days
    merged = {**current, **{k: v for k, v in values.items() if k in (*COMPETITION_FIELDS, "days")}}
    merged["slug"] = (merged.get("slug") or "").strip() or slugify(merged.get("name") or "")
    merged["min_predikat"] = merged.get("min_predikat") or None
    merged["allowed_jenis"] = sorted(set(merged.get("allowed_jenis") or []))
    for key in ("registration_opens_at", "registration_closes_at"):
        if merged.get(key) is not None:
            if merged[key].tzinfo is None:
                raise ValueError(f"{key} must be timezone-aware")
            merged[key] = clock.as_utc(merged[key])
    if not (merged.get("name") or "").strip():
        raise _field_error("name_required", _("Nama lomba wajib diisi."), "name")
    for key in ("starts_at", "ends_at", "capacity"):
        if merged.get(key) is None:
            raise _field_error(f"{key}_required", _("Kolom ini wajib diisi."), key)
    if TeamKind(merged["team_kind"]) == TeamKind.individual:
        merged["min_team_size"] = merged["max_team_size"] = 1
    _validate_competition(event, comp, merged)
    before = competition_snapshot(comp) if comp is not None else None
    if comp is None:
        comp = Competition(event=event, state=S.draft, created_at=now, tie_break=[])
        db.session.add(comp)
    for key in COMPETITION_FIELDS:
        setattr(comp, key, merged[key])
    comp.team_kind = TeamKind(merged["team_kind"])
    comp.aggregation = Aggregation(merged["aggregation"])
    comp.name = merged["name"].strip()
    comp.updated_at = now
    wanted = sorted(set(merged["days"]))
    if wanted != comp.days:
        comp.day_rows = [CompetitionDay(day=d) for d in wanted]
    db.session.flush()
    record_audit(
        "competition.updated" if before else "competition.created",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        before=before,
        after=competition_snapshot(comp),
        now=now,
    )
    return comp


@dataclass
class CriterionInput:
    """One rubric row as the office typed it; `id` None for a new criterion."""

    name: str
    weight: float
    max_score: int
    description: str = ""
    levels: list[dict[str, Any]] | None = None
    id: int | None = None
    tie_break_rank: int | None = None


def parse_levels(text: str) -> list[dict[str, Any]]:
    """Level descriptors from text, one per line, optionally led by a score: '4: Sangat rapi'."""
    levels = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        match = re.match(r"^(\d+(?:[.,]\d+)?)\s*[:=\-–]\s*(.+)$", line)
        if match:
            score = float(match.group(1).replace(",", "."))
            levels.append(
                {"score": int(score) if score.is_integer() else score, "description": match.group(2)}
            )
        else:
            levels.append({"score": None, "description": line})
    return levels


def format_levels(levels: Iterable[dict[str, Any]]) -> str:
    """The inverse of `parse_levels`, for editing."""
    lines = []
    for level in levels or []:
        score = level.get("score")
        lines.append(f"{score}: {level['description']}" if score is not None else level["description"])
    return "\n".join(lines)


def set_rubric(
    comp: Competition, rows: list[CriterionInput], *, by: Any, now: datetime | None = None
) -> list[RubricCriterion]:
    """Replace the rubric with these rows, in this order (kept ids keep their scores' references).

    Refused with `rubric_locked` once judging has started. The tie-break ladder follows each
    row's `tie_break_rank` (lowest first); rows without a rank keep the rubric's order after them.
    """
    now = now or clock.now()
    if comp.state in RUBRIC_LOCKED:
        raise Conflict("rubric_locked", _("Rubrik tidak dapat diubah setelah penilaian dimulai."))
    for row in rows:
        if not row.name.strip():
            raise _field_error("criterion_name_required", _("Nama kriteria wajib diisi."), "criteria")
        if row.weight is None or row.weight <= 0:
            raise _field_error("invalid_weight", _("Bobot kriteria harus lebih dari 0."), "criteria")
        if row.max_score is None or row.max_score <= 0:
            raise _field_error("invalid_max_score", _("Nilai maksimal harus lebih dari 0."), "criteria")
    for index, row in enumerate(rows):
        problem = rubric.level_problem(row.levels, row.max_score)
        if problem is not None:
            raise ValidationFailed(
                problem.code,
                _("Kriteria “%(name)s”: %(problem)s", name=row.name.strip(), problem=problem.message),
                details={"field": f"criteria.{index}.levels", "criterion": row.name.strip()},
            )
    before = [
        {"id": c.id, "name": c.name, "weight": c.weight, "max_score": c.max_score} for c in comp.criteria
    ]
    existing = {c.id: c for c in comp.criteria}
    kept: list[RubricCriterion] = []
    for position, row in enumerate(rows, start=1):
        crit = existing.get(row.id) if row.id is not None else None
        if crit is None:
            crit = RubricCriterion(competition=comp)
        crit.name = row.name.strip()
        crit.description = (row.description or "").strip()
        crit.weight = float(row.weight)
        crit.max_score = int(row.max_score)
        crit.levels = list(row.levels or [])
        crit.position = position
        kept.append(crit)
    comp.criteria = kept
    db.session.flush()
    ranked = sorted(
        (
            (row.tie_break_rank, i, crit)
            for i, (row, crit) in enumerate(zip(rows, kept, strict=True))
            if row.tie_break_rank is not None
        ),
        key=lambda t: (t[0], t[1]),
    )
    comp.tie_break = [crit.id for _rank, _i, crit in ranked]
    comp.updated_at = now
    db.session.flush()
    record_audit(
        "competition.rubric_set",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        before={"criteria": before},
        after={
            "criteria": [
                {"id": c.id, "name": c.name, "weight": c.weight, "max_score": c.max_score} for c in kept
            ],
            "tie_break": comp.tie_break,
        },
        now=now,
    )
    return kept


# --- the state machine ----------------------------------------------------------------------


def allowed_transitions(comp: Competition) -> list[CompetitionState]:
    """The states this competition may move to next, in lifecycle order."""
    order = list(S)
    return sorted(TRANSITIONS[comp.state], key=order.index)


def missing_for_opening(comp: Competition) -> list[str]:
    """What a competition lacks before it can open: its days and its registration window."""
    missing = []
    if not comp.days:
        missing.append(_("hari lomba"))
    if comp.registration_opens_at is None or comp.registration_closes_at is None:
        missing.append(_("jadwal pendaftaran"))
    return missing


def transition_competition(
    comp: Competition, to: CompetitionState | str, *, by: Any, now: datetime | None = None, reason: str = ""
) -> Competition:
    """Move a competition to the next state, or refuse with `invalid_transition` (and kin)."""
    now = now or clock.now()
    try:
        target = CompetitionState(to)
    except ValueError as err:
        raise ValidationFailed(
            "invalid_state", _("Status tidak dikenal: %(s)s.", s=to), details={"field": "to"}
        ) from err
    if target not in TRANSITIONS[comp.state]:
        raise Conflict(
            "invalid_transition",
            _(
                "Status lomba tidak dapat diubah dari %(a)s ke %(b)s.",
                a=comp.state.label,
                b=target.label,
            ),
            details={
                "from": comp.state.value,
                "to": target.value,
                "allowed": [s.value for s in allowed_transitions(comp)],
            },
        )
    if target == S.open:
        missing = missing_for_opening(comp)
        if missing:
            raise Conflict(
                "not_ready",
                _("Lomba belum dapat dibuka; lengkapi dulu: %(m)s.", m=", ".join(missing)),
                details={"missing": missing},
            )
        if comp.state == S.closed and not (comp.registration_closes_at and now < comp.registration_closes_at):
            raise Conflict(
                "window_over",
                _(
                    "Waktu pendaftaran sudah berakhir. Perpanjang waktu tutup pendaftaran dulu "
                    "untuk membuka kembali."
                ),
            )
    if target == S.judging and not comp.criteria:
        raise Conflict("rubric_missing", _("Lomba belum memiliki rubrik penilaian."))
    for hook in list(_transition_hooks):
        hook(comp, target, by, now)
    before = comp.state
    comp.state = target
    comp.updated_at = now
    db.session.flush()
    record_audit(
        "competition.transition",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        before={"state": before.value},
        after={"state": target.value},
        detail=reason or None,
        now=now,
    )
    return comp


def sync_registration_windows(*, now: datetime | None = None) -> dict[str, int]:
    """Open drafts whose window has begun and close open competitions whose window has ended.

    Idempotent: a second run finds nothing left to change. A competition closed early by the
    office stays closed; a draft without days or a window stays a draft.
    """
    now = now or clock.now()
    opened = closed = 0
    to_open = db.session.scalars(
        select(Competition).where(
            Competition.state == S.draft,
            Competition.registration_opens_at <= now,
            Competition.registration_closes_at > now,
        )
    ).all()
    for comp in to_open:
        if missing_for_opening(comp):
            continue
        transition_competition(comp, S.open, by="scheduler", now=now, reason="registration window opened")
        opened += 1
    to_close = db.session.scalars(
        select(Competition).where(Competition.state == S.open, Competition.registration_closes_at <= now)
    ).all()
    for comp in to_close:
        transition_competition(comp, S.closed, by="scheduler", now=now, reason="registration window ended")
        closed += 1
    return {"opened": opened, "closed": closed}


# --- exceptions and qualify counts ------------------------------------------------------------


def exception_for(comp: Competition, cooperative_id: int) -> EligibilityException | None:
    """The exception granted to this cooperative for this competition, if any."""
    return db.session.scalar(
        select(EligibilityException).where(
            EligibilityException.competition_id == comp.id,
            EligibilityException.cooperative_id == cooperative_id,
        )
    )


def grant_exception(
    comp: Competition, cooperative_id: int, reason: str, *, by: Any, now: datetime | None = None
) -> EligibilityException:
    """Let one cooperative past the registry rules of this competition, with a reason (logged)."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(
            "reason_required",
            _("Tuliskan alasan pengecualian (minimal 5 karakter)."),
            details={"field": "reason"},
        )
    if exception_for(comp, cooperative_id) is not None:
        raise Conflict("exception_exists", _("Koperasi ini sudah mendapat pengecualian untuk lomba ini."))
    exc = EligibilityException(
        competition=comp,
        cooperative_id=cooperative_id,
        reason=reason[:500],
        granted_by_id=getattr(by, "id", None),
        granted_at=now,
    )
    db.session.add(exc)
    db.session.flush()
    record_audit(
        "competition.exception_granted",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        after={"cooperative_id": cooperative_id, "reason": exc.reason},
        detail=exc.reason,
        now=now,
    )
    return exc


def revoke_exception(exc: EligibilityException, *, by: Any, now: datetime | None = None) -> None:
    """Withdraw an exception (entries already accepted keep their recorded decision)."""
    now = now or clock.now()
    record_audit(
        "competition.exception_revoked",
        entity_type="competition",
        entity_id=exc.competition_id,
        by=by,
        before={"cooperative_id": exc.cooperative_id, "reason": exc.reason},
        now=now,
    )
    db.session.delete(exc)
    db.session.flush()


def qualify_count(
    comp_or_rules: Competition | eligibility.EligibilityRules,
    *,
    event: Event | None = None,
    today: date | None = None,
) -> eligibility.QualifyCount:
    """How many registry cooperatives meet these rules today (shown while the office edits them)."""
    from ..cooperatives.services import all_cooperative_facts

    today = today or clock.today()
    if isinstance(comp_or_rules, Competition):
        rules = eligibility.EligibilityRules.of(comp_or_rules)
        event = comp_or_rules.event
    else:
        rules = comp_or_rules
    if event is None:
        raise ValueError("an event is needed for the RAT year")
    return eligibility.count_qualifying(
        all_cooperative_facts(today=today), rules, event_year=event.starts_on.year, today=today
    )


def parse_time(value: str) -> time:
    """A 'HH:MM' or 'HH.MM' time of day."""
    return time.fromisoformat(value.replace(".", ":"))
