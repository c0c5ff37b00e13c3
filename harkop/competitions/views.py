"""Pages: the office's events and competitions (settings, rules, rubric, state, exceptions) and the
public programme and competition pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import clock, pagecache
from ..auth.actors import acts_for_office
from ..auth.decorators import admin_required, public
from ..cooperatives.vocab import Jenis
from ..errors import DomainError, NotFound
from ..extensions import db
from ..form_actions import ConfirmForm, run_button, run_form
from . import rundown, services
from .eligibility import EligibilityRules, rat_book_year
from .forms import CompetitionForm, EventForm, ExceptionForm, TransitionForm
from .models import (
    Competition,
    CompetitionState,
    EligibilityException,
    Event,
)

bp = Blueprint("competitions", __name__)

# The button label for each move of the state machine.
TRANSITION_LABELS = {
    (CompetitionState.draft, CompetitionState.open): _l("Buka pendaftaran"),
    (CompetitionState.open, CompetitionState.closed): _l("Tutup pendaftaran"),
    (CompetitionState.closed, CompetitionState.open): _l("Buka kembali pendaftaran"),
    (CompetitionState.closed, CompetitionState.judging): _l("Mulai penilaian"),
    (CompetitionState.judging, CompetitionState.final): _l("Tetapkan hasil final"),
    (CompetitionState.final, CompetitionState.published): _l("Umumkan hasil"),
}
FAILURE_LABELS = {
    "not_active": _l("tidak aktif"),
    "rat_missing": _l("belum RAT tahun buku yang disyaratkan"),
    "predikat_too_low": _l("predikat kurang atau belum dinilai"),
    "assessment_too_old": _l("pemeriksaan kesehatan terlalu lama"),
    "jenis_not_allowed": _l("jenis tidak sesuai"),
}


@bp.app_context_processor
def _competition_helpers() -> dict[str, Any]:
    # A time of day as people write it: 09.30 in Indonesian, 09:30 in English.
    return {"jam": lambda value: "" if value is None else clock.format_time(value)}


# --- events --------------------------------------------------------------------------------


@bp.route("/admin/acara")
@admin_required
def admin_events():
    """The office's events, each with its competitions, states and places taken."""
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    comps = {e.id: services.list_competitions(event=e, include_drafts=True) for e in events}
    return render_template("competitions/admin_events.html", events=events, comps=comps)


def _event_values(form: EventForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "slug": form.slug.data or "",
        "theme": form.theme.data,
        "venue": form.venue.data,
        "description": form.description.data,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
    }


@bp.route("/admin/acara/baru", methods=["GET", "POST"])
@admin_required
def event_new():
    """Create an event (a year's celebration)."""
    form = EventForm()
    outcome = run_form(
        form,
        lambda: services.save_event(None, _event_values(form), by=current_user),
        success=lambda event: _("Acara %(n)s dibuat.", n=event.name),
    )
    if outcome:
        return redirect(url_for("competitions.admin_events"))
    return render_template("competitions/event_form.html", form=form, event=None), outcome.status


@bp.route("/admin/acara/<int:event_id>", methods=["GET", "POST"])
@admin_required
def event_edit(event_id: int):
    """Edit an event's name, theme, venue and dates."""
    event = services.get_event(event_id)
    form = EventForm(obj=event)
    outcome = run_form(
        form,
        lambda: services.save_event(event, _event_values(form), by=current_user),
        success=_("Acara disimpan."),
    )
    if outcome:
        return redirect(url_for("competitions.admin_events"))
    return render_template("competitions/event_form.html", form=form, event=event), outcome.status


# --- competitions --------------------------------------------------------------------------


def _form_data(comp: Competition) -> dict[str, Any]:
    def local(value):
        return clock.to_wita(value).replace(tzinfo=None) if value else None

    data = {k: getattr(comp, k) for k in services.COMPETITION_FIELDS}
    data.update(
        days=[d.isoformat() for d in comp.days],
        team_kind=comp.team_kind.value,
        aggregation=comp.aggregation.value,
        min_predikat=comp.min_predikat or "",
        registration_opens_at=local(comp.registration_opens_at),
        registration_closes_at=local(comp.registration_closes_at),
        allowed_jenis=list(comp.allowed_jenis or []),
    )
    ladder = {cid: i for i, cid in enumerate(comp.tie_break or [], start=1)}
    data["criteria"] = [
        {
            "id": str(c.id),
            "name": c.name,
            "description": c.description,
            "weight": c.weight,
            "max_score": c.max_score,
            "levels": services.format_levels(c.levels),
            "tie_break_rank": ladder.get(c.id),
            "remove": False,
        }
        for c in comp.criteria
    ]
    return data


BLANK_CRITERIA_ROWS = 3


def _criteria_rows(form: CompetitionForm) -> tuple[list[services.CriterionInput], dict[str, str]]:
    """The rubric rows typed, and where each row's errors go on the form (rows skip blank ones)."""
    rows = []
    at: dict[str, str] = {}
    for form_index, sub in enumerate(form.criteria):
        f = sub.form
        if f.remove.data:
            continue
        if not f.id.data and not (f.name.data or "").strip():
            continue  # an untouched blank row
        rows.append(
            services.CriterionInput(
                id=int(f.id.data) if (f.id.data or "").isdigit() else None,
                name=f.name.data or "",
                description=f.description.data or "",
                weight=f.weight.data,
                max_score=f.max_score.data,
                levels=services.parse_levels(f.levels.data or ""),
                tie_break_rank=f.tie_break_rank.data,
            )
        )
        at[f"criteria.{len(rows) - 1}.levels"] = f"criteria.{form_index}.levels"
    return rows, at


def _qualify_preview(event: Event, values: dict[str, Any]):
    rules = EligibilityRules(
        require_active=values["require_active"],
        require_rat_previous_year=values["require_rat_previous_year"],
        min_predikat=values["min_predikat"],
        max_assessment_age_years=values["max_assessment_age_years"],
        allowed_jenis=frozenset(values["allowed_jenis"]),
        per_cooperative_limit=values["per_cooperative_limit"] or 1,
    )
    return services.qualify_count(rules, event=event)


def _competition_form_page(event: Event, comp: Competition | None):
    if comp is None:
        form = CompetitionForm(data={"criteria": [{} for _ in range(BLANK_CRITERIA_ROWS)]})
    elif request.method == "POST":
        form = CompetitionForm()
    else:
        data = _form_data(comp)
        data["criteria"] += [{} for _ in range(BLANK_CRITERIA_ROWS)]
        form = CompetitionForm(data=data)
    form.set_days(event.days())
    locked = comp is not None and comp.state in services.RUBRIC_LOCKED
    count = services.qualify_count(comp) if comp is not None else None
    if request.form.get("action") == "preview":
        # Only the count of qualifying cooperatives for the rules as typed; nothing is saved.
        if form.validate_on_submit():
            count = _qualify_preview(event, form.service_values())
        status = 422 if form.errors else 200
    else:
        rows, at = _criteria_rows(form)

        def save() -> Competition:
            saved = services.save_competition(event, comp, form.service_values(), by=current_user)
            if not locked:
                services.set_rubric(saved, rows, by=current_user)
            return saved

        outcome = run_form(form, save, at=at, success=lambda saved: _("Lomba %(n)s disimpan.", n=saved.name))
        if outcome:
            return redirect(url_for("competitions.competition_edit", competition_id=outcome.value.id))
        status = outcome.status
    return (
        render_template(
            "competitions/competition_form.html",
            form=form,
            event=event,
            comp=comp,
            count=count,
            rat_year=rat_book_year(event.starts_on.year),
            failure_labels=FAILURE_LABELS,
            rubric_locked=locked,
            transitions=[(s, TRANSITION_LABELS[(comp.state, s)]) for s in services.allowed_transitions(comp)]
            if comp is not None
            else [],
            transition_form=TransitionForm(),
        ),
        status,
    )


@bp.route("/admin/acara/<int:event_id>/lomba/baru", methods=["GET", "POST"])
@admin_required
def competition_new(event_id: int):
    """Create a competition of an event (it starts as a draft)."""
    return _competition_form_page(services.get_event(event_id), None)


@bp.route("/admin/lomba/<int:competition_id>", methods=["GET", "POST"])
@admin_required
def competition_edit(competition_id: int):
    """Edit a competition: schedule, team size, capacity, window, rules (with the qualify count), rubric."""
    comp = services.get_competition(competition_id)
    return _competition_form_page(comp.event, comp)


def _rules_from_args(args) -> dict[str, Any]:
    def number(name: str) -> int | None:
        value = (args.get(name) or "").strip()
        return int(value) if value.isdigit() else None

    return {
        "require_active": args.get("require_active") in ("y", "on", "true", "1"),
        "require_rat_previous_year": args.get("require_rat_previous_year") in ("y", "on", "true", "1"),
        "min_predikat": args.get("min_predikat") or None,
        "max_assessment_age_years": number("max_assessment_age_years"),
        "allowed_jenis": [j for j in args.getlist("allowed_jenis") if Jenis.of(j) is not None],
        "per_cooperative_limit": number("per_cooperative_limit") or 1,
    }


@bp.route("/admin/acara/<int:event_id>/hitung-syarat")
@admin_required
def qualify_count(event_id: int):
    """How many cooperatives meet the rules in the query string (the form's live count, as JSON)."""
    from flask import jsonify

    event = services.get_event(event_id)
    values = _rules_from_args(request.args)
    try:
        services.validate_rules(values)
    except DomainError as err:
        return jsonify({"error": {"code": err.code, "message": err.message}}), 422
    count = _qualify_preview(event, values)
    failing = [
        {"code": code, "label": str(FAILURE_LABELS.get(code, code)), "count": n}
        for code, n in sorted(count.failing.items())
    ]
    message = _(
        "%(q)s dari %(t)s koperasi memenuhi syarat hari ini.",
        q=_angka(count.qualifying),
        t=_angka(count.total),
    )
    return jsonify(
        {"qualifying": count.qualifying, "total": count.total, "failing": failing, "message": message}
    )


def _angka(n: int) -> str:
    from ..templating import angka

    return angka(n)


@bp.route("/admin/lomba/<int:competition_id>/status", methods=["POST"])
@admin_required
def competition_transition(competition_id: int):
    """Move a competition along its state machine (refusals are shown, nothing changes)."""
    comp = services.get_competition(competition_id)
    form = TransitionForm()
    run_button(
        form,
        lambda: services.transition_competition(comp, form.to.data, by=current_user),
        success=lambda moved: _("Status lomba: %(s)s.", s=moved.state.label),
    )
    return redirect(url_for("competitions.competition_edit", competition_id=comp.id))


@bp.route("/admin/lomba/<int:competition_id>/pengecualian", methods=["GET", "POST"])
@admin_required
def exceptions(competition_id: int):
    """Cooperatives let past the registry rules of this competition, and granting a new one."""
    from ..cooperatives.services import cooperative_by_nik

    comp = services.get_competition(competition_id)
    form = ExceptionForm()
    if request.method == "GET" and request.args.get("nik"):
        form.cooperative_nik.data = request.args["nik"]

    def grant() -> str:
        coop = cooperative_by_nik(form.cooperative_nik.data)
        services.grant_exception(comp, coop.id, form.reason.data, by=current_user)
        return coop.name

    outcome = run_form(
        form,
        grant,
        success=lambda name: _("Pengecualian untuk %(n)s dicatat.", n=name),
        at={"cooperative_not_found": "cooperative_nik"},
    )
    if outcome:
        return redirect(url_for("competitions.exceptions", competition_id=comp.id))
    rows = db.session.scalars(
        select(EligibilityException)
        .where(EligibilityException.competition_id == comp.id)
        .order_by(EligibilityException.granted_at.desc())
    ).all()
    return render_template(
        "competitions/exceptions.html", comp=comp, form=form, rows=rows, confirm=ConfirmForm()
    ), outcome.status


@bp.route("/admin/lomba/<int:competition_id>/pengecualian/<int:exception_id>/hapus", methods=["POST"])
@admin_required
def exception_revoke(competition_id: int, exception_id: int):
    """Withdraw an exception (logged)."""
    exc = db.session.get(EligibilityException, exception_id)
    if exc is None or exc.competition_id != competition_id:
        raise NotFound("exception_not_found", _("Pengecualian tidak ditemukan."))
    run_button(
        ConfirmForm(),
        lambda: services.revoke_exception(exc, by=current_user),
        success=_("Pengecualian dicabut."),
    )
    return redirect(url_for("competitions.exceptions", competition_id=competition_id))


# --- public --------------------------------------------------------------------------------


@bp.route("/jadwal")
@public
def programme():
    """The event's whole programme day by day, with what is on now and what comes next (event clock)."""
    slug = request.args.get("acara")
    now = clock.now().replace(second=0, microsecond=0)  # "now" and "next" by the minute

    def render() -> str:
        event = services.event_by_slug(slug) if slug else services.current_event()
        days = rundown.rundown_for(event) if event else []
        ongoing, upcoming = rundown.now_and_next([e for _d, lines in days for e in lines], now)
        return render_template(
            "competitions/programme.html",
            event=event,
            days=days,
            now=now,
            ongoing=ongoing,
            upcoming=upcoming,
            ongoing_keys={e.key for e in ongoing},
            upcoming_keys={e.key for e in upcoming},
        )

    return pagecache.public_page(("jadwal", pagecache.data_version(), now), render)


@bp.route("/lomba/<event_slug>/<slug>")
@public
def competition_page(event_slug: str, slug: str):
    """A competition's public page: rules, eligibility, rubric, time and place, how to register."""
    comp = services.competition_by_slug(event_slug, slug)
    if comp.state == CompetitionState.draft and not acts_for_office(current_user):
        raise NotFound("competition_not_found", _("Lomba tidak ditemukan."))
    now = clock.now()
    total_weight = sum(c.weight for c in comp.criteria) or 1
    return render_template(
        "competitions/competition.html",
        comp=comp,
        event=comp.event,
        window_open=comp.state == CompetitionState.open and comp.window_is_open(now),
        before_window=comp.registration_opens_at is not None and now < comp.registration_opens_at,
        rat_year=rat_book_year(comp.event.starts_on.year),
        total_weight=total_weight,
    )
