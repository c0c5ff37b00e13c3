"""Forms for logging in and for the office's user management."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

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
        _l("Kata sandi (kosongkan untuk dibuatkan)"), validators=[Optional(), Length(min=10, max=200)]
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
        _l("Kata sandi (minimal 10 karakter)"), validators=[DataRequired(), Length(min=10, max=200)]
    )


class AdminConfirmForm(FlaskForm):
    """A button on another account; when that account is an admin, the acting admin's password."""

    confirm_password = PasswordField(
        _l("Kata sandi Anda (untuk akun admin)"), validators=[Optional(), Length(max=200)]
    )


class RoleForm(FlaskForm):
    """The office gives an account another role (not pengurus: that needs a cooperative)."""

    role = SelectField(
        _l("Peran baru"), choices=[(r.value, label) for r, label in ROLE_LABELS.items() if r != Role.coop_rep]
    )


class ChangePasswordForm(FlaskForm):
    """A user changes their own password."""

    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(
        _l("Kata sandi baru (minimal 10 karakter)"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    repeat_password = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("Kedua kata sandi baru tidak sama."))],
    )


class TokenForm(FlaskForm):
    """A user makes a token for a device of theirs."""

    label = StringField(_l("Nama perangkat"), validators=[DataRequired(), Length(max=80)])
    days = IntegerField(
        _l("Berlaku (hari)"), default=30, validators=[DataRequired(), NumberRange(min=1, max=365)]
    )


__all__ = [
    "AcceptInvitationForm",
    "AdminConfirmForm",
    "ChangePasswordForm",
    "InvitationForm",
    "LoginForm",
    "Role",
    "RoleForm",
    "TokenForm",
    "UserForm",
]
