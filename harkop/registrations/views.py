"""Pages: a pengurus registers a team and shares ticket links (phone first), the office decides on
entries, and anyone with a ticket link sees the ticket, its QR code and its printable PDF."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import clock
from ..auth.actors import acts_for_office
from ..auth.decorators import admin_required, public, roles_required
from ..auth.models import Role
from ..competitions import rundown
from ..competitions import services as competitions
from ..competitions.models import Competition
from ..cooperatives.services import cooperative_facts
from ..errors import DomainError, NotFound
from ..extensions import db
from ..form_actions import ConfirmForm, run_button, run_form
from . import desk, personal_data, services, tickets
from .forms import RegisterForm, RejectForm, ReplaceForm, WithdrawForm
from .models import ACTIVE_STATES, Entry, EntryState, Participant

bp = Blueprint("registrations", __name__)


@bp.app_context_processor
def _retention_helpers() -> dict[str, object]:
    # The privacy notice on the registration forms says how long contact data is kept.
    return {"retention_days": personal_data.retention_days, "retention_until": personal_data.retention_until}


def _my_cooperative_id() -> int:
    coop_id = current_user.cooperative_id
    if coop_id is None:
        abort(403)
    return coop_id


# --- pengurus (coop_rep) -------------------------------------------------------------------


@bp.route("/koperasi-saya/lomba")
@roles_required(Role.coop_rep)
def open_competitions():
    """The current event's competitions, with whether the pengurus's cooperative may register."""
    event = competitions.current_event()
    now = clock.now()
    coop_id = _my_cooperative_id()
    rows = []
    for comp in competitions.list_competitions(event=event) if event else []:
        closed = services.registration_closed_error(comp, now)
        decision = services.check_cooperative(comp, coop_id, now=now) if closed is None else None
        rows.append((comp, closed, decision))
    return render_template("registrations/open_competitions.html", event=event, rows=rows)


def participant_rows(comp: Competition) -> list[dict[str, str]]:
    """Empty participant rows for a registration form: the competition's maximum, with roles."""
    if not comp.is_team:
        return [{"role": _("Peserta")}]
    return [{"role": _("Ketua tim") if i == 0 else _("Anggota")} for i in range(comp.max_team_size)]


@bp.route("/koperasi-saya/lomba/<int:competition_id>/daftar", methods=["GET", "POST"])
@roles_required(Role.coop_rep)
def register(competition_id: int):
    """Register a team: team name and participants (name, phone, role, consent), in one page."""
    comp = competitions.visible_competition(competition_id, user=current_user)
    coop_id = _my_cooperative_id()
    now = clock.now()
    if request.method == "POST":
        form = RegisterForm()
    else:
        form = RegisterForm(data={"participants": participant_rows(comp)})
    while len(form.participants) < len(participant_rows(comp)):
        form.participants.append_entry()
    outcome = run_form(
        form,
        lambda: services.register_entry(
            comp,
            coop_id,
            team_name=form.team_name.data or "",
            participants=[row.form.to_input() for row in form.participants],
            by=current_user,
            now=now,
        ),
        success=_entry_outcome_message,
        category=lambda entry: "success" if entry.state == EntryState.confirmed else "info",
        at={"team_name_required": "team_name"},
        flash_refusal=False,  # the page explains a refusal itself (with the registry's reasons)
        keep=services.refusal_is_recorded,
    )
    if outcome:
        return redirect(url_for("registrations.my_entry", entry_id=outcome.value.id))
    closed = services.registration_closed_error(comp, now)
    decision = services.check_cooperative(comp, coop_id, now=now) if closed is None else None
    return render_template(
        "registrations/register.html",
        comp=comp,
        form=form,
        closed=closed,
        decision=decision,
        refusal=outcome.refusal,
        min_rows=comp.min_team_size,
    ), outcome.status


def _at_desk(comp: Competition, now) -> bool:
    """The office on an event day, before the competition is over: the desk's rules apply."""
    return acts_for_office(current_user) and desk.desk_closed_error(comp, now) is None


def _entry_outcome_message(entry: Entry) -> str:
    if entry.state == EntryState.confirmed:
        return _("“%(t)s” terdaftar. Bagikan tautan tiket kepada setiap peserta.", t=entry.team_name)
    if entry.state == EntryState.waitlisted:
        return _(
            "Kuota penuh: “%(t)s” masuk daftar tunggu nomor %(n)d. Anda diberi tahu bila tim naik.",
            t=entry.team_name,
            n=entry.waitlist_position,
        )
    return _("Pendaftaran “%(t)s” menunggu persetujuan Dinas.", t=entry.team_name)


@bp.route("/koperasi-saya/pendaftaran")
@roles_required(Role.coop_rep)
def my_entries():
    """The pengurus's registrations, newest first, with their states and ticket pages;
    `?status=confirmed` (any state) shows only those, as the pengurus' home counts them."""
    state = request.args.get("status") or ""
    states = [EntryState(state)] if state in set(EntryState) else None
    entries = services.entries_of_cooperative(_my_cooperative_id(), states=states)
    return render_template("registrations/my_entries.html", entries=entries, status=state if states else "")


def _entry_for_page(entry_id: int) -> Entry:
    try:
        return services.get_entry_for(entry_id, current_user)
    except DomainError as err:
        if err.status == 403:
            abort(403)
        raise


@bp.route("/koperasi-saya/pendaftaran/<int:entry_id>")
@roles_required(Role.coop_rep, Role.admin)
def my_entry(entry_id: int):
    """One registration: state, participants and the ticket link of each, withdraw and replace."""
    entry = _entry_for_page(entry_id)
    comp = entry.competition
    now = clock.now()
    changeable = (
        entry.state in ACTIVE_STATES
        and comp.state in services.ENTRY_CHANGE_STATES
        and (comp.starts_first_at() is None or now < comp.starts_first_at())
    ) or (entry.state in ACTIVE_STATES and _at_desk(comp, now))
    return render_template(
        "registrations/entry.html",
        entry=entry,
        comp=comp,
        changeable=changeable,
        withdraw_form=WithdrawForm(),
        ticket_url=lambda t: url_for("registrations.ticket_page", token=t.page_token, _external=True),
    )


@bp.route("/koperasi-saya/pendaftaran/<int:entry_id>/mundur", methods=["POST"])
@roles_required(Role.coop_rep, Role.admin)
def withdraw(entry_id: int):
    """Withdraw a registration (its place goes to the next team on the waiting list)."""
    entry = _entry_for_page(entry_id)
    run_button(
        WithdrawForm(),
        lambda: services.withdraw_entry(entry, by=current_user),
        success=_("“%(t)s” mengundurkan diri; tiketnya tidak berlaku lagi.", t=entry.team_name),
        category="info",
        invalid=_("Centang konfirmasi untuk mengundurkan diri."),
        keep=services.refusal_is_recorded,
    )
    return redirect(url_for("registrations.my_entry", entry_id=entry.id))


@bp.route(
    "/koperasi-saya/pendaftaran/<int:entry_id>/peserta/<int:participant_id>/ganti", methods=["GET", "POST"]
)
@roles_required(Role.coop_rep, Role.admin)
def replace(entry_id: int, participant_id: int):
    """Replace a participant before the competition: the old ticket stops, a new one is issued."""
    entry = _entry_for_page(entry_id)
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.entry_id != entry.id:
        raise NotFound("participant_not_found", _("Peserta tidak ditemukan."))
    form = ReplaceForm()
    if request.method == "GET":
        form.role.data = participant.role
    old_name = participant.name
    outcome = run_form(
        form,
        lambda: (
            desk.desk_replace(participant, form.to_input(), by=current_user)
            if _at_desk(entry.competition, clock.now())
            else services.replace_participant(participant, form.to_input(), by=current_user)
        ),
        success=lambda new: _(
            "%(old)s diganti oleh %(new)s. Bagikan tautan tiket baru.", old=old_name, new=new.name
        ),
        keep=services.refusal_is_recorded,
    )
    if outcome:
        return redirect(url_for("registrations.my_entry", entry_id=entry.id))
    return render_template(
        "registrations/replace.html", entry=entry, participant=participant, form=form
    ), outcome.status


# --- the office ----------------------------------------------------------------------------


@bp.route("/admin/lomba/<int:competition_id>/pendaftar")
@admin_required
def admin_entries(competition_id: int):
    """A competition's entries with approve and reject, and the registrations the rules refused."""
    from ..cooperatives.models import Cooperative

    comp = competitions.get_competition(competition_id)
    state = request.args.get("status") or ""
    q = (request.args.get("q") or "").strip()
    stmt = services.entries_of(comp, states=[EntryState(state)] if state in set(EntryState) else None)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                Entry.team_name.ilike(like),
                Entry.cooperative_id.in_(
                    select(Cooperative.id).where(or_(Cooperative.name.ilike(like), Cooperative.nik == q))
                ),
            )
        )
    page = db.paginate(stmt, per_page=50, error_out=False)
    refused = []
    for row in services.refused_attempts(comp):
        after = row.after or {}
        try:
            facts = cooperative_facts(after.get("cooperative_id"))
        except DomainError:
            facts = None
        refused.append((row, facts, after.get("reasons") or []))
    return render_template(
        "registrations/admin_entries.html",
        comp=comp,
        page=page,
        state=state,
        q=q,
        states=list(EntryState),
        refused=refused,
        confirm=ConfirmForm(),
        reject_form=RejectForm(),
    )


@bp.route("/admin/pendaftaran/<int:entry_id>/riwayat")
@admin_required
def admin_entry_history(entry_id: int):
    """One entry's decisions (eligibility, approval, rejection, waiting list) and changes, with who and why."""
    from .history import entry_history

    entry = services.get_entry(entry_id)
    return render_template("registrations/admin_history.html", entry=entry, entries=entry_history(entry))


@bp.route("/admin/pendaftaran/<int:entry_id>/setujui", methods=["POST"])
@admin_required
def admin_approve(entry_id: int):
    """Approve a pending entry (eligibility is checked again first)."""
    entry = services.get_entry(entry_id)
    run_button(
        ConfirmForm(),
        lambda: services.approve_entry(entry, by=current_user),
        success=_entry_outcome_message,
        keep=services.refusal_is_recorded,
    )
    return redirect(url_for("registrations.admin_entries", competition_id=entry.competition_id))


@bp.route("/admin/pendaftaran/<int:entry_id>/tolak", methods=["POST"])
@admin_required
def admin_reject(entry_id: int):
    """Reject an entry with a reason (the cooperative is told the reason)."""
    entry = services.get_entry(entry_id)
    form = RejectForm()
    run_button(
        form,
        lambda: services.reject_entry(entry, form.reason.data, by=current_user),
        success=_("Pendaftaran “%(t)s” ditolak.", t=entry.team_name),
        category="info",
        invalid=_("Tuliskan alasan penolakan (minimal 5 karakter)."),
        keep=services.refusal_is_recorded,
    )
    return redirect(url_for("registrations.admin_entries", competition_id=entry.competition_id))


# --- tickets (public, by their own unguessable link) ---------------------------------------


def _ticket_or_404(token: str):
    ticket = tickets.ticket_by_page_token(token)
    if ticket is None:
        raise NotFound("ticket_not_found", _("Tiket tidak ditemukan. Periksa kembali tautannya."))
    return ticket


def _private(response: Response) -> Response:
    # The link is the key: keep the page and its files out of shared caches and search engines.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/tiket/<token>")
@public
def ticket_page(token: str):
    """A participant's ticket: QR code, name, cooperative, competition, day, time and place."""
    from flask_babel import get_locale

    ticket = _ticket_or_404(token)
    locale = get_locale()
    view = tickets.ticket_view(ticket, locale=locale.language if locale is not None else "id")
    comp = ticket.participant.entry.competition
    days = rundown.rundown_for(comp.event)
    programme = [(day, rundown.day_of(days, day), f"lomba-{comp.id}-{day.isoformat()}") for day in comp.days]
    html = render_template(
        "registrations/ticket.html",
        ticket=ticket,
        view=view,
        token=token,
        programme=programme,
        event=comp.event,
    )
    return _private(Response(html, status=200 if view.valid else 410, mimetype="text/html"))


@bp.route("/tiket/<token>/qr.png")
@public
def ticket_qr_png(token: str):
    """The ticket's QR code as a PNG."""
    ticket = _ticket_or_404(token)
    return _private(Response(tickets.qr_png(tickets.qr_payload(ticket)), mimetype="image/png"))


@bp.route("/tiket/<token>/qr.svg")
@public
def ticket_qr_svg(token: str):
    """The ticket's QR code as an SVG."""
    ticket = _ticket_or_404(token)
    return _private(Response(tickets.qr_svg(tickets.qr_payload(ticket)), mimetype="image/svg+xml"))


@bp.route("/tiket/<token>/tiket.pdf")
@public
def ticket_pdf(token: str):
    """The ticket as a printable badge-size PDF."""
    ticket = _ticket_or_404(token)
    name = f"tiket-{competitions.slugify(ticket.participant.name)}.pdf"
    response = Response(tickets.ticket_pdf(ticket), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)


# --- printing many tickets at once ------------------------------------------------------------


def _layout() -> str:
    layout = request.args.get("tata") or "a6"
    return layout if layout in tickets.LAYOUTS else "a6"


def _pdf_download(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@bp.route("/admin/lomba/<int:competition_id>/tiket.pdf", methods=["GET", "POST"])
@admin_required
def admin_competition_tickets(competition_id: int):
    """Every valid ticket of a competition in one PDF (`?tata=a6` one per page, `a4` four to a sheet);
    more than HARKOP_PRINT_BACKGROUND_ITEMS tickets are made in the background (print_views.py)."""
    from . import print_jobs
    from .print_views import bulk_pdf

    comp = competitions.get_competition(competition_id)
    layout = _layout()
    filename = f"tiket-{comp.slug}-{layout}.pdf"

    def draw() -> Response:
        items = services.printable_tickets(competition_id=comp.id)
        pdf = tickets.tickets_pdf(items, title=f"Tiket {comp.name}", layout=layout)
        return _pdf_download(pdf, filename)

    return bulk_pdf(
        print_jobs.TICKETS,
        cards=services.count_printable_tickets(competition_id=comp.id),
        params={"competition_id": comp.id, "layout": layout},
        filename=filename,
        heading=_("Tiket %(name)s", name=comp.name),
        back=url_for("registrations.admin_entries", competition_id=comp.id),
        draw=draw,
    )


@bp.route("/koperasi-saya/tiket.pdf")
@roles_required(Role.coop_rep)
def my_tickets():
    """Every valid ticket of the pengurus's cooperative, all competitions, in one PDF."""
    coop_id = _my_cooperative_id()
    layout = _layout()
    items = services.printable_tickets(cooperative_id=coop_id)
    pdf = tickets.tickets_pdf(items, title=_("Tiket koperasi"), layout=layout)
    return _pdf_download(pdf, f"tiket-koperasi-{layout}.pdf")
