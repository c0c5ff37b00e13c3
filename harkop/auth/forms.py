"""Forms for logging in and for the office's user management."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from .models import ROLE_LABELS, Role


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    """The office creates an account."""

    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(), Length(min=3, max=80), Regexp(r"^[a-zA-Z0-9._-]+$")],
    )
    display_name = StringField(_l("Nama lengkap"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False)])
    role = SelectField(_l("Peran"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    cooperative_nik = StringField(
        _l("NIK koperasi (untuk pengurus)"),
        validators=[Optional(), Regexp(r"^\d{16}$", message=_l("NIK koperasi terdiri dari 16 angka."))],
    )
    password = PasswordField(
        _l("Kata sandi (kosongkan untuk dibuatkan)"), validators=[Optional(), Length(min=8, max=200)]
    )


class InvitationForm(FlaskForm):
    """The office invites the pengurus of a cooperative."""

    cooperative_nik = StringField(
        _l("NIK koperasi"),
        validators=[DataRequired(), Regexp(r"^\d{16}$", message=_l("NIK koperasi terdiri dari 16 angka."))],
    )
    name = StringField(_l("Nama pengurus"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("E-mail (opsional)"), validators=[Optional(), Email(check_deliverability=False)])
    phone = StringField(_l("Nomor WhatsApp (opsional)"), validators=[Optional(), Length(max=40)])


class AcceptInvitationForm(FlaskForm):
    """The invited pengurus chooses a username and password."""

    display_name = StringField(_l("Nama lengkap"), validators=[Optional(), Length(max=120)])
    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(), Length(min=3, max=80), Regexp(r"^[a-zA-Z0-9._-]+$")],
    )
    password = PasswordField(
        _l("Kata sandi (minimal 8 karakter)"), validators=[DataRequired(), Length(min=8, max=200)]
    )


__all__ = ["AcceptInvitationForm", "InvitationForm", "LoginForm", "Role", "UserForm"]
