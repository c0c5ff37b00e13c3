"""Judging in the API: panels, automatic assignment, judges' tablets (scorecards with revisions),
finalise, publish, corrections and the public results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..api import bp, json_body, list_envelope, page_args
from ..auth.decorators import admin_required, public, roles_required
from ..auth.models import Role
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..text import as_text
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


@bp.route("/competitions/<int:competition_id>/judges", methods=["POST"])
@admin_required
def competition_add_judge(competition_id: int):
    """Put a judge on a competition's panel (or change their head-judge flag).
    ---
    post:
      tags: [judging]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [username]
              properties: {username: {type: string}, head: {type: boolean, default: false}}
      responses:
        201: {description: "Added: {competition_id, username, name, head}"}
        200: {description: "Already on the panel: the head flag updated"}
        404: {description: "competition_not_found, user_not_found"}
        409: {description: "judging_closed"}
        422: {description: "not_a_judge, user_inactive"}
    """
    body = json_body()
    comp = services.get_competition(competition_id)
    username = body.get("username")
    if not isinstance(username, str) or not username.strip():
        raise ValidationFailed("username_required", _("Isi `username` juri."), details={"field": "username"})
    head = body.get("head", False)
    if not isinstance(head, bool):
        raise ValidationFailed("invalid_head", _("`head` harus true atau false."), details={"field": "head"})

    def act():
        user = services.judge_user(username)
        return services.add_judge(comp, user, head=head, by=current_user)

    row, created = _commit(act)
    return jsonify(_judge_json(row)), 201 if created else 200


@bp.route("/competitions/<int:competition_id>/assignments", methods=["POST"])
@admin_required
def competition_auto_assign(competition_id: int):
    """Assign `judges_per_entry` judges to every entry automatically: balanced, without conflicts.
    ---
    post:
      tags: [judging]
      description: >
        Hand-made assignments and judges who already hold a scorecard stay; the rest is planned
        afresh. `loads` is entries per judge id; `short` lists entries with fewer free judges than k.
      responses:
        200: {description: "{added, removed, kept, loads, short, spread}"}
        404: {description: competition_not_found}
        409: {description: "no_judges, assignments_locked"}
    """
    comp = services.get_competition(competition_id)
    result = _commit(lambda: auto_assign(comp, by=current_user))
    return jsonify(result.as_dict())


@bp.route("/judging/assignments")
@roles_required(Role.judge)
def judge_assignments():
    """The calling judge's entries with the rubric and their own scorecard (state, revision, scores).
    ---
    get:
      tags: [judging]
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: >
            {items, total, page, per_page}; each item: entry (id, team, cooperative), competition
            (id, name, state), criteria (id, name, description, weight, max, levels), no_show,
            conflict, and `scorecard` {state: empty|draft|submitted|finalised, revision, scores, comment}.
            Never another judge's scores.
    """
    page, per_page = page_args(100)
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


@bp.route("/scorecards/<int:entry_id>", methods=["PUT"])
@roles_required(Role.judge)
def scorecard_put(entry_id: int):
    """Save a draft or submit the calling judge's scorecard for an entry (with the device's revision).
    ---
    put:
      tags: [judging]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [revision]
              properties:
                scores: {type: object, additionalProperties: {type: number}, description: "criterion id → value in 0..max"}
                comment: {type: string}
                submit: {type: boolean, default: false}
                revision: {type: integer, minimum: 1, description: "the device's counter; must grow"}
                base_revision: {type: integer, minimum: 0, description: "the server revision the device last saw: a card changed since by another device is a stale_revision"}
                device_id: {type: string}
      responses:
        200: {description: "The card {entry_id, state, revision, scores, comment}; `replayed` true for a repeated save"}
        403: {description: "conflict_of_interest, not_assigned"}
        404: {description: entry_not_found}
        409: {description: "stale_revision (details.card is the server's card), scorecard_submitted, scorecard_finalised, not_judging, entry_no_show"}
        422: {description: "score_out_of_range (details.criterion_id), invalid_score, unknown_criterion, incomplete_scorecard, invalid_revision"}
    """
    body = json_body()
    submit = body.get("submit", False)
    if not isinstance(submit, bool):
        raise ValidationFailed(
            "invalid_submit", _("`submit` harus true atau false."), details={"field": "submit"}
        )
    outcome = _commit(
        lambda: services.save_scorecard(
            entry_id,
            judge=current_user,
            scores=body.get("scores"),
            comment=as_text(body.get("comment"), field="comment"),
            submit=submit,
            revision=body.get("revision"),
            device_id=body.get("device_id"),
            base_revision=body.get("base_revision"),
        )
    )
    return jsonify({**services.card_json(outcome.card), "replayed": outcome.replayed})


@bp.route("/scorecards/<int:entry_id>/refusals", methods=["POST"])
@roles_required(Role.judge)
def scorecard_refusal(entry_id: int):
    """Report a queued save the server refused for good, so the judging monitor shows it.
    ---
    post:
      tags: [judging]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                scores: {type: object, additionalProperties: {type: number, nullable: true}}
                comment: {type: string}
                submit: {type: boolean}
                code: {type: string, description: "the refusal's error code"}
                reason: {type: string, description: "the refusal's message"}
                device_id: {type: string}
      responses:
        201: {description: "Recorded: {id}"}
        404: {description: entry_not_found}
        422: {description: invalid_scores}
    """
    body = json_body()
    row = _commit(lambda: services.record_refusal(entry_id, judge=current_user, report=body))
    return jsonify({"id": row.id}), 201


@bp.route("/scorecards/<int:entry_id>/unlock", methods=["POST"])
@roles_required(Role.admin, Role.judge)
def scorecard_unlock(entry_id: int):
    """Unlock a judge's submitted scorecard with a reason (head judge while judging, or the office).
    ---
    post:
      tags: [judging]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [judge, reason]
              properties: {judge: {type: string, description: "the judge's username"}, reason: {type: string}}
      responses:
        200: {description: "The card, now a draft"}
        403: {description: forbidden}
        404: {description: "entry_not_found, scorecard_not_found"}
        409: {description: "not_submitted, not_judging"}
        422: {description: reason_required}
    """
    from ..registrations.models import Entry

    body = json_body()
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("entry_not_found", _("Peserta tidak ditemukan."))
    services.require_monitor(current_user, entry.competition)
    judge = services.judge_user(as_text(body.get("judge"), field="judge"))
    card = services.own_card(entry.id, judge.id)
    if card is None:
        raise NotFound("scorecard_not_found", _("Juri ini belum mengisi nilai untuk peserta tersebut."))
    _commit(
        lambda: services.unlock_scorecard(card, as_text(body.get("reason"), field="reason"), by=current_user)
    )
    return jsonify(services.card_json(card))


@bp.route("/competitions/<int:competition_id>/finalise", methods=["POST"])
@roles_required(Role.admin, Role.judge)
def competition_finalise(competition_id: int):
    """Finalise a competition's results (its head judge or the office): a snapshot, and state `final`.
    ---
    post:
      tags: [judging]
      responses:
        200: {description: "The snapshot: {competition_id, version, kind, entries, winners}"}
        403: {description: "forbidden (not this competition's head judge)"}
        409: {description: "not_judging, scorecards_missing (details.missing), conflict_of_interest, not_enough_judges, not_enough_overlap"}
    """
    comp = services.get_competition(competition_id)
    services.require_monitor(current_user, comp)
    snapshot = _commit(lambda: services.finalise_results(comp, by=current_user))
    return jsonify(_snapshot_json(snapshot))


@bp.route("/competitions/<int:competition_id>/publish", methods=["POST"])
@admin_required
def competition_publish(competition_id: int):
    """Publish a competition's final results and write the achievements (idempotent).
    ---
    post:
      tags: [judging]
      responses:
        200: {description: "The published snapshot"}
        409: {description: not_final}
    """
    comp = services.get_competition(competition_id)
    snapshot = _commit(lambda: services.publish_results(comp, by=current_user))
    return jsonify(_snapshot_json(snapshot))


@bp.route("/competitions/<int:competition_id>/results/corrections", methods=["POST"])
@admin_required
def competition_correct(competition_id: int):
    """Store a corrected result (the office, with a reason): a new version; published at once if the old one was.
    ---
    post:
      tags: [judging]
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [reason], properties: {reason: {type: string}}}
      responses:
        200: {description: "The new snapshot"}
        409: {description: "not_final, scorecards_missing"}
        422: {description: reason_required}
    """
    body = json_body()
    comp = services.get_competition(competition_id)
    snapshot = _commit(
        lambda: services.correct_results(comp, as_text(body.get("reason"), field="reason"), by=current_user)
    )
    return jsonify(_snapshot_json(snapshot))


@bp.route("/competitions/<int:competition_id>/results")
@public
def competition_results(competition_id: int):
    """A competition's published results: ranks, awards, and every total explained (judges anonymised).
    ---
    get:
      tags: [judging]
      responses:
        200: {description: "The published snapshot: rules, criteria, entries (rank, award, aggregate, judges as Juri 1…, rung)"}
        404: {description: "results_not_published (also before publication), competition_not_found"}
    """
    comp = services.get_competition(competition_id)
    snapshot = results_mod.published_snapshot(comp)
    if snapshot is None:
        raise NotFound("results_not_published", _("Hasil lomba ini belum diumumkan."))
    return jsonify(results_mod.public_json(snapshot))
