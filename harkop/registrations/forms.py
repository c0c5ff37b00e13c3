"""Forms for registering a team, replacing a participant, withdrawing and the office's decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .services import ParticipantInput


class ParticipantFields(Form):
    """One participant row (a sub-form: the page's CSRF token covers it)."""

    name = StringField(_l("Nama lengkap"), validators=[Optional(), Length(max=120)])
    phone = TelField(_l("Nomor HP"), validators=[Optional(), Length(max=40)])
    role = StringField(_l("Peran di tim"), validators=[Optional(), Length(max=60)])
    guardian_name = StringField(_l("Nama orang tua/wali"), validators=[Optional(), Length(max=120)])
    guardian_consent = BooleanField(_l("Orang tua/wali menyetujui anaknya ikut dan datanya diproses"))
    consent = BooleanField(_l("Peserta setuju datanya diproses untuk lomba ini (UU 27/2022)"))

    def to_input(self) -> ParticipantInput:
        """The row as the service's input."""
        return ParticipantInput(
            name=self.name.data or "",
            phone=self.phone.data or "",
            role=self.role.data or "",
            consent=bool(self.consent.data),
            guardian_name=self.guardian_name.data or "",
            guardian_consent=bool(self.guardian_consent.data),
        )


class RegisterForm(FlaskForm):
    """A team: its name and a fixed number of participant rows (the competition's maximum)."""

    team_name = StringField(_l("Nama tim"), validators=[Optional(), Length(max=120)])
    participants = FieldList(FormField(ParticipantFields), label=_l("Peserta"), min_entries=0)


class ReplaceForm(FlaskForm, ParticipantFields):
    """The new participant who takes an old one's place: a participant row whose name and phone are required."""

    name = StringField(_l("Nama lengkap"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Nomor HP"), validators=[DataRequired(), Length(max=40)])


class WithdrawForm(FlaskForm):
    """Withdrawing needs an explicit tick, so a stray tap does nothing."""

    confirm = BooleanField(_l("Ya, tim kami mengundurkan diri dari lomba ini"), validators=[DataRequired()])


class RejectForm(FlaskForm):
    """The office's reason for rejecting an entry."""

    reason = TextAreaField(_l("Alasan penolakan"), validators=[DataRequired(), Length(min=5, max=2000)])


class DeskForm(RegisterForm):
    """A walk-in team at the desk: the cooperative by NIK, the team, and a reason when it is not eligible."""

    cooperative_nik = StringField(
        _l("NIK koperasi"),
        validators=[DataRequired(), Length(min=16, max=16, message=_l("NIK koperasi 16 angka."))],
    )
    exception_reason = TextAreaField(
        _l("Alasan pengecualian (hanya bila koperasi belum memenuhi syarat)"),
        validators=[Optional(), Length(max=500)],
    )


class TeamImportForm(FlaskForm):
    """A CSV or XLSX file of teams (one row per team)."""

    file = FileField(
        _l("Berkas CSV atau XLSX"),
        validators=[
            FileRequired(_l("Pilih berkas untuk diimpor.")),
            FileAllowed(["csv", "xlsx"], _l("Hanya berkas .csv atau .xlsx.")),
        ],
    )
