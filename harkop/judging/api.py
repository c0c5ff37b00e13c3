"""Judging in the API: panels, automatic assignment, judges' tablets (scorecards with revisions),
finalise, publish, corrections and the public results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields, validate

from ..api import MAX_ID, Answer, Body, Bool, Int, Text, bp, errors, list_envelope, page_of, paged
from ..auth.decorators import admin_required, public, roles_required
from ..auth.models import Role
from ..errors import DomainError, NotFound
from ..extensions import db
from . import results as results_mod
from . import services
from .assignments import auto_assign, is_conflicted, no_show_ids
from .models import CompetitionJudge

T = TypeVar("T")


def _commit(action: Callable[[], T]) -> T:
    """Run a service and commit; on a refusal roll back and let the error handler answer."""
    try:
        result = action()
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def _judge_json(row: CompetitionJudge) -> dict[str, Any]:
    return {
        "competition_id": row.competition_id,
        "username": row.user.username,
        "name": row.user.label,
        "head": row.is_head,
    }


def _criteria_json(comp) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "description": c.description,
            "weight": c.weight,
            "max": c.max_score,
            "levels": c.levels,
        }
        for c in comp.criteria
    ]


def _snapshot_json(snapshot) -> dict[str, Any]:
    return {
        "competition_id": snapshot.competition_id,
        "version": snapshot.version,
        "kind": snapshot.kind.value,
        "reason": snapshot.reason,
        "created_at": snapshot.created_at.isoformat(),
        "published_at": snapshot.published_at.isoformat() if snapshot.published_at else None,
        "entries": len(snapshot.data["entries"]),
        "winners": [
            {
                "award": r["award"],
                "team": r["team"],
                "cooperative": r["cooperative"]["name"],
                "rank": r["rank"],
            }
            for r in snapshot.data["entries"]
            if r["award"]
        ],
    }


class JudgeSchema(Answer):
    """A judge on a competition's panel."""

    competition_id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    head = fields.Boolean(required=True)


class AddJudgeSchema(Body):
    """A judge to put on the panel."""

    username = Text(
        required=True, validate=validate.Length(min=1, max=80), metadata={"code": "username_required"}
    )
    head = Bool(load_default=False, metadata={"description": "the head judge (finalises the results)"})


class AssignmentResultSchema(Answer):
    """What automatic assignment did."""

    added = fields.Integer(required=True)
    removed = fields.Integer(required=True)
    kept = fields.Integer(required=True)
    loads = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "entries per judge id"}
    )
    short = fields.Dict(metadata={"description": "entries with fewer free judges than k"})
    spread = fields.Integer(required=True)


class CardSchema(Answer):
    """A judge's own scorecard (state `empty` before the first save)."""

    entry_id = fields.Integer(allow_none=True)
    state = fields.String(
        required=True, validate=validate.OneOf(["empty", "draft", "submitted", "finalised"])
    )
    revision = fields.Integer(required=True)
    scores = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        required=True,
        metadata={"description": "criterion id → value"},
    )
    comment = fields.String(allow_none=True)
    submitted_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    updated_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class SavedCardSchema(CardSchema):
    """The card after a save; `replayed` is true for a repeated save of the same revision."""

    replayed = fields.Boolean(required=True)


class AssignedEntrySchema(Answer):
    """An entry the calling judge scores, with the rubric and their own card."""

    entry = fields.Dict(required=True, metadata={"description": "{id, team, cooperative: {name}}"})
    competition = fields.Dict(required=True, metadata={"description": "{id, name, state}"})
    criteria = fields.List(fields.Dict(), required=True)
    no_show = fields.Boolean(required=True)
    conflict = fields.Boolean(required=True)
    scorecard = fields.Nested(CardSchema, required=True)


class ScorecardRequestSchema(Body):
    """A save (or submission) of the calling judge's card, with the device's revision."""

    scores = fields.Dict(
        keys=fields.String(),
        values=fields.Float(allow_none=True, allow_nan=False),
        allow_none=True,
        metadata={"description": "criterion id → value in 0..max (null or empty: not scored yet)"},
    )
    comment = Text(allow_none=True)
    submit = Bool(load_default=False)
    revision = Int(
        required=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"code": "invalid_revision", "description": "the device's counter for the card; must grow"},
    )
    device_id = Text(allow_none=True, validate=validate.Length(max=64))
    base_revision = Int(
        allow_none=True,
        validate=validate.Range(0, MAX_ID),
        metadata={
            "description": "the server revision the device last saw: a card changed since by another "
            "device is a stale_revision"
        },
    )


class RefusalReportSchema(Body):
    """A save the tablet queued and the server refused for good, as the tablet holds it."""

    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(max=20)),
        values=fields.Float(allow_none=True, allow_nan=False),
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"code": "invalid_scores"},
    )
    comment = Text(allow_none=True)
    submit = Bool(allow_none=True)
    code = Text(
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "the refusal's error code"},
    )
    reason = Text(
        allow_none=True, validate=validate.Length(max=500), metadata={"description": "the refusal's message"}
    )
    device_id = Text(allow_none=True, validate=validate.Length(max=64))


class RefusalRecordedSchema(Answer):
    """The recorded refusal."""

    id = fields.Integer(required=True)


class UnlockSchema(Body):
    """Which judge's card to unlock, and why."""

    judge = Text(required=True, metadata={"description": "the judge's username", "code": "judge_required"})
    reason = Text(
        validate=validate.Length(min=5), metadata={"code": "reason_required", "missing": "reason_required"}
    )


class SnapshotSchema(Answer):
    """A results snapshot: version, kind, and the winners."""

    competition_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    reason = fields.String(allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    published_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    entries = fields.Integer(required=True, metadata={"description": "how many entries are ranked"})
    winners = fields.List(
        fields.Dict(), required=True, metadata={"description": "{award, team, cooperative, rank}"}
    )


class CorrectionSchema(Body):
    """Why the results are corrected."""

    reason = Text(
        validate=validate.Length(min=5), metadata={"code": "reason_required", "missing": "reason_required"}
    )


class PublicResultsSchema(Answer):
    """Published results: ranks, awards, every total explained, judges anonymised."""

    competition = fields.Dict(required=True)
    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    reason = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    rules = fields.Dict(required=True)
    criteria = fields.List(fields.Dict(), required=True)
    entries = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "rank, award, aggregate, cooperative, judges as Juri 1…"},
    )


@bp.route("/competitions/<int:competition_id>/judges", methods=["POST"], tags=["judging"])
@admin_required
@bp.arguments(AddJudgeSchema)
@bp.response(201, JudgeSchema, description="Added to the panel")
@bp.alt_response(200, schema=JudgeSchema, description="Already on the panel: the head flag updated")
@errors(
    (404, "competition_not_found, user_not_found"),
    (409, "judging_closed"),
    (422, "username_required, invalid_head, not_a_judge, user_inactive"),
)
def competition_add_judge(body: dict[str, Any], competition_id: int):
    """Put a judge on a competition's panel (or change their head-judge flag)."""
    comp = services.get_competition(competition_id)

    def act():
        user = services.judge_user(body["username"])
        return services.add_judge(comp, user, head=body["head"], by=current_user)

    row, created = _commit(act)
    return _judge_json(row), 201 if created else 200


@bp.route("/competitions/<int:competition_id>/assignments", methods=["POST"], tags=["judging"])
@admin_required
@bp.response(200, AssignmentResultSchema)
@errors((404, "competition_not_found"), (409, "no_judges, assignments_locked"))
def competition_auto_assign(competition_id: int):
    """Assign `judges_per_entry` judges to every entry automatically: balanced, without conflicts.

    Hand-made assignments and judges who already hold a scorecard stay; the rest is planned
    afresh. `loads` is entries per judge id; `short` lists entries with fewer free judges than k.
    """
    comp = services.get_competition(competition_id)
    result = _commit(lambda: auto_assign(comp, by=current_user))
    return result.as_dict()


@bp.route("/judging/assignments", tags=["judging"])
@roles_required(Role.judge)
@bp.arguments(paged(100), location="query")
@bp.response(200, page_of(AssignedEntrySchema))
def judge_assignments(query: dict[str, Any]):
    """The calling judge's entries with the rubric and their own scorecard; never another judge's scores."""
    page, per_page = query["page"], query["per_page"]
    rows = services.assigned_entries(current_user)
    absent: dict[int, set[int]] = {}
    items = []
    for entry, card in rows[(page - 1) * per_page : page * per_page]:
        comp = entry.competition
        if comp.id not in absent:
            absent[comp.id] = no_show_ids(comp)
        items.append(
            {
                "entry": {
                    "id": entry.id,
                    "team": entry.team_name,
                    "cooperative": {"name": entry.cooperative.name},
                },
                "competition": {"id": comp.id, "name": comp.name, "state": comp.state.value},
                "criteria": _criteria_json(comp),
                "no_show": entry.id in absent[comp.id],
                "conflict": is_conflicted(current_user.id, entry),
                "scorecard": services.card_json(card, entry_id=entry.id),
            }
        )
    return list_envelope(items, len(rows), page, per_page)


@bp.route("/scorecards/<int:entry_id>", methods=["PUT"], tags=["judging"])
@roles_required(Role.judge)
@bp.arguments(ScorecardRequestSchema)
@bp.response(200, SavedCardSchema)
@errors(
    (403, "conflict_of_interest, not_assigned"),
    (404, "entry_not_found"),
    (
        409,
        "stale_revision (details.card is the server's card), scorecard_submitted, scorecard_finalised, "
        "not_judging, entry_no_show",
    ),
    (
        422,
        "score_out_of_range (details.criterion_id), invalid_score, unknown_criterion, "
        "incomplete_scorecard, invalid_revision, invalid_submit, invalid_scores",
    ),
)
def scorecard_put(body: dict[str, Any], entry_id: int):
    """Save a draft or submit the calling judge's scorecard for an entry (with the device's revision)."""
    outcome = _commit(
        lambda: services.save_scorecard(
            entry_id,
            judge=current_user,
            scores=body.get("scores"),
            comment=body.get("comment") or "",
            submit=body["submit"],
            revision=body["revision"],
            device_id=body.get("device_id"),
            base_revision=body.get("base_revision"),
        )
    )
    return {**services.card_json(outcome.card), "replayed": outcome.replayed}


@bp.route("/scorecards/<int:entry_id>/refusals", methods=["POST"], tags=["judging"])
@roles_required(Role.judge)
@bp.arguments(RefusalReportSchema)
@bp.response(201, RefusalRecordedSchema, description="Recorded: {id}")
@errors((404, "entry_not_found"), (422, "invalid_scores"))
def scorecard_refusal(body: dict[str, Any], entry_id: int):
    """Report a queued save the server refused for good, so the judging monitor shows it."""
    row = _commit(lambda: services.record_refusal(entry_id, judge=current_user, report=body))
    return {"id": row.id}


@bp.route("/scorecards/<int:entry_id>/unlock", methods=["POST"], tags=["judging"])
@roles_required(Role.admin, Role.judge)
@bp.arguments(UnlockSchema)
@bp.response(200, CardSchema, description="The card, now a draft")
@errors(
    (403, "forbidden"),
    (404, "entry_not_found, scorecard_not_found, user_not_found"),
    (409, "not_submitted, not_judging"),
    (422, "reason_required, judge_required, not_a_judge"),
)
def scorecard_unlock(body: dict[str, Any], entry_id: int):
    """Unlock a judge's submitted scorecard with a reason (head judge while judging, or the office)."""
    from ..registrations.models import Entry

    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("entry_not_found", _("Peserta tidak ditemukan."))
    services.require_monitor(current_user, entry.competition)
    judge = services.judge_user(body["judge"])
    card = services.own_card(entry.id, judge.id)
    if card is None:
        raise NotFound("scorecard_not_found", _("Juri ini belum mengisi nilai untuk peserta tersebut."))
    _commit(lambda: services.unlock_scorecard(card, body.get("reason") or "", by=current_user))
    return services.card_json(card)


@bp.route("/competitions/<int:competition_id>/finalise", methods=["POST"], tags=["judging"])
@roles_required(Role.admin, Role.judge)
@bp.response(200, SnapshotSchema)
@errors(
    (403, "forbidden (not this competition's head judge)"),
    (404, "competition_not_found"),
    (
        409,
        "not_judging, scorecards_missing (details.missing), conflict_of_interest, not_enough_judges, "
        "not_enough_overlap",
    ),
)
def competition_finalise(competition_id: int):
    """Finalise a competition's results (its head judge or the office): a snapshot, and state `final`."""
    comp = services.get_competition(competition_id)
    services.require_monitor(current_user, comp)
    return _snapshot_json(_commit(lambda: services.finalise_results(comp, by=current_user)))


@bp.route("/competitions/<int:competition_id>/publish", methods=["POST"], tags=["judging"])
@admin_required
@bp.response(200, SnapshotSchema, description="The published snapshot")
@errors((404, "competition_not_found"), (409, "not_final"))
def competition_publish(competition_id: int):
    """Publish a competition's final results and write the achievements (idempotent)."""
    comp = services.get_competition(competition_id)
    return _snapshot_json(_commit(lambda: services.publish_results(comp, by=current_user)))


@bp.route("/competitions/<int:competition_id>/results/corrections", methods=["POST"], tags=["judging"])
@admin_required
@bp.arguments(CorrectionSchema)
@bp.response(200, SnapshotSchema, description="The new snapshot")
@errors((404, "competition_not_found"), (409, "not_final, scorecards_missing"), (422, "reason_required"))
def competition_correct(body: dict[str, Any], competition_id: int):
    """Store a corrected result (the office, with a reason): a new version; published at once if the old one was."""
    comp = services.get_competition(competition_id)
    snapshot = _commit(lambda: services.correct_results(comp, body.get("reason") or "", by=current_user))
    return _snapshot_json(snapshot)


@bp.route("/competitions/<int:competition_id>/results", tags=["judging"])
@public
@bp.response(200, PublicResultsSchema)
@errors((404, "results_not_published (also before publication), competition_not_found"))
def competition_results(competition_id: int):
    """A competition's published results: ranks, awards, and every total explained (judges anonymised)."""
    comp = services.get_competition(competition_id)
    snapshot = results_mod.published_snapshot(comp)
    if snapshot is None:
        raise NotFound("results_not_published", _("Hasil lomba ini belum diumumkan."))
    return results_mod.public_json(snapshot)
