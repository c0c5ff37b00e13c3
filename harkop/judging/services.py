"""Judging rules: panels and affiliations, scorecards (revisions, locks, unlocks), finalise,
publish, correct, and the scheduled publication.

Scorecards: every save carries the device's revision number. The server keeps the highest one:
a save with a lower revision, or the same revision with other content, is refused with 409
`stale_revision` and the current card (the page then reloads it); the same revision with the
same content is a replay of a save already applied and answers as before without writing. The
card row is locked (SELECT … FOR UPDATE; SQLite writes are serialised by BEGIN IMMEDIATE) while a
save is checked and applied, so two devices of one judge cannot both win.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import clock
from ..audit import actor_name, record_audit
from ..auth.actors import active_representatives, acts_for_office, require_office, role_of
from ..auth.models import Role, User, UserAffiliation
from ..competitions.models import Competition, CompetitionState
from ..competitions.services import register_transition_hook, transition_competition
from ..cooperatives.vocab import Award
from ..errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..outbox import queue_message
from ..registrations.models import Entry, EntryState
from ..registrations.services import absolute_url, register_entry_reader
from . import certificates, scoring
from . import results as results_mod
from .assignments import (
    affiliations_of,
    clear_panel_assignments,
    is_conflicted,
    judged_entries,
    no_show_ids,
)
from .models import (
    Assignment,
    CardEventKind,
    CardState,
    CompetitionJudge,
    ResultSnapshot,
    ResultStanding,
    Scorecard,
    ScorecardEvent,
    ScoreRefusal,
    SnapshotKind,
)

S = CompetitionState
MAX_COMMENT = 2000
MAX_SCORE_PLACES = 2
MIN_REASON = 5

# --------------------------------------------------------------------------- who may do what


def panel_row(comp: Competition, user_id: int) -> CompetitionJudge | None:
    """The user's membership of the competition's panel, if any."""
    return db.session.scalar(
        select(CompetitionJudge).where(
            CompetitionJudge.competition_id == comp.id, CompetitionJudge.user_id == user_id
        )
    )


def is_head_judge(user: Any, comp: Competition) -> bool:
    """True when the user is the competition's ketua juri."""
    if role_of(user) != Role.judge or getattr(user, "id", None) is None:
        return False
    row = panel_row(comp, user.id)
    return row is not None and row.is_head


def can_monitor(user: Any, comp: Competition) -> bool:
    """The office and the competition's head judge watch the whole judging."""
    return acts_for_office(user) or is_head_judge(user, comp)


def require_monitor(user: Any, comp: Competition) -> None:
    """Refuse with 403 unless the user is the office or this competition's head judge."""
    if not can_monitor(user, comp):
        raise Forbidden(
            "forbidden", _("Hanya ketua juri lomba ini atau Admin Dinas yang dapat melakukannya.")
        )


# A competition's head judge reads its entries (team names, cooperatives) like the office;
# other judges see only the entries assigned to them (through this module, not the entries API).
register_entry_reader(lambda user, comp: is_head_judge(user, comp))


def get_competition(competition_id: int) -> Competition:
    """The competition with this id, or a coded 404 (drafts are never judged)."""
    comp = db.session.get(Competition, competition_id)
    if comp is None or comp.state == S.draft:
        raise NotFound("competition_not_found", _("Lomba tidak ditemukan."))
    return comp


# --------------------------------------------------------------------------- the panel


def judge_user(username: str) -> User:
    """An active user with the judge role, by username (404 / 422 otherwise)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise NotFound("user_not_found", _("Pengguna %(u)s tidak ditemukan.", u=username))
    if user.role != Role.judge:
        raise ValidationFailed(
            "not_a_judge", _("Pengguna %(u)s bukan juri.", u=user.username), details={"field": "username"}
        )
    if not user.active:
        raise ValidationFailed("user_inactive", _("Akun %(u)s dinonaktifkan.", u=user.username))
    return user


def add_judge(
    comp: Competition, user: User, *, head: bool = False, by: Any, now: datetime | None = None
) -> tuple[CompetitionJudge, bool]:
    """Put a judge on the panel (or update their head flag); returns (row, created). Logged.

    Naming a new head judge takes the flag from the previous one.
    """
    now = now or clock.now()
    require_office(by)
    if comp.state in (S.final, S.published):
        raise Conflict("judging_closed", _("Hasil lomba sudah ditetapkan; panel juri tidak dapat diubah."))
    if user.role != Role.judge:
        raise ValidationFailed("not_a_judge", _("Pengguna %(u)s bukan juri.", u=user.username))
    row = panel_row(comp, user.id)
    created = row is None
    if head:
        for other in db.session.scalars(
            select(CompetitionJudge).where(
                CompetitionJudge.competition_id == comp.id,
                CompetitionJudge.is_head.is_(True),
                CompetitionJudge.user_id != user.id,
            )
        ):
            other.is_head = False
        db.session.flush()  # the one-head index must see the old head cleared first
    if row is None:
        row = CompetitionJudge(
            competition_id=comp.id,
            user_id=user.id,
            is_head=bool(head),
            added_at=now,
            added_by_id=getattr(by, "id", None),
        )
        db.session.add(row)
    else:
        row.is_head = bool(head)
    db.session.flush()
    record_audit(
        "judging.judge_added" if created else "judging.judge_updated",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        after={"judge": user.username, "head": row.is_head},
        now=now,
    )
    return row, created


def remove_judge(comp: Competition, user_id: int, *, by: Any, now: datetime | None = None) -> None:
    """Take a judge off the panel with their unscored assignments; refused once they hold a card."""
    now = now or clock.now()
    require_office(by)
    row = panel_row(comp, user_id)
    if row is None:
        raise NotFound("judge_not_on_panel", _("Juri ini tidak ada di panel lomba."))
    held = db.session.scalar(
        select(func.count(Scorecard.id)).where(
            Scorecard.competition_id == comp.id, Scorecard.judge_id == user_id
        )
    )
    if held:
        raise Conflict(
            "judge_has_scorecards", _("Juri ini sudah mulai menilai; ia tidak dapat dikeluarkan dari panel.")
        )
    removed = clear_panel_assignments(comp, user_id)
    username = row.user.username
    db.session.delete(row)
    db.session.flush()
    record_audit(
        "judging.judge_removed",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        before={"judge": username, "head": row.is_head, "assignments": removed},
        now=now,
    )


def add_affiliation(user: User, nik: str, *, by: Any, now: datetime | None = None) -> UserAffiliation:
    """Record that a judge is tied to a cooperative (they will never score its entries). Logged.

    Assignments of that judge to the cooperative's entries without a scorecard are removed at once;
    a card already written stays and shows as a conflict on the monitor until the office acts.
    """
    from ..cooperatives.services import cooperative_by_nik

    now = now or clock.now()
    require_office(by)
    if user.role != Role.judge:
        raise ValidationFailed("not_a_judge", _("Afiliasi hanya dicatat untuk juri."))
    coop = cooperative_by_nik((nik or "").strip())
    exists = db.session.scalar(
        select(UserAffiliation).where(
            UserAffiliation.user_id == user.id, UserAffiliation.cooperative_id == coop.id
        )
    )
    if exists is not None:
        return exists
    row = UserAffiliation(user_id=user.id, cooperative_id=coop.id)
    db.session.add(row)
    stale = db.session.scalars(
        select(Assignment)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(Assignment.judge_id == user.id, Entry.cooperative_id == coop.id)
    ).all()
    removed = 0
    for a in stale:
        card = db.session.scalar(
            select(Scorecard.id).where(Scorecard.entry_id == a.entry_id, Scorecard.judge_id == user.id)
        )
        if card is None:
            db.session.delete(a)
            removed += 1
    db.session.flush()
    record_audit(
        "judging.affiliation_added",
        entity_type="user",
        entity_id=user.id,
        by=by,
        after={"cooperative": coop.nik, "assignments_removed": removed},
        now=now,
    )
    return row


def remove_affiliation(user: User, cooperative_id: int, *, by: Any, now: datetime | None = None) -> None:
    """Withdraw a declared affiliation (logged)."""
    now = now or clock.now()
    require_office(by)
    row = db.session.scalar(
        select(UserAffiliation).where(
            UserAffiliation.user_id == user.id, UserAffiliation.cooperative_id == cooperative_id
        )
    )
    if row is None:
        raise NotFound("affiliation_not_found", _("Afiliasi tidak ditemukan."))
    db.session.delete(row)
    db.session.flush()
    record_audit(
        "judging.affiliation_removed",
        entity_type="user",
        entity_id=user.id,
        by=by,
        before={"cooperative_id": cooperative_id},
        now=now,
    )


def update_settings(
    comp: Competition,
    *,
    publish_at: datetime | None,
    discrepancy_threshold: float | None,
    by: Any,
    now: datetime | None = None,
) -> Competition:
    """Set when the results publish themselves and the spread that flags a discrepancy (logged)."""
    now = now or clock.now()
    require_office(by)
    if publish_at is not None and publish_at.tzinfo is None:
        raise ValueError("publish_at must be timezone-aware")
    if discrepancy_threshold is not None and discrepancy_threshold < 0:
        raise ValidationFailed(
            "invalid_threshold",
            _("Ambang selisih tidak boleh negatif."),
            details={"field": "discrepancy_threshold"},
        )
    if comp.state == S.published and publish_at != comp.publish_at:
        raise Conflict("already_published", _("Hasil lomba ini sudah diumumkan."))
    before = {"publish_at": comp.publish_at, "discrepancy_threshold": comp.discrepancy_threshold}
    comp.publish_at = clock.as_utc(publish_at) if publish_at else None
    comp.discrepancy_threshold = discrepancy_threshold
    comp.updated_at = now
    db.session.flush()
    record_audit(
        "judging.settings_updated",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        before=before,
        after={"publish_at": comp.publish_at, "discrepancy_threshold": comp.discrepancy_threshold},
        now=now,
    )
    return comp


# --------------------------------------------------------------------------- scorecards


def assigned_entries(judge: Any) -> list[tuple[Entry, Scorecard | None]]:
    """The judge's entries (of competitions under judging or done) with their own card, if any."""
    rows = db.session.execute(
        select(Entry, Scorecard)
        .join(Assignment, Assignment.entry_id == Entry.id)
        .join(Competition, Competition.id == Entry.competition_id)
        .outerjoin(Scorecard, (Scorecard.entry_id == Entry.id) & (Scorecard.judge_id == Assignment.judge_id))
        .where(
            Assignment.judge_id == judge.id,
            Entry.state == EntryState.confirmed,
            Competition.state.in_([S.closed, S.judging, S.final, S.published]),
        )
        .order_by(Competition.id, Entry.id)
    ).all()
    return [(entry, card) for entry, card in rows]


def is_assigned(judge_id: int, entry_id: int) -> bool:
    """True when the judge is assigned to the entry."""
    return (
        db.session.scalar(
            select(Assignment.id).where(Assignment.entry_id == entry_id, Assignment.judge_id == judge_id)
        )
        is not None
    )


def entry_for_judge(entry_id: int, judge: Any) -> Entry:
    """An entry the judge may open: 404 unknown, 403 `conflict_of_interest`, 403 `not_assigned`."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.state != EntryState.confirmed:
        raise NotFound("entry_not_found", _("Peserta tidak ditemukan."))
    if is_conflicted(judge.id, entry):
        raise Forbidden(
            "conflict_of_interest",
            _("Anda terafiliasi dengan koperasi peserta ini sehingga tidak boleh menilainya."),
        )
    if not is_assigned(judge.id, entry.id):
        raise Forbidden("not_assigned", _("Peserta ini tidak ditugaskan kepada Anda."))
    return entry


def own_card(entry_id: int, judge_id: int) -> Scorecard | None:
    """The judge's own card for the entry (never another judge's)."""
    return db.session.scalar(
        select(Scorecard).where(Scorecard.entry_id == entry_id, Scorecard.judge_id == judge_id)
    )


def normalise_scores(comp: Competition, raw: Any) -> dict[str, int | float]:
    """Check a {criterion id: value} mapping: known criteria, numbers in 0..max, ≤ 2 decimals.

    Empty values (None, "") are left out: a draft may be partial. Values are stored as JSON
    numbers (whole numbers as ints).
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed("invalid_scores", _("`scores` harus berupa objek {kriteria: nilai}."))
    criteria = {str(c.id): c for c in comp.criteria}
    out: dict[str, int | float] = {}
    for key, value in raw.items():
        crit = criteria.get(str(key))
        if crit is None:
            raise ValidationFailed(
                "unknown_criterion",
                _("Kriteria %(k)s tidak ada di rubrik lomba ini.", k=key),
                details={"criterion_id": key},
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool):
            number = None
        else:
            try:
                number = Decimal(str(value).strip().replace(",", "."))
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            raise ValidationFailed(
                "invalid_score",
                _("Nilai %(n)s harus berupa angka.", n=crit.name),
                details={"criterion_id": crit.id, "criterion": crit.name},
            )
        if number < 0 or number > crit.max_score:
            raise ValidationFailed(
                "score_out_of_range",
                _("Nilai %(n)s harus antara 0 dan %(m)s.", n=crit.name, m=crit.max_score),
                details={"criterion_id": crit.id, "criterion": crit.name, "max": crit.max_score},
            )
        if number.as_tuple().exponent < -MAX_SCORE_PLACES and number != number.quantize(Decimal("0.01")):
            raise ValidationFailed(
                "invalid_score",
                _("Nilai %(n)s paling banyak dua angka di belakang koma.", n=crit.name),
                details={"criterion_id": crit.id, "criterion": crit.name},
            )
        out[str(crit.id)] = int(number) if number == number.to_integral_value() else float(number)
    return out


def missing_criteria(comp: Competition, scores: dict[str, Any]) -> list[int]:
    """Criteria of the rubric without a value."""
    return [c.id for c in comp.criteria if str(c.id) not in scores]


def _insert_ignore(values: dict[str, Any]) -> None:
    """INSERT the card unless (entry, judge) exists: one statement, safe against a second device."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(Scorecard).values(**values).on_conflict_do_nothing(index_elements=["entry_id", "judge_id"])
    db.session.execute(stmt)


def lock_card(comp: Competition, entry: Entry, judge_id: int, now: datetime) -> tuple[Scorecard, bool]:
    """The card of (entry, judge), created if need be and locked for this transaction."""
    existed = own_card(entry.id, judge_id) is not None
    if not existed:
        _insert_ignore(
            {
                "competition_id": comp.id,
                "entry_id": entry.id,
                "judge_id": judge_id,
                "state": CardState.draft,
                "scores": {},
                "comment": "",
                "revision": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    card = db.session.scalar(
        select(Scorecard)
        .where(Scorecard.entry_id == entry.id, Scorecard.judge_id == judge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return card, not existed and card.revision == 0


def card_json(card: Scorecard | None, *, entry_id: int | None = None) -> dict[str, Any]:
    """A judge's own card as the API shows it (state "empty" before the first save)."""
    if card is None:
        return {"entry_id": entry_id, "state": "empty", "revision": 0, "scores": {}, "comment": ""}
    return {
        "entry_id": card.entry_id,
        "state": card.state.value,
        "revision": card.revision,
        "scores": dict(card.scores or {}),
        "comment": card.comment or "",
        "submitted_at": card.submitted_at.isoformat() if card.submitted_at else None,
        "updated_at": card.updated_at.isoformat() if card.updated_at else None,
    }


def record_event(
    card: Scorecard,
    kind: CardEventKind,
    *,
    by: Any,
    now: datetime,
    reason: str | None = None,
    device_id: str | None = None,
    from_paper: bool = False,
) -> ScorecardEvent:
    """Append one change to a card's history (its scores after it, who, when, why; from paper or not)."""
    row = ScorecardEvent(
        scorecard_id=card.id,
        competition_id=card.competition_id,
        kind=kind,
        revision=card.revision,
        scores=dict(card.scores or {}),
        comment=card.comment or "",
        reason=reason,
        device_id=(device_id or None) and str(device_id)[:64],
        by_id=getattr(by, "id", None),
        by_name=actor_name(by),
        at=now,
        from_paper=from_paper,
    )
    db.session.add(row)
    return row


@dataclass
class SaveResult:
    """A save's outcome: the card as it stands, and whether this was a replay of a save already applied."""

    card: Scorecard
    replayed: bool = False


def _parse_revision(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = None
    try:
        revision = int(value) if value is not None else None
    except ValueError:
        revision = None
    if revision is None or revision < 1:
        raise ValidationFailed(
            "invalid_revision", _("`revision` harus bilangan bulat ≥ 1."), details={"field": "revision"}
        )
    return revision


def _parse_base(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(
            "invalid_base_revision",
            _("`base_revision` harus bilangan bulat ≥ 0."),
            details={"field": "base_revision"},
        )
    return value


def _last_device(card: Scorecard) -> str | None:
    """The device of the card's latest change (None: a page, an unlock, the office)."""
    return db.session.scalar(
        select(ScorecardEvent.device_id)
        .where(ScorecardEvent.scorecard_id == card.id)
        .order_by(ScorecardEvent.id.desc())
        .limit(1)
    )


def save_scorecard(
    entry_id: int,
    *,
    judge: Any,
    scores: Any,
    comment: Any = "",
    submit: bool = False,
    revision: Any,
    device_id: str | None = None,
    base_revision: Any = None,
    now: datetime | None = None,
) -> SaveResult:
    """Save a judge's draft or submit their scorecard for an entry, under the revision rule.

    `base_revision` (optional) is the card's revision the device last saw from the server. When
    the card has moved on since, by a save from another device (two tablets of one judge, each
    offline), the save is a `stale_revision` whatever its own revision: the judge is shown both
    versions and chooses, rather than one silently overwriting the other.

    Refusals: 404 `entry_not_found`; 403 `conflict_of_interest`, `not_assigned`; 409 `not_judging`,
    `entry_no_show`, `stale_revision` (details: the current card), `scorecard_submitted`,
    `scorecard_finalised`; 422 `invalid_revision`, `unknown_criterion`, `invalid_score`,
    `score_out_of_range` (naming the criterion), `incomplete_scorecard` (submit without every criterion).
    """
    now = now or clock.now()
    entry = entry_for_judge(entry_id, judge)
    comp = entry.competition
    if comp.state not in (S.judging, S.final, S.published):
        raise Conflict("not_judging", _("Penilaian lomba ini belum dibuka."))
    if entry.id in no_show_ids(comp):
        raise Conflict("entry_no_show", _("Peserta ini tidak hadir dan tidak dinilai."))
    revision = _parse_revision(revision)
    base = None if base_revision is None else _parse_base(base_revision)
    values = normalise_scores(comp, scores)
    comment = str(comment or "").strip()[:MAX_COMMENT]
    submit = bool(submit)
    if submit:
        missing = missing_criteria(comp, values)
        if missing:
            raise ValidationFailed(
                "incomplete_scorecard",
                _("Isi nilai setiap kriteria sebelum mengirim."),
                details={"missing": missing},
            )

    card, fresh = lock_card(comp, entry, judge.id, now)
    done = card.state in (CardState.submitted, CardState.finalised)
    if card.revision > 0 and revision <= card.revision:
        same = card.scores == values and (card.comment or "") == comment and done == submit
        if revision == card.revision and same:
            return SaveResult(card, replayed=True)
        raise Conflict(
            "stale_revision",
            _("Nilai di server lebih baru dari perangkat ini; halaman memuat ulang nilai terakhir."),
            details={"card": card_json(card)},
        )
    if card.state == CardState.finalised:
        raise Conflict("scorecard_finalised", _("Nilai ini sudah final."), details={"card": card_json(card)})
    if card.state == CardState.submitted:
        raise Conflict(
            "scorecard_submitted",
            _("Nilai ini sudah dikirim. Minta ketua juri membuka kuncinya untuk mengubah."),
            details={"card": card_json(card)},
        )
    if base is not None and card.revision > base and _last_device(card) != device_id:
        raise Conflict(
            "stale_revision",
            _("Nilai di server lebih baru dari perangkat ini; halaman memuat ulang nilai terakhir."),
            details={"card": card_json(card)},
        )
    # After finalising, only a card the office unlocked for a correction may change.
    if comp.state != S.judging and (fresh or card.revision == 0):
        raise Conflict("not_judging", _("Penilaian lomba ini sudah ditutup."))
    card.scores = values
    card.comment = comment
    card.revision = revision
    card.updated_at = now
    if submit:
        card.state = CardState.submitted
        card.submitted_at = now
    else:
        card.state = CardState.draft
    db.session.flush()
    record_event(
        card,
        CardEventKind.submitted if submit else CardEventKind.draft_saved,
        by=judge,
        now=now,
        device_id=device_id,
    )
    db.session.flush()
    return SaveResult(card)


def unlock_scorecard(card: Scorecard, reason: str, *, by: Any, now: datetime | None = None) -> Scorecard:
    """Take a submitted card back to draft so its judge can change it; a reason is required.

    While judging: the head judge or the office. After finalising: the office only (a correction).
    """
    now = now or clock.now()
    comp = db.session.get(Competition, card.competition_id)
    if comp.state == S.judging:
        require_monitor(by, comp)
    else:
        require_office(by)
        if comp.state not in (S.final, S.published):
            raise Conflict("not_judging", _("Penilaian lomba ini belum dibuka."))
    if card.state not in (CardState.submitted, CardState.finalised):
        raise Conflict("not_submitted", _("Nilai ini belum dikirim; tidak ada yang perlu dibuka."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed(
            "reason_required",
            _("Tuliskan alasan membuka kunci (minimal %(n)d karakter).", n=MIN_REASON),
            details={"field": "reason"},
        )
    before = card.state.value
    card.state = CardState.draft
    card.updated_at = now
    db.session.flush()
    record_event(card, CardEventKind.unlocked, by=by, now=now, reason=reason[:500])
    record_audit(
        "judging.scorecard_unlocked",
        entity_type="scorecard",
        entity_id=card.id,
        by=by,
        before={"state": before, "entry_id": card.entry_id, "judge_id": card.judge_id},
        after={"state": "draft"},
        detail=reason[:500],
        now=now,
    )
    judge = db.session.get(User, card.judge_id)
    if judge is not None:
        queue_message(
            kind="judging_unlocked",
            subject=_("Nilai dibuka kembali: %(t)s", t=card.entry.team_name),
            body=_(
                "Ketua juri atau Dinas membuka kunci nilai Anda untuk %(t)s (%(c)s). Alasan: %(r)s",
                t=card.entry.team_name,
                c=comp.name,
                r=reason[:500],
            ),
            user=judge,
            link=absolute_url("judging.score_entry", entry_id=card.entry_id),
            now=now,
        )
    return card


def replay(events: list[ScorecardEvent]) -> dict[str, Any]:
    """The card state that a list of its events leads to (the events are the record; the card a cache)."""
    state: dict[str, Any] = {"state": None, "revision": 0, "scores": {}, "comment": ""}
    for ev in events:
        if ev.kind in (CardEventKind.draft_saved, CardEventKind.submitted):
            state.update(
                state="submitted" if ev.kind == CardEventKind.submitted else "draft",
                revision=ev.revision,
                scores=dict(ev.scores or {}),
                comment=ev.comment or "",
            )
        elif ev.kind == CardEventKind.unlocked:
            state["state"] = "draft"
        elif ev.kind == CardEventKind.finalised:
            state["state"] = "finalised"
    return state


# --------------------------------------------------------------------------- finalise, publish


# The competitions state machine lets judging reach `final` and `published` only through the
# services below (which store and publish a snapshot), not through the generic transition.
_allowed_transition: contextvars.ContextVar[S | None] = contextvars.ContextVar(
    "_allowed_transition", default=None
)


@contextmanager
def _transition_allowed(target: S) -> Iterator[None]:
    token = _allowed_transition.set(target)
    try:
        yield
    finally:
        _allowed_transition.reset(token)


@register_transition_hook
def _guard_results_transitions(comp: Competition, target: S, by: Any, now: datetime) -> None:
    """`final` only by finalising (a snapshot is stored), `published` only by publishing."""
    if target == S.final and _allowed_transition.get() != S.final:
        raise Conflict(
            "use_finalise",
            _("Tetapkan hasil lewat halaman Penilaian (ketua juri atau Dinas), agar hasilnya tersimpan."),
        )
    if target == S.published and _allowed_transition.get() != S.published:
        raise Conflict(
            "use_publish", _("Umumkan hasil lewat halaman Penilaian, agar prestasi koperasi ikut tercatat.")
        )


def _scoring_error(err: scoring.ScoringError) -> DomainError:
    """A scoring refusal as a coded 409 (the data is not ready for the chosen strategy)."""
    messages = {
        "not_enough_judges": _("Rata-rata terpangkas membutuhkan minimal 5 juri pada setiap peserta."),
        "not_enough_overlap": _("Skor-z membutuhkan juri yang menilai cukup banyak peserta yang sama."),
        "no_scorecards": _("Ada peserta yang belum memiliki nilai terkirim."),
    }
    details = {k: v for k, v in err.details.items() if isinstance(v, int | str | list | dict)}
    return Conflict(err.code, messages.get(err.code, err.message), details=details)


def _require_complete(comp: Competition, entries: list[Entry], *, allow_finalised: bool) -> None:
    """Every judged entry has judges, each of them submitted, and none of them is conflicted."""
    ok = (CardState.submitted, CardState.finalised) if allow_finalised else (CardState.submitted,)
    cards = {
        (c.entry_id, c.judge_id): c
        for c in db.session.scalars(select(Scorecard).where(Scorecard.competition_id == comp.id))
    }
    by_entry: dict[int, list[int]] = {}
    for a in db.session.scalars(select(Assignment).where(Assignment.competition_id == comp.id)):
        by_entry.setdefault(a.entry_id, []).append(a.judge_id)
    affiliated = affiliations_of({j for judges in by_entry.values() for j in judges})
    missing = []
    conflicted = []
    for entry in entries:
        judges = by_entry.get(entry.id, [])
        if not judges:
            missing.append({"entry_id": entry.id, "team": entry.team_name, "judge_ids": []})
            continue
        lacking = [j for j in judges if (entry.id, j) not in cards or cards[(entry.id, j)].state not in ok]
        if lacking:
            missing.append({"entry_id": entry.id, "team": entry.team_name, "judge_ids": sorted(lacking)})
        conflicted += [
            {"entry_id": entry.id, "judge_id": j}
            for j in judges
            if entry.cooperative_id in affiliated.get(j, set())
        ]
    if not entries:
        raise Conflict("no_entries", _("Tidak ada peserta yang dinilai."))
    if missing:
        raise Conflict(
            "scorecards_missing",
            _("Masih ada %(n)d peserta yang nilainya belum lengkap.", n=len(missing)),
            details={"missing": missing},
        )
    if conflicted:
        raise Conflict(
            "conflict_of_interest",
            _(
                "Ada juri yang terafiliasi dengan peserta yang dinilainya; selesaikan dulu di halaman penugasan."
            ),
            details={"conflicts": conflicted},
        )


def _finalise_cards(comp: Competition, *, by: Any, now: datetime) -> int:
    cards = db.session.scalars(
        select(Scorecard).where(Scorecard.competition_id == comp.id, Scorecard.state == CardState.submitted)
    ).all()
    # One flush for all: the updates and the event inserts go to the database in batches.
    for card in cards:
        card.state = CardState.finalised
        card.finalised_at = now
        record_event(card, CardEventKind.finalised, by=by, now=now)
    db.session.flush()
    return len(cards)


def _store_snapshot(
    comp: Competition, kind: SnapshotKind, *, by: Any, now: datetime, reason: str | None = None
) -> ResultSnapshot:
    entries = judged_entries(comp)
    _require_complete(comp, entries, allow_finalised=kind == SnapshotKind.correction)
    try:
        computed = results_mod.compute(comp, entries)
    except scoring.ScoringError as err:
        raise _scoring_error(err) from err
    version = (
        db.session.scalar(
            select(func.max(ResultSnapshot.version)).where(ResultSnapshot.competition_id == comp.id)
        )
        or 0
    ) + 1
    snapshot = ResultSnapshot(
        competition_id=comp.id,
        version=version,
        kind=kind,
        reason=reason,
        data=results_mod.snapshot_data(comp, computed, entries),
        created_at=now,
        created_by_id=getattr(by, "id", None),
        created_by_name=actor_name(by),
    )
    db.session.add(snapshot)
    db.session.flush()
    _finalise_cards(comp, by=by, now=now)
    return snapshot


def finalise_results(comp: Competition, *, by: Any, now: datetime | None = None) -> ResultSnapshot:
    """Store the results snapshot (version 1, or the next) and move the competition to `final`.

    The head judge of the competition or the office; every judged entry needs all its cards
    submitted (409 `scorecards_missing`), and the scoring strategy must apply (its code, 409).
    """
    now = now or clock.now()
    require_monitor(by, comp)
    if comp.state != S.judging:
        raise Conflict("not_judging", _("Hasil hanya dapat ditetapkan saat lomba dalam tahap penilaian."))
    snapshot = _store_snapshot(comp, SnapshotKind.final, by=by, now=now)
    with _transition_allowed(S.final):
        transition_competition(comp, S.final, by=by, now=now, reason=f"results v{snapshot.version}")
    record_audit(
        "judging.results_finalised",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        after={"version": snapshot.version, "entries": len(snapshot.data["entries"])},
        now=now,
    )
    return snapshot


def _source_ref(comp: Competition, entry_id: int) -> str:
    return f"competition:{comp.id}:entry:{entry_id}"


PARTICIPATION = Award.peserta.value  # the rank an entry without an award records


def _write_achievements(
    comp: Competition,
    snapshot: ResultSnapshot,
    previous: ResultSnapshot | None,
    *,
    by: Any,
    now: datetime,
) -> int:
    """Write each entry's award (or participation) into its cooperative's profile.

    Each entry has one achievement per competition (its `source_ref`), so a corrected result
    rewrites it instead of adding another; entries the new version no longer lists lose theirs.
    """
    from ..cooperatives.services import record_achievement, withdraw_achievement

    year = comp.event.starts_on.year
    current = set()
    for row in snapshot.data["entries"]:
        label = row["award"] or PARTICIPATION
        record_achievement(
            row["cooperative"]["id"],
            title=f"{label} {comp.name}",
            year=year,
            source_ref=_source_ref(comp, row["entry_id"]),
            competition_name=comp.name,
            event_name=comp.event.name,
            rank_label=label,
            by=by,
            now=now,
        )
        current.add(row["entry_id"])
    if previous is not None:
        for row in previous.data["entries"]:
            if row["entry_id"] not in current:
                withdraw_achievement(
                    row["cooperative"]["id"], source_ref=_source_ref(comp, row["entry_id"]), by=by, now=now
                )
    return len(current)


def _notify_published(comp: Competition, snapshot: ResultSnapshot, *, now: datetime, corrected: bool) -> int:
    """Tell each participating cooperative's pengurus their team's place (one query for all of them)."""
    reps = active_representatives(row["cooperative"]["id"] for row in snapshot.data["entries"])
    if not reps:
        return 0
    link = absolute_url("judging.my_results")
    subject = (
        _("Hasil %(c)s dikoreksi", c=comp.name) if corrected else _("Hasil %(c)s diumumkan", c=comp.name)
    )
    sent = 0
    for row in snapshot.data["entries"]:
        body = _(
            "%(t)s meraih %(a)s di %(c)s. Piagam dapat diunduh di halaman Hasil & Piagam.",
            t=row["team"],
            a=Award.label_of(row["award"]) if row["award"] else _("peserta"),
            c=comp.name,
        )
        for user in reps.get(row["cooperative"]["id"], []):
            queue_message(kind="results_published", subject=subject, body=body, user=user, link=link, now=now)
            sent += 1
    return sent


def publish_results(comp: Competition, *, by: Any, now: datetime | None = None) -> ResultSnapshot:
    """Make the final results public and write the achievements (the office, or the scheduler).

    Idempotent: publishing a published competition returns its published snapshot unchanged.
    """
    now = now or clock.now()
    require_office(by)
    if comp.state == S.published:
        snapshot = results_mod.published_snapshot(comp)
        if snapshot is not None:
            return snapshot
    if comp.state != S.final:
        raise Conflict("not_final", _("Hasil belum ditetapkan oleh ketua juri."))
    snapshot = results_mod.latest_snapshot(comp)
    if snapshot is None:  # pragma: no cover - `final` is reached only with a snapshot
        raise Conflict("not_final", _("Hasil belum ditetapkan oleh ketua juri."))
    snapshot.published_at = now
    snapshot.published_by_name = actor_name(by)
    db.session.flush()
    written = _write_achievements(comp, snapshot, None, by=by, now=now)
    certificates.sync_certificates(comp, snapshot, by=by, now=now)
    with _transition_allowed(S.published):
        transition_competition(comp, S.published, by=by, now=now, reason=f"results v{snapshot.version}")
    record_audit(
        "judging.results_published",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        after={"version": snapshot.version, "achievements": written},
        now=now,
    )
    _notify_published(comp, snapshot, now=now, corrected=False)
    return snapshot


def correct_results(
    comp: Competition, reason: str, *, by: Any, now: datetime | None = None
) -> ResultSnapshot:
    """A corrected result by the office, with a reason: a new snapshot version; the old ones stay.

    Typically after unlocking and re-submitting a card. When the result was published, the new
    version is published at once and the cooperatives' achievements are rewritten.
    """
    now = now or clock.now()
    require_office(by)
    if comp.state not in (S.final, S.published):
        raise Conflict("not_final", _("Koreksi hanya untuk hasil yang sudah ditetapkan."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed(
            "reason_required",
            _("Tuliskan alasan koreksi (minimal %(n)d karakter).", n=MIN_REASON),
            details={"field": "reason"},
        )
    previous = results_mod.published_snapshot(comp)
    snapshot = _store_snapshot(comp, SnapshotKind.correction, by=by, now=now, reason=reason[:500])
    if comp.state == S.published:
        snapshot.published_at = now
        snapshot.published_by_name = getattr(by, "username", None)
        db.session.flush()
        _write_achievements(comp, snapshot, previous, by=by, now=now)
        certificates.sync_certificates(comp, snapshot, by=by, now=now)
        _notify_published(comp, snapshot, now=now, corrected=True)
    record_audit(
        "judging.results_corrected",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        before={"version": previous.version if previous else None},
        after={"version": snapshot.version, "published": snapshot.published_at is not None},
        detail=reason[:500],
        now=now,
    )
    return snapshot


def publish_due_results(*, now: datetime | None = None) -> dict[str, int]:
    """The job: publish every final result whose `publish_at` has come (idempotent)."""
    now = now or clock.now()
    due = db.session.scalars(
        select(Competition).where(
            Competition.state == S.final, Competition.publish_at.is_not(None), Competition.publish_at <= now
        )
    ).all()
    for comp in due:
        publish_results(comp, by="scheduler", now=now)
    return {"published": len(due)}


def result_standing(entry: Entry, line: dict[str, Any] | None, no_show_ids: set[int]) -> ResultStanding:
    """Why an entry is or is not in a published result (pure: from its state and the snapshot)."""
    if line is not None:
        return ResultStanding.ranked
    if entry.id in no_show_ids:
        return ResultStanding.no_show
    by_state = {
        EntryState.withdrawn: ResultStanding.withdrawn,
        EntryState.waitlisted: ResultStanding.waitlisted,
        EntryState.rejected: ResultStanding.rejected,
        EntryState.pending: ResultStanding.pending,
    }
    return by_state.get(entry.state, ResultStanding.not_judged)


def results_for_cooperative(
    cooperative_id: int,
) -> list[tuple[Entry, dict[str, Any] | None, ResultStanding]]:
    """A cooperative's entries in published competitions: the result's line and the entry's standing."""
    entries = db.session.scalars(
        select(Entry)
        .join(Competition, Competition.id == Entry.competition_id)
        .where(Entry.cooperative_id == cooperative_id, Competition.state == S.published)
        .order_by(Competition.id, Entry.id)
    ).all()
    out = []
    for entry in entries:
        snapshot = results_mod.published_snapshot(entry.competition)
        line = None
        absent: set[int] = set()
        if snapshot is not None:
            line = next((r for r in snapshot.data["entries"] if r["entry_id"] == entry.id), None)
            absent = {r["entry_id"] for r in snapshot.data.get("no_shows", [])}
        out.append((entry, line, result_standing(entry, line, absent)))
    return out


# --------------------------------------------------------------------------- refused saves


MAX_REFUSAL_SCORES = 100


def record_refusal(
    entry_id: int, *, judge: Any, report: dict[str, Any], now: datetime | None = None
) -> ScoreRefusal:
    """Keep a save the judge's tablet queued and the server refused for good, for the judging monitor.

    `report` is what the tablet sends: scores (criterion id → value, as it holds them), comment,
    submit, the refusal's code and message, device_id. Checked for shape and size only: the
    values are what the judge typed, shown to the office as they were.
    """
    now = now or clock.now()
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("entry_not_found", _("Peserta tidak ditemukan."))
    scores = report.get("scores") or {}
    if not isinstance(scores, dict) or len(scores) > MAX_REFUSAL_SCORES:
        raise ValidationFailed("invalid_scores", _("`scores` harus objek kriteria → nilai."))
    clean: dict[str, Any] = {}
    for key, value in scores.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValidationFailed("invalid_scores", _("`scores` harus objek kriteria → nilai."))
        clean[str(key)[:20]] = value
    row = ScoreRefusal(
        competition_id=entry.competition_id,
        entry_id=entry.id,
        judge_id=judge.id,
        device_id=str(report.get("device_id") or "")[:64],
        scores=clean,
        comment=str(report.get("comment") or "")[:MAX_COMMENT],
        submit=report.get("submit") is True,
        code=str(report.get("code") or "")[:40],
        reason=str(report.get("reason") or "")[:500],
        reported_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def refusals_of(comp: Competition) -> list[ScoreRefusal]:
    """The refused saves reported for a competition, newest first (the judging monitor lists them)."""
    return list(
        db.session.scalars(
            select(ScoreRefusal)
            .where(ScoreRefusal.competition_id == comp.id)
            .order_by(ScoreRefusal.reported_at.desc(), ScoreRefusal.id.desc())
        )
    )
