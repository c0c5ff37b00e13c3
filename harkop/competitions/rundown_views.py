"""The office's rundown pages: the whole programme of an event, and its items to add, edit, remove.

Competitions show in the rundown from their own slots (edited on the competition's page); the
office writes the rest here. The public reads it on /jadwal (views.programme).
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import admin_required
from ..form_actions import ConfirmForm, run_button, run_form
from . import rundown, services
from .forms import ProgrammeItemForm
from .views import bp


@bp.route("/admin/acara/<int:event_id>/susunan-acara", methods=["GET", "POST"])
@admin_required
def rundown_admin(event_id: int):
    """The event's whole rundown, day by day, with a form to add an item."""
    event = services.get_event(event_id)
    form = ProgrammeItemForm().for_event(event, rundown.ITEM_KINDS)
    outcome = run_form(
        form,
        lambda: rundown.save_item(None, event, form.values(), by=current_user),
        success=lambda item: _("%(t)s ditambahkan ke susunan acara.", t=item.title),
    )
    if outcome:
        return redirect(url_for("competitions.rundown_admin", event_id=event.id))
    return render_template(
        "competitions/rundown_admin.html",
        event=event,
        days=rundown.rundown_for(event),
        form=form,
        delete_form=ConfirmForm(),
    ), outcome.status


@bp.route("/admin/susunan-acara/<int:item_id>", methods=["GET", "POST"])
@admin_required
def rundown_item(item_id: int):
    """Edit one item of the rundown."""
    item = rundown.get_item(item_id)
    event = item.event
    form = ProgrammeItemForm(obj=item).for_event(event, rundown.ITEM_KINDS)
    if not form.is_submitted():
        form.day.data, form.kind.data = item.day.isoformat(), item.kind.value
    outcome = run_form(
        form,
        lambda: rundown.save_item(item, event, form.values(), by=current_user),
        success=_("Susunan acara disimpan."),
    )
    if outcome:
        return redirect(url_for("competitions.rundown_admin", event_id=event.id))
    return render_template(
        "competitions/rundown_item.html", event=event, item=item, form=form
    ), outcome.status


@bp.route("/admin/susunan-acara/<int:item_id>/hapus", methods=["POST"])
@admin_required
def rundown_item_delete(item_id: int):
    """Remove an item from the rundown (logged)."""
    item = rundown.get_item(item_id)
    event_id = item.event_id
    run_button(
        ConfirmForm(),
        lambda: rundown.delete_item(item, by=current_user),
        success=_("Dihapus dari susunan acara."),
    )
    return redirect(url_for("competitions.rundown_admin", event_id=event_id))
