"""Forms of the judging pages (the rubric form is built from the rubric in its template)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from .. import clock


class AddJudgeForm(FlaskForm):
    """Put a judge (a user with the judge role) on the panel."""

    username = SelectField(_l("Juri"), validators=[DataRequired()], choices=[])
    head = BooleanField(_l("Jadikan ketua juri"))


class AffiliationForm(FlaskForm):
    """Declare that a judge is tied to a cooperative."""

    nik = StringField(
        _l("NIK koperasi terafiliasi"),
        validators=[DataRequired(), Regexp(r"^\d{16}$", message=_l("NIK koperasi terdiri dari 16 angka."))],
    )


class SettingsForm(FlaskForm):
    """When results publish themselves, and the spread that flags a discrepancy."""

    publish_at = DateTimeLocalField(
        _l("Umumkan otomatis pada (WITA)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    discrepancy_threshold = DecimalField(
        _l("Tandai selisih bila nilai juri berbeda lebih dari (poin, kosong: tidak ditandai)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )

    def publish_at_utc(self) -> datetime | None:
        """The typed WITA wall-clock time as a UTC instant."""
        value = self.publish_at.data
        return None if value is None else clock.as_utc(value.replace(tzinfo=clock.WITA))


class AssignForm(FlaskForm):
    """Add a judge of the panel to one entry by hand."""

    judge_id = SelectField(_l("Tambah juri"), coerce=int, validators=[DataRequired()], choices=[])


class ReasonForm(FlaskForm):
    """An action that needs a written reason (unlock, correction, attendance)."""

    reason = TextAreaField(_l("Alasan"), validators=[DataRequired(), Length(min=5, max=500)])


class AttendanceForm(FlaskForm):
    """The office decides attendance by hand."""

    status = SelectField(_l("Kehadiran"), choices=[("present", _l("Hadir")), ("no_show", _l("Tidak hadir"))])
    reason = StringField(_l("Alasan"), validators=[DataRequired(), Length(min=5, max=500)])
