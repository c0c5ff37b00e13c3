"""Forms of the check-in pages: a code typed at the gate (the page without JavaScript) and a conflict review."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CodeForm(FlaskForm):
    """A ticket code typed by hand; the nonce is made when the page is drawn, so a resubmit is one scan."""

    code = StringField(_l("Kode tiket"), validators=[DataRequired(), Length(max=200)])
    gate = StringField(_l("Pintu"), validators=[Optional(), Length(max=60)])
    nonce = HiddenField(validators=[DataRequired(), Length(max=64)])
    device_id = HiddenField(validators=[Optional(), Length(max=64)])


class ReviewForm(FlaskForm):
    """The office's note on a conflict it has looked into."""

    note = TextAreaField(_l("Catatan peninjauan"), validators=[DataRequired(), Length(min=3, max=2000)])


class StaffCodeForm(FlaskForm):
    """A staff badge's code, scanned by a hardware scanner (it types and presses Enter) or typed."""

    code = StringField(_l("Kode lencana"), validators=[DataRequired(), Length(max=200)])
    gate = StringField(_l("Pintu"), validators=[Optional(), Length(max=60)])
