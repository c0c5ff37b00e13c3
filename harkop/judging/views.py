"""Pages: the office's panels, assignments and monitor; the judges' tablet pages; the public
results; a cooperative's results and certificates."""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select

from .. import clock, pagecache
from ..auth.actors import acts_for_cooperative, acts_for_office
from ..auth.decorators import admin_required, public, roles_required
from ..auth.models import Role, User, UserAffiliation
from ..competitions.models import Competition, CompetitionState, Event
from ..competitions.services import competition_by_slug
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..form_actions import ConfirmForm, run_button, run_form
from ..registrations.models import Entry
from . import assignments as assign
from . import certificates, services
from . import results as results_mod
from .forms import (
    AddJudgeForm,
    AffiliationForm,
    AssignForm,
    AttendanceForm,
    ReasonForm,
    SettingsForm,
)
from .models import CardState, ResultSnapshot, card_look

bp = Blueprint("judging", __name__)

S = CompetitionState


@bp.app_context_processor
def _judging_helpers() -> dict[str, Any]:
    return {"card_look": card_look}


# --------------------------------------------------------------------------- the office


@bp.route("/admin/penilaian")
@admin_required
def admin_monitor():
    """Every competition past its draft with its judging progress, by event."""
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    rows = []
    for event in events:
        comps = [c for c in event.competitions if c.state != S.draft]
        if not comps:
            continue
        lines = []
        for comp in comps:
            mon = results_mod.monitor(comp) if comp.state in (S.closed, S.judging) else None
            lines.append((comp, len(assign.panel(comp)), mon))
        rows.append((event, lines))
    return render_template("judging/admin_index.html", rows=rows)


def _comp(competition_id: int) -> Competition:
    return services.get_competition(competition_id)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", _("Pengguna tidak ditemukan."))
    return user


@bp.route("/admin/penilaian/<int:competition_id>/juri", methods=["GET", "POST"])
@admin_required
def panel(competition_id: int):
    """A competition's judges: add, head judge, remove, affiliations; publication settings."""
    comp = _comp(competition_id)
    form = AddJudgeForm()
    on_panel = {r.user_id for r in assign.panel(comp)}
    candidates = db.session.scalars(
        select(User).where(User.role == Role.judge, User.active.is_(True)).order_by(User.username)
    ).all()
    form.username.choices = [
        (u.username, f"{u.label} ({u.username})") for u in candidates if u.id not in on_panel
    ]
    outcome = run_form(
        form,
        lambda: services.add_judge(
            comp, services.judge_user(form.username.data), head=form.head.data, by=current_user
        ),
        success=_("Juri ditambahkan."),
    )
    if outcome:
        return redirect(url_for("judging.panel", competition_id=comp.id))
    settings = SettingsForm(
        data={
            "publish_at": clock.to_wita(comp.publish_at).replace(tzinfo=None) if comp.publish_at else None,
            "discrepancy_threshold": comp.discrepancy_threshold,
        }
    )
    members = assign.panel(comp)
    affiliations = {
        m.user_id: db.session.scalars(
            select(UserAffiliation).where(UserAffiliation.user_id == m.user_id)
        ).all()
        for m in members
    }
    return render_template(
        "judging/panel.html",
        comp=comp,
        form=form,
        members=members,
        affiliations=affiliations,
        affiliation_form=AffiliationForm(),
        settings=settings,
        confirm=ConfirmForm(),
    ), outcome.status


@bp.route("/admin/penilaian/<int:competition_id>/juri/<int:user_id>/ketua", methods=["POST"])
@admin_required
def panel_head(competition_id: int, user_id: int):
    """Name this judge the head judge (ketua juri) of the competition."""
    comp = _comp(competition_id)
    user = _user(user_id)
    run_button(
        ConfirmForm(),
        lambda: services.add_judge(comp, user, head=True, by=current_user),
        success=_("Ketua juri ditetapkan."),
    )
    return redirect(url_for("judging.panel", competition_id=comp.id))


@bp.route("/admin/penilaian/<int:competition_id>/juri/<int:user_id>/hapus", methods=["POST"])
@admin_required
def panel_remove(competition_id: int, user_id: int):
    """Take a judge off the panel (refused once they started scoring)."""
    comp = _comp(competition_id)
    run_button(
        ConfirmForm(),
        lambda: services.remove_judge(comp, user_id, by=current_user),
        success=_("Juri dikeluarkan dari panel."),
    )
    return redirect(url_for("judging.panel", competition_id=comp.id))


@bp.route("/admin/penilaian/<int:competition_id>/juri/<int:user_id>/afiliasi", methods=["POST"])
@admin_required
def affiliation_add(competition_id: int, user_id: int):
    """Record a judge's affiliation with a cooperative (a conflict of interest)."""
    comp = _comp(competition_id)
    user = _user(user_id)
    form = AffiliationForm()
    run_button(
        form,
        lambda: services.add_affiliation(user, form.nik.data, by=current_user),
        success=_("Afiliasi dicatat."),
    )
    return redirect(url_for("judging.panel", competition_id=comp.id))


@bp.route(
    "/admin/penilaian/<int:competition_id>/juri/<int:user_id>/afiliasi/<int:cooperative_id>/hapus",
    methods=["POST"],
)
@admin_required
def affiliation_remove(competition_id: int, user_id: int, cooperative_id: int):
    """Withdraw a judge's declared affiliation."""
    comp = _comp(competition_id)
    user = _user(user_id)
    run_button(
        ConfirmForm(),
        lambda: services.remove_affiliation(user, cooperative_id, by=current_user),
        success=_("Afiliasi dihapus."),
    )
    return redirect(url_for("judging.panel", competition_id=comp.id))


@bp.route("/admin/penilaian/<int:competition_id>/pengaturan", methods=["POST"])
@admin_required
def settings(competition_id: int):
    """Set the scheduled publication time and the discrepancy threshold."""
    comp = _comp(competition_id)
    form = SettingsForm()
    run_button(
        form,
        lambda: services.update_settings(
            comp,
            publish_at=form.publish_at_utc(),
            discrepancy_threshold=None
            if form.discrepancy_threshold.data is None
            else float(form.discrepancy_threshold.data),
            by=current_user,
        ),
        success=_("Pengaturan penilaian disimpan."),
    )
    return redirect(url_for("judging.panel", competition_id=comp.id))


@bp.route("/admin/penilaian/<int:competition_id>/penugasan")
@admin_required
def assignments(competition_id: int):
    """Entries with their judges and attendance: automatic assignment and hand overrides."""
    comp = _comp(competition_id)
    members = assign.panel(comp)
    names = {m.user_id: m.user for m in members}
    mon = results_mod.monitor(comp)
    for row in mon.entries:
        for judge_id, _state in row.judges:
            if judge_id not in names:
                names[judge_id] = db.session.get(User, judge_id)
    affiliated = assign.affiliations_of(names)
    add_forms = {}  # entry id -> the judges that may still be added to it (on the panel, free of conflict)
    for row in mon.entries:
        on = {j for j, _s in row.judges}
        add_forms[row.entry.id] = [
            (m.user_id, m.user.label)
            for m in members
            if m.user_id not in on and row.entry.cooperative_id not in affiliated.get(m.user_id, set())
        ]
    loads = {m.user_id: 0 for m in members}
    for row in mon.entries:
        if not row.no_show:
            for judge_id, _s in row.judges:
                loads[judge_id] = loads.get(judge_id, 0) + 1
    return render_template(
        "judging/assignments.html",
        comp=comp,
        monitor=mon,
        names=names,
        members=members,
        loads=loads,
        attendance=assign.attendance_of(comp),
        add_forms=add_forms,
        attendance_form=AttendanceForm(),
        confirm=ConfirmForm(),
        can_edit=comp.state in assign.ASSIGNABLE_STATES,
        started=comp.starts_first_at() is not None and clock.now() >= comp.starts_first_at(),
    )


@bp.route("/admin/penilaian/<int:competition_id>/penugasan/otomatis", methods=["POST"])
@admin_required
def assign_auto(competition_id: int):
    """Run the automatic, balanced assignment."""
    comp = _comp(competition_id)
    outcome = run_button(
        ConfirmForm(),
        lambda: assign.auto_assign(comp, by=current_user),
        success=_("Penugasan otomatis selesai."),
    )
    if outcome and outcome.value.short:
        flash(
            _("%(n)d peserta kekurangan juri yang bebas konflik kepentingan.", n=len(outcome.value.short)),
            "warning",
        )
    return redirect(url_for("judging.assignments", competition_id=comp.id))


@bp.route("/admin/penilaian/<int:competition_id>/penugasan/<int:entry_id>/tambah", methods=["POST"])
@admin_required
def assign_add(competition_id: int, entry_id: int):
    """Add a judge to an entry by hand (logged)."""
    comp = _comp(competition_id)
    form = AssignForm()
    form.judge_id.choices = [(m.user_id, m.user.label) for m in assign.panel(comp)]
    run_button(
        form,
        lambda: assign.assign_judge(comp, entry_id, form.judge_id.data, by=current_user),
        success=_("Juri ditambahkan pada peserta."),
    )
    return redirect(url_for("judging.assignments", competition_id=comp.id))


@bp.route(
    "/admin/penilaian/<int:competition_id>/penugasan/<int:entry_id>/juri/<int:judge_id>/hapus",
    methods=["POST"],
)
@admin_required
def assign_remove(competition_id: int, entry_id: int, judge_id: int):
    """Take a judge off an entry by hand (logged)."""
    comp = _comp(competition_id)
    run_button(
        ConfirmForm(),
        lambda: assign.unassign_judge(comp, entry_id, judge_id, by=current_user),
        success=_("Juri dilepas dari peserta."),
    )
    return redirect(url_for("judging.assignments", competition_id=comp.id))


@bp.route("/admin/penilaian/<int:competition_id>/kehadiran", methods=["POST"])
@admin_required
def attendance_auto(competition_id: int):
    """Mark entries present or no-show from the check-ins."""
    comp = _comp(competition_id)
    run_button(
        ConfirmForm(),
        lambda: assign.mark_no_shows(comp, by=current_user),
        success=_("Kehadiran diperbarui dari data check-in."),
    )
    return redirect(url_for("judging.assignments", competition_id=comp.id))


@bp.route("/admin/penilaian/<int:competition_id>/kehadiran/<int:entry_id>", methods=["POST"])
@admin_required
def attendance_set(competition_id: int, entry_id: int):
    """The office sets one entry's attendance by hand, with a reason."""
    comp = _comp(competition_id)
    form = AttendanceForm()
    run_button(
        form,
        lambda: assign.set_attendance(comp, entry_id, form.status.data, form.reason.data, by=current_user),
        success=_("Kehadiran disimpan."),
    )
    return redirect(url_for("judging.assignments", competition_id=comp.id))


# --------------------------------------------------------------------------- monitor (head judge, office)


def _monitored(competition_id: int) -> Competition:
    comp = _comp(competition_id)
    services.require_monitor(current_user, comp)
    return comp


@bp.route("/penilaian/<int:competition_id>/pantau")
@roles_required(Role.admin, Role.judge)
def monitor(competition_id: int):
    """Progress by judge and entry, discrepancies, missing cards; finalise, publish, correct."""
    comp = _monitored(competition_id)
    mon = results_mod.monitor(comp)
    snapshots = results_mod.snapshots_of(comp)
    is_admin = acts_for_office(current_user)
    totals: dict[tuple[int, int], str] = {}
    card_ids: dict[tuple[int, int], int] = {}
    if is_admin:
        # The office may see each judge's total; a head judge sees only progress and spreads.
        from .models import Scorecard

        rubric = (
            results_mod.scoring.prepare_rubric(results_mod.scoring_criteria(comp)) if comp.criteria else None
        )
        for card in db.session.scalars(select(Scorecard).where(Scorecard.competition_id == comp.id)):
            card_ids[(card.entry_id, card.judge_id)] = card.id
            if rubric is not None and card.state in results_mod.DONE_STATES:
                try:
                    total = results_mod.scoring.judge_total(rubric, card.scores)
                except results_mod.scoring.ScoringError:
                    continue
                totals[(card.entry_id, card.judge_id)] = results_mod.scoring.display(total)
    names = {j.user.id: j.user for j in mon.judges}
    criteria_names = {str(c.id): c.name for c in comp.criteria}
    return render_template(
        "judging/monitor.html",
        refusals=services.refusals_of(comp),
        criteria_names=criteria_names,
        comp=comp,
        monitor=mon,
        names=names,
        snapshots=snapshots,
        totals=totals,
        card_ids=card_ids,
        is_admin=is_admin,
        reason_form=ReasonForm(),
        confirm=ConfirmForm(),
    )


# --------------------------------------------------------------------------- paper fallback


@bp.route("/penilaian/<int:competition_id>/lembar/<int:user_id>.pdf")
@roles_required(Role.admin, Role.judge)
def score_sheet(competition_id: int, user_id: int):
    """A judge's printable score sheet (PDF): the judge themself, the head judge or the office."""
    from .paper import score_sheet_pdf

    comp = _comp(competition_id)
    judge = _user(user_id)
    if current_user.id != judge.id:
        services.require_monitor(current_user, comp)
    if services.panel_row(comp, judge.id) is None:
        raise NotFound("judge_not_found", _("Juri ini tidak ada di panel lomba ini."))
    response = Response(score_sheet_pdf(comp, judge), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="lembar-nilai-{comp.id}-{judge.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/penilaian/<int:competition_id>/kertas", methods=["GET", "POST"])
@roles_required(Role.admin, Role.judge)
def paper_entry(competition_id: int):
    """The head judge or the office types a judge's paper sheet in, one entry at a time."""
    from .paper import enter_from_paper, sheet_entries

    comp = _monitored(competition_id)
    judges = [j.user for j in results_mod.monitor(comp).judges]
    source = request.form if request.method == "POST" else request.args
    judge = next((j for j in judges if str(j.id) == source.get("juri")), None)
    entries = sheet_entries(comp, judge) if judge is not None else []
    entry, card = next(((e, c) for e, c in entries if str(e.id) == source.get("peserta")), (None, None))
    status = 200
    if request.method == "POST" and judge is not None and entry is not None:
        if not ConfirmForm().validate_on_submit():
            flash(_("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."), "error")
            return redirect(url_for("judging.paper_entry", competition_id=comp.id))
        typed = {str(c.id): (request.form.get(f"angka-{c.id}") or "").strip() or None for c in comp.criteria}
        outcome = run_form(
            None,
            lambda: enter_from_paper(
                comp,
                entry_id=entry.id,
                judge_id=judge.id,
                scores=typed,
                comment=request.form.get("catatan", ""),
                by=current_user,
            ),
            success=_("Lembar kertas %(j)s untuk %(t)s tersimpan.", j=judge.label, t=entry.team_name),
        )
        if outcome:
            return redirect(url_for("judging.paper_entry", competition_id=comp.id, juri=judge.id))
        status = 409 if outcome.error.status == 409 else outcome.status
    return render_template(
        "judging/paper_entry.html",
        comp=comp,
        judges=judges,
        judge=judge,
        entries=entries,
        entry=entry,
        card=card,
        confirm=ConfirmForm(),
    ), status


@bp.route("/admin/penilaian/kartu/<int:card_id>/riwayat")
@admin_required
def scorecard_history(card_id: int):
    """One scorecard's history: every saved revision, submission, unlock and finalisation, with who and why."""
    from ..audit import history_for
    from .models import Scorecard

    card = db.session.get(Scorecard, card_id)
    if card is None:
        raise NotFound("scorecard_not_found", _("Kartu nilai tidak ditemukan."))
    comp = card.entry.competition
    return render_template(
        "judging/scorecard_history.html",
        card=card,
        comp=comp,
        criteria=list(comp.criteria),
        events=list(card.events),
        audit=history_for("scorecard", card.id),
    )


@bp.route("/penilaian/<int:competition_id>/buka/<int:entry_id>/<int:judge_id>", methods=["POST"])
@roles_required(Role.admin, Role.judge)
def unlock(competition_id: int, entry_id: int, judge_id: int):
    """Unlock one judge's submitted card, with a reason (logged)."""
    comp = _monitored(competition_id)
    card = services.own_card(entry_id, judge_id)
    if card is None or card.competition_id != comp.id:
        raise NotFound("scorecard_not_found", _("Kartu nilai tidak ditemukan."))
    form = ReasonForm()
    run_button(
        form,
        lambda: services.unlock_scorecard(card, form.reason.data, by=current_user),
        success=_("Kunci nilai dibuka; juri dapat mengubahnya."),
    )
    return redirect(url_for("judging.monitor", competition_id=comp.id))


@bp.route("/penilaian/<int:competition_id>/tetapkan", methods=["POST"])
@roles_required(Role.admin, Role.judge)
def finalise(competition_id: int):
    """Finalise the results: a snapshot is stored and the competition becomes final."""
    comp = _monitored(competition_id)
    run_button(
        ConfirmForm(),
        lambda: services.finalise_results(comp, by=current_user),
        success=_("Hasil ditetapkan (final)."),
    )
    return redirect(url_for("judging.monitor", competition_id=comp.id))


@bp.route("/penilaian/<int:competition_id>/umumkan", methods=["POST"])
@admin_required
def publish(competition_id: int):
    """Publish the final results (achievements are written into the cooperatives' profiles)."""
    comp = _comp(competition_id)
    run_button(
        ConfirmForm(), lambda: services.publish_results(comp, by=current_user), success=_("Hasil diumumkan.")
    )
    return redirect(url_for("judging.monitor", competition_id=comp.id))


@bp.route("/penilaian/<int:competition_id>/koreksi", methods=["POST"])
@admin_required
def correct(competition_id: int):
    """Store a corrected result with a reason (a new version; the old one stays readable)."""
    comp = _comp(competition_id)
    form = ReasonForm()
    run_button(
        form,
        lambda: services.correct_results(comp, form.reason.data, by=current_user),
        success=_("Hasil dikoreksi."),
    )
    return redirect(url_for("judging.monitor", competition_id=comp.id))


@bp.route("/penilaian/<int:competition_id>/hasil/<int:version>")
@roles_required(Role.admin, Role.judge)
def snapshot(competition_id: int, version: int):
    """Any stored result version, published or not (head judge and office)."""
    comp = _monitored(competition_id)
    snapshot_id = db.session.scalar(
        select(ResultSnapshot.id).where(
            ResultSnapshot.competition_id == comp.id, ResultSnapshot.version == version
        )
    )
    if snapshot_id is None:
        raise NotFound("snapshot_not_found", _("Versi hasil tidak ditemukan."))
    return _results_page(comp, snapshot_id, internal=True)


# --------------------------------------------------------------------------- judges' tablets


@bp.route("/juri/sw.js")
@public
def service_worker():
    """The judges' service worker (static/js/judging-sw.js); its scope is /juri (list and rubric pages)."""
    response = send_from_directory(
        current_app.static_folder, "js/judging-sw.js", mimetype="text/javascript", max_age=0
    )
    response.headers["Cache-Control"] = "no-cache"  # a new version reaches tablets at once
    response.headers["Service-Worker-Allowed"] = "/juri"
    return response


@bp.route("/juri")
@roles_required(Role.judge)
def judge_home():
    """The judge's entries by competition with progress ("7 dari 12 dinilai")."""
    rows = services.assigned_entries(current_user)
    groups: dict[int, dict[str, Any]] = {}
    absent: dict[int, set[int]] = {}
    for entry, card in rows:
        comp = entry.competition
        if comp.id not in groups:
            absent[comp.id] = assign.no_show_ids(comp)
            groups[comp.id] = {
                "comp": comp,
                "items": [],
                "done": 0,
                "total": 0,
                "head": services.is_head_judge(current_user, comp),
                "deadline": comp.slot_end(comp.days[-1]) if comp.days else None,
            }
        group = groups[comp.id]
        no_show = entry.id in absent[comp.id]
        state = card.state.value if card is not None else "empty"
        group["items"].append({"entry": entry, "state": state, "no_show": no_show})
        if not no_show:
            group["total"] += 1
            if state in ("submitted", "finalised"):
                group["done"] += 1
    heads = db.session.scalars(
        select(Competition)
        .join(services.CompetitionJudge, services.CompetitionJudge.competition_id == Competition.id)
        .where(
            services.CompetitionJudge.user_id == current_user.id, services.CompetitionJudge.is_head.is_(True)
        )
    ).all()
    return render_template("judging/judge_home.html", groups=list(groups.values()), heads=heads)


def _rubric_values(comp: Competition) -> dict[str, Any]:
    """The rubric form's fields read back (the page without JavaScript).

    Each criterion has level buttons (`skor-<id>`) and a number box (`angka-<id>`) that shows
    the value the page was drawn with (`awal-<id>`). A number the judge changed wins; otherwise
    the level they chose; otherwise the number as it was.
    """
    values: dict[str, Any] = {}
    for crit in comp.criteria:
        typed = (request.form.get(f"angka-{crit.id}") or "").strip()
        initial = (request.form.get(f"awal-{crit.id}") or "").strip()
        chosen = (request.form.get(f"skor-{crit.id}") or "").strip()
        value = typed if typed != initial and typed else (chosen or typed)
        if value:
            values[str(crit.id)] = value
    return values


@bp.route("/juri/penilaian/entri/<int:entry_id>", methods=["GET", "POST"])
@roles_required(Role.judge)
def score_entry(entry_id: int):
    """One entry's rubric: large level buttons, autosave (JS), submit; works as a plain form too."""
    entry = services.entry_for_judge(entry_id, current_user)
    comp = entry.competition
    card = services.own_card(entry.id, current_user.id)
    mine = [e for e, _c in services.assigned_entries(current_user) if e.competition_id == comp.id]
    absent = assign.no_show_ids(comp)
    status = 200
    typed: dict[str, Any] | None = None
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            flash(_("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."), "error")
            return redirect(url_for("judging.score_entry", entry_id=entry.id))
        submit = request.form.get("aksi") == "kirim"
        typed = _rubric_values(comp)
        try:
            revision = int(request.form.get("revisi") or 0)
        except ValueError:
            revision = 0
        outcome = run_form(
            None,  # checked above; the scores are read from the request, not from a form class
            lambda: services.save_scorecard(
                entry.id,
                judge=current_user,
                scores=typed,
                comment=request.form.get("catatan", ""),
                submit=submit,
                revision=revision,
                device_id="form",
            ),
            success=_("Nilai %(t)s terkirim.", t=entry.team_name) if submit else _("Draf tersimpan."),
        )
        if outcome:
            if submit:
                return redirect(_next_url(entry, mine, absent))
            return redirect(url_for("judging.score_entry", entry_id=entry.id))
        # A clash with the card's state stays 409 (another device saved first, the card is locked).
        status = 409 if outcome.error.status == 409 else outcome.status
        if outcome.error.code == "stale_revision":
            typed = None  # show the server's card, not the stale form
        card = services.own_card(entry.id, current_user.id)
    index = next((i for i, e in enumerate(mine) if e.id == entry.id), 0)
    cards = {
        c.entry_id: c
        for c in db.session.scalars(
            select(services.Scorecard).where(
                services.Scorecard.judge_id == current_user.id, services.Scorecard.competition_id == comp.id
            )
        )
    }
    locked = (
        entry.id in absent
        or (card is not None and card.state in (CardState.submitted, CardState.finalised))
        or (
            comp.state != S.judging
            and not (card is not None and card.state == CardState.draft and card.revision)
        )
    )
    return render_template(
        "judging/score.html",
        entry=entry,
        comp=comp,
        card=card,
        values=typed if typed is not None else (dict(card.scores) if card is not None else {}),
        comment=request.form.get("catatan", "") if typed is not None else (card.comment if card else ""),
        locked=locked,
        no_show=entry.id in absent,
        mine=mine,
        cards=cards,
        absent=absent,
        position=index + 1,
        next_url=_next_url(entry, mine, absent),
        total_weight=sum(c.weight for c in comp.criteria) or 1,
        confirm=ConfirmForm(),
    ), status


def _next_url(entry: Entry, mine: list[Entry], absent: set[int]) -> str:
    """The judge's next entry still to score after this one, else their list."""
    ids = [e.id for e in mine if e.id not in absent]
    if entry.id in ids:
        later = ids[ids.index(entry.id) + 1 :] + ids[: ids.index(entry.id)]
    else:
        later = ids
    done = {
        c.entry_id
        for c in db.session.scalars(
            select(services.Scorecard).where(
                services.Scorecard.judge_id == current_user.id,
                services.Scorecard.state.in_([CardState.submitted, CardState.finalised]),
            )
        )
    }
    for entry_id in later:
        if entry_id not in done:
            return url_for("judging.score_entry", entry_id=entry_id)
    return url_for("judging.judge_home")


# --------------------------------------------------------------------------- public results


@bp.route("/hasil")
@public
def results_index():
    """Published results, newest event first."""
    comps = db.session.scalars(
        select(Competition)
        .join(Event)
        .where(Competition.state == S.published)
        .order_by(Event.starts_on.desc(), Competition.name)
    ).all()
    rows = []
    for comp in comps:
        snap = results_mod.published_snapshot(comp)
        if snap is not None:
            rows.append((comp, results_mod.read_snapshot(snap)))
    return render_template("judging/results_index.html", rows=rows)


def _published_comp(event_slug: str, slug: str) -> Competition:
    comp = competition_by_slug(event_slug, slug)
    if comp.state != S.published:
        raise NotFound("results_not_published", _("Hasil lomba ini belum diumumkan."))
    return comp


# Rendered results bodies by (event slug, competition slug, snapshot id, language): a published
# snapshot never changes (a correction is a new snapshot), so its body is drawn once per worker
# and served from memory. The slugs are in the key so that a reused row id can never match.
# The caches are cachetools' LRU maps, shared by a worker's threads; they are not thread-safe by
# themselves, so every read and write goes through _cached/_keep under one lock.
_CACHE_LOCK = threading.Lock()
_BODY_CACHE: LRUCache[Any, Markup] = LRUCache(maxsize=64)


def _cached(cache: LRUCache, key: Any) -> Any:
    """The value under `key` (now the most recently used), or None."""
    with _CACHE_LOCK:
        return cache.get(key)


def _keep(cache: LRUCache, key: Any, value: Any) -> None:
    """Keep `value`; the cache drops its least recently used entry beyond its size."""
    with _CACHE_LOCK:
        cache[key] = value


def _results_body(snapshot_id: int, comp: Competition, *, internal: bool) -> Markup:
    """The results body of a snapshot: cached once published, drawn afresh for the office's view."""
    key = (comp.event.slug, comp.slug, snapshot_id, str(get_locale() or "id"))
    if not internal:
        body = _cached(_BODY_CACHE, key)
        if body is not None:
            return body
    snapshot = db.session.get(ResultSnapshot, snapshot_id)
    versions = [v for v in results_mod.snapshot_versions(comp) if internal or v.published_at is not None]
    body = Markup(
        render_template(
            "judging/_results_body.html",
            comp=comp,
            view=results_mod.read_snapshot(snapshot),
            versions=versions,
            internal=internal,
        )
    )
    if not internal and snapshot.published_at is not None:
        _keep(_BODY_CACHE, key, body)
    return body


def _results_page(comp: Competition, snapshot_id: int, *, internal: bool):
    return render_template(
        "judging/results.html",
        comp=comp,
        body=_results_body(snapshot_id, comp, internal=internal),
        internal=internal,
    )


# Whole results pages for anonymous visitors (the crowd on the event days) are kept by
# harkop/pagecache.py under the published snapshot's id: a correction is a new snapshot, so a kept
# page never outlives it; which snapshot is the newest is read again once the data version changes
# (at most `pagecache.VERSION_TTL` seconds after a publication or a correction). `_PAGE_CACHE` is
# that cache (tests clear it).
_PAGE_CACHE = pagecache.CACHE


# One statement, built once: the competition and its newest published snapshot by the page's
# slugs. For the crowd even this is kept (pagecache.lookup, under the data version: publishing or
# correcting results is audited), so a kept results page is answered without a query.
_PUBLISHED_LOOKUP = (
    select(Competition.id, ResultSnapshot.id)
    .join(Event, Event.id == Competition.event_id)
    .join(ResultSnapshot, ResultSnapshot.competition_id == Competition.id)
    .where(
        Event.slug == bindparam("event_slug"),
        Competition.slug == bindparam("slug"),
        Competition.state == S.published,
        ResultSnapshot.published_at.is_not(None),
    )
    .order_by(ResultSnapshot.version.desc())
    .limit(1)
)


def _published_ids(event_slug: str, slug: str) -> tuple[int, int] | None:
    row = db.session.execute(_PUBLISHED_LOOKUP, {"event_slug": event_slug, "slug": slug}).first()
    return (row[0], row[1]) if row is not None else None


@bp.route("/hasil/<event_slug>/<slug>")
@public
def results_page(event_slug: str, slug: str):
    """A competition's published results: winners, the leaderboard and every total explained."""
    found = pagecache.lookup(("hasil-lookup", event_slug, slug), lambda: _published_ids(event_slug, slug))
    if found is None:
        _published_comp(event_slug, slug)  # 404 competition_not_found or results_not_published
        raise NotFound("results_not_published", _("Hasil lomba ini belum diumumkan."))
    competition_id, snapshot_id = found
    return pagecache.public_page(
        ("hasil", snapshot_id),
        lambda: _results_page(db.session.get(Competition, competition_id), snapshot_id, internal=False),
    )


@bp.route("/hasil/<event_slug>/<slug>/versi/<int:version>")
@public
def results_version(event_slug: str, slug: str, version: int):
    """An earlier published version of a corrected result, kept readable."""
    comp = _published_comp(event_slug, slug)
    snapshot_id = db.session.scalar(
        select(ResultSnapshot.id).where(
            ResultSnapshot.competition_id == comp.id,
            ResultSnapshot.version == version,
            ResultSnapshot.published_at.is_not(None),
        )
    )
    if snapshot_id is None:
        raise NotFound("snapshot_not_found", _("Versi hasil tidak ditemukan."))
    return _results_page(comp, snapshot_id, internal=False)


# --------------------------------------------------------------------------- a cooperative's results


@bp.route("/koperasi-saya/hasil")
@roles_required(Role.coop_rep)
def my_results():
    """The pengurus's entries in published competitions, with awards and certificates."""
    rows = services.results_for_cooperative(current_user.cooperative_id)
    codes = certificates.certificates_of_entries([entry.id for entry, line, _standing in rows if line])
    return render_template(
        "judging/my_results.html", rows=rows, codes=codes, format_code=certificates.format_code
    )


@bp.route("/piagam/<int:entry_id>.pdf")
@roles_required(Role.coop_rep, Role.admin)
def certificate(entry_id: int):
    """The entry's certificates (each participant's, the team's when it won) as one PDF, once public."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("entry_not_found", _("Peserta tidak ditemukan."))
    if not acts_for_cooperative(current_user, entry.cooperative_id):
        raise Forbidden("forbidden", _("Piagam ini milik koperasi lain."))
    pdf, filename = certificates.certificate_for(entry, by=current_user)
    db.session.commit()  # certificates of results published before codes existed are issued on first print
    return _pdf_response(pdf, filename)


@bp.route("/admin/penilaian/<int:competition_id>/piagam.pdf", methods=["GET", "POST"])
@admin_required
def competition_certificates(competition_id: int):
    """Every valid certificate of a published competition in one PDF, for the office to print; more
    than HARKOP_PRINT_BACKGROUND_ITEMS are made in the background (registrations/print_views.py)."""
    from ..registrations.print_views import bulk_pdf

    comp = db.session.get(Competition, competition_id)
    if comp is None:
        raise NotFound("competition_not_found", _("Lomba tidak ditemukan."))

    def draw() -> Response:
        pdf, filename = certificates.competition_certificates(comp, by=current_user)
        db.session.commit()  # certificates of results published before codes existed are issued on first print
        return _pdf_response(pdf, filename)

    return bulk_pdf(
        certificates.CERTIFICATES,
        cards=certificates.count_competition_certificates(comp),
        params={"competition_id": comp.id},
        filename=certificates.competition_certificates_name(comp),
        heading=_("Piagam %(name)s", name=comp.name),
        back=url_for("judging.monitor", competition_id=comp.id),
        draw=draw,
    )


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- verifying a certificate


@bp.route("/verifikasi")
@public
def verify_form():
    """Anyone checks a certificate by typing its code (or arrives from its QR at /verifikasi/<code>)."""
    typed = (request.args.get("kode") or "").strip()
    if typed:
        code = certificates.normalise_code(typed)
        if code is not None:
            return redirect(url_for("judging.verify_certificate", code=code))
        return render_template("judging/verify.html", cert=None, typed=typed, malformed=True), 404
    return render_template("judging/verify.html", cert=None, typed="", malformed=False)


@bp.route("/verifikasi/<code>")
@public
def verify_certificate(code: str):
    """What a certificate code stands for: holder, cooperative, competition, award and event, or that
    it is unknown (404) or withdrawn after a correction (410)."""
    cert = certificates.find_certificate(code)
    if cert is None:
        html = render_template(
            "judging/verify.html", cert=None, typed=code[:40], malformed=False, unknown=True
        )
        return Response(html, status=404, mimetype="text/html")
    html = render_template(
        "judging/verify.html", cert=cert, code=certificates.format_code(cert.code), typed="", malformed=False
    )
    response = Response(html, status=200 if cert.is_valid else 410, mimetype="text/html")
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
