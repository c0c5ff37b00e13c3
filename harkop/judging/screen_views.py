"""The big screen's pages: the screen itself, its data for the polling script, and the office's
display keys (make one per screen, revoke it when the screen is lost)."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from .. import clock
from ..auth.decorators import admin_required, public
from ..form_actions import ConfirmForm, run_button, run_form
from . import screen
from .views import bp

KEY_HEADER = "X-Display-Key"


class DisplayKeyForm(FlaskForm):
    """The office names the screen a key is for."""

    label = StringField(_l("Nama layar"), validators=[Optional(), Length(max=screen.LABEL_MAX)])


@bp.route("/layar")
@public
def screen_page():
    """The full-screen page for the venue's screens (public slides; a display key adds the gate's)."""
    return render_template("judging/screen.html", data=screen.screen_data(staff=False))


@bp.route("/layar/data.json")
@public
def screen_json():
    """The screen's data; with a valid display key (header X-Display-Key) also the gate's figures."""
    secret = request.headers.get(KEY_HEADER, "")
    staff = screen.key_is_valid(secret)
    data = screen.screen_data(staff=staff)
    data["key"] = "valid" if staff else ("invalid" if secret else "none")
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/layar", methods=["GET", "POST"])
@admin_required
def screen_keys():
    """The office's display keys: make one for a screen (its link shown once), see and revoke them."""
    form = DisplayKeyForm()
    made = run_form(form, lambda: screen.issue_key(form.label.data or "", by=current_user), success=None)
    link = None
    if made:
        _row, secret = made.value
        link = url_for("judging.screen_page", _external=True) + "#kunci=" + secret
    return render_template(
        "judging/screen_keys.html",
        form=form,
        keys=screen.list_keys(),
        link=link,
        now=clock.now(),
        revoke_form=ConfirmForm(),
    ), made.status


@bp.route("/admin/layar/<int:key_id>/cabut", methods=["POST"])
@admin_required
def screen_key_revoke(key_id: int):
    """Revoke one display key."""
    run_button(
        ConfirmForm(), lambda: screen.revoke_key(key_id, by=current_user), success=_("Kunci layar dicabut.")
    )
    return redirect(url_for("judging.screen_keys"))
