"""Competitions in the API: list, detail (schedule, state, rules, rubric) and state transitions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy import select

from .. import clock
from ..api import Answer, Body, Text, bp, errors, page_of, paged, paginate_select
from ..auth.actors import acts_for_office
from ..auth.decorators import admin_required, public
from .eligibility import rat_book_year
from .models import Competition, CompetitionState, Event
from .services import transition_competition, visible_competition


def _iso(value: Any) -> str | None:
    return clock.as_utc(value).isoformat() if value is not None else None


def competition_json(comp: Competition, *, detail: bool = False) -> dict[str, Any]:
    """A competition as the API shows it; `detail` adds the rules and the rubric."""
    data: dict[str, Any] = {
        "id": comp.id,
        "event": {"id": comp.event.id, "slug": comp.event.slug, "name": comp.event.name},
        "name": comp.name,
        "slug": comp.slug,
        "state": comp.state.value,
        "days": [d.isoformat() for d in comp.days],
        "starts_at": comp.starts_at.strftime("%H:%M"),
        "ends_at": comp.ends_at.strftime("%H:%M"),
        "timezone": "Asia/Makassar",
        "place": comp.place,
        "team_kind": comp.team_kind.value,
        "min_team_size": comp.min_team_size,
        "max_team_size": comp.max_team_size,
        "capacity": comp.capacity,
        "confirmed": comp.confirmed_count,
        "places_left": comp.places_left,
        "registration_opens_at": _iso(comp.registration_opens_at),
        "registration_closes_at": _iso(comp.registration_closes_at),
        "approval_required": comp.approval_required,
        "for_children": comp.for_children,
    }
    if detail:
        ladder = comp.tie_break_criteria()
        data.update(
            description=comp.description,
            eligibility={**comp.rules_dict(), "rat_book_year": rat_book_year(comp.event.starts_on.year)},
            judges_per_entry=comp.judges_per_entry,
            aggregation=comp.aggregation.value,
            tie_break=[{"rung": "criterion", "criterion_id": c.id} for c in ladder]
            + [{"rung": "median_total"}, {"rung": "shared"}],
            criteria=[
                {
                    "id": c.id,
                    "name": c.name,
                    "description": c.description,
                    "weight": c.weight,
                    "max": c.max_score,
                    "levels": c.levels,
                    "position": c.position,
                }
                for c in comp.criteria
            ],
        )
    return data


STATES = [s.value for s in CompetitionState]


class EventRefSchema(ma.Schema):
    """The event a competition belongs to."""

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)


class CompetitionSchema(Answer):
    """A competition: schedule, state and places."""

    id = fields.Integer(required=True)
    event = fields.Nested(EventRefSchema, required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    days = fields.List(fields.String(metadata={"format": "date"}), required=True)
    starts_at = fields.String(required=True, metadata={"description": "HH:MM, WITA"})
    ends_at = fields.String(required=True, metadata={"description": "HH:MM, WITA"})
    timezone = fields.String(required=True)
    place = fields.String(allow_none=True)
    team_kind = fields.String(required=True)
    min_team_size = fields.Integer(required=True)
    max_team_size = fields.Integer(required=True)
    capacity = fields.Integer(allow_none=True)
    confirmed = fields.Integer(required=True)
    places_left = fields.Integer(allow_none=True)
    registration_opens_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    registration_closes_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    approval_required = fields.Boolean(required=True)
    for_children = fields.Boolean(required=True)


class CriterionSchema(Answer):
    """One rubric criterion."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    weight = fields.Float(required=True)
    max = fields.Float(required=True)
    levels = fields.Raw(allow_none=True)
    position = fields.Integer()


class CompetitionDetailSchema(CompetitionSchema):
    """A competition with its rules, rubric and tie-break ladder."""

    description = fields.String(allow_none=True)
    eligibility = fields.Dict(required=True)
    judges_per_entry = fields.Integer(required=True)
    aggregation = fields.String(required=True)
    tie_break = fields.List(fields.Dict(), required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)


class CompetitionsQuerySchema(paged(50)):
    """Filters of the competitions list."""

    event = Text(validate=validate.Length(max=100), metadata={"description": "event slug"})
    state = fields.String(validate=validate.OneOf(STATES), metadata={"code": "invalid_state"})


class TransitionSchema(Body):
    """A move to another state."""

    to = fields.String(
        required=True,
        validate=validate.OneOf(STATES),
        metadata={"code": "invalid_state", "description": "the state to move to"},
    )
    reason = Text(allow_none=True)


@bp.route("/competitions", tags=["competitions"])
@public
@bp.arguments(CompetitionsQuerySchema, location="query")
@bp.response(200, page_of(CompetitionSchema))
def competitions_list(query: dict[str, Any]):
    """Competitions, optionally of one event (`event` slug) or state (drafts for the office only)."""
    stmt = select(Competition).join(Event)
    if query.get("event"):
        stmt = stmt.where(Event.slug == query["event"])
    if query.get("state"):
        stmt = stmt.where(Competition.state == CompetitionState(query["state"]))
    if not acts_for_office(current_user):
        stmt = stmt.where(Competition.state != CompetitionState.draft)
    stmt = stmt.order_by(Event.starts_on.desc(), Competition.starts_at, Competition.id)
    return paginate_select(stmt, competition_json, query["page"], query["per_page"])


@bp.route("/competitions/<int:competition_id>", tags=["competitions"])
@public
@bp.response(200, CompetitionDetailSchema)
@errors((404, "competition_not_found (drafts are hidden from all but the office)"))
def competition_detail(competition_id: int):
    """One competition: schedule, state, eligibility rules, rubric criteria (id, weight, max), tie-break."""
    comp = visible_competition(competition_id, user=current_user)
    return competition_json(comp, detail=True)


@bp.route("/competitions/<int:competition_id>/transition", methods=["POST"], tags=["competitions"])
@admin_required
@bp.arguments(TransitionSchema)
@bp.response(200, CompetitionDetailSchema, description="The competition in its new state")
@errors(
    (404, "competition_not_found"),
    (409, "invalid_transition, not_ready, window_over, rubric_missing"),
    (422, "invalid_state, reason_required"),
)
def competition_transition(body: dict[str, Any], competition_id: int):
    """Move a competition along draft → open → closed → judging → final → published (closed → open to reopen)."""
    from ..extensions import db

    comp = visible_competition(competition_id, user=current_user)
    try:
        transition_competition(comp, body["to"], by=current_user, reason=body.get("reason") or "")
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return competition_json(comp, detail=True)
