"""Competitions in the API: list, detail (schedule, state, rules, rubric) and state transitions."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..api import bp, json_body, paginate_select
from ..auth.actors import acts_for_office
from ..auth.decorators import admin_required, public
from ..errors import ValidationFailed
from ..text import as_text
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


@bp.route("/competitions")
@public
def competitions_list():
    """Competitions, optionally of one event (`event` slug) or state (drafts for the office only).
    ---
    get:
      tags: [competitions]
      parameters:
        - {name: event, in: query, schema: {type: string}, description: event slug}
        - {name: state, in: query, schema: {type: string, enum: [draft, open, closed, judging, final, published]}}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200: {description: "{items, total, page, per_page}"}
        400: {description: "invalid_state or invalid_page"}
    """
    stmt = select(Competition).join(Event)
    slug = request.args.get("event")
    if slug:
        stmt = stmt.where(Event.slug == slug)
    state = request.args.get("state")
    if state:
        try:
            stmt = stmt.where(Competition.state == CompetitionState(state))
        except ValueError as err:
            raise ValidationFailed(
                "invalid_state", _("Status tidak dikenal: %(s)s.", s=state), status=400
            ) from err
    if not acts_for_office(current_user):
        stmt = stmt.where(Competition.state != CompetitionState.draft)
    stmt = stmt.order_by(Event.starts_on.desc(), Competition.starts_at, Competition.id)
    return paginate_select(stmt, competition_json)


@bp.route("/competitions/<int:competition_id>")
@public
def competition_detail(competition_id: int):
    """One competition: schedule, state, eligibility rules, rubric criteria (id, weight, max), tie-break.
    ---
    get:
      tags: [competitions]
      responses:
        200: {description: "The competition with `eligibility`, `criteria` and `tie_break`."}
        404: {description: "competition_not_found (drafts are hidden from all but the office)"}
    """
    comp = visible_competition(competition_id, user=current_user)
    return jsonify(competition_json(comp, detail=True))


@bp.route("/competitions/<int:competition_id>/transition", methods=["POST"])
@admin_required
def competition_transition(competition_id: int):
    """Move a competition along draft → open → closed → judging → final → published (closed → open to reopen).
    ---
    post:
      tags: [competitions]
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [to], properties: {to: {type: string}, reason: {type: string}}}
      responses:
        200: {description: "The competition in its new state."}
        409: {description: "invalid_transition, not_ready, window_over or rubric_missing"}
        422: {description: "invalid_state"}
    """
    from ..extensions import db

    body = json_body()
    comp = visible_competition(competition_id, user=current_user)
    to = body.get("to")
    if not isinstance(to, str):
        raise ValidationFailed(
            "invalid_state", _("Isi `to` dengan nama status tujuan."), details={"field": "to"}
        )
    try:
        transition_competition(comp, to, by=current_user, reason=as_text(body.get("reason"), field="reason"))
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(competition_json(comp, detail=True))
