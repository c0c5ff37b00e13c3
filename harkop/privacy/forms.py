"""Forms of the personal-data pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length


class EraseForm(FlaskForm):
    """Erase one person's data at their request: the basis (kept in the audit log) and a confirmation."""

    reason = TextAreaField(
        _l("Dasar penghapusan"),
        description=_l(
            "Mis. “Permintaan tertulis orang tua tanggal 2 Desember 2024”. Tercatat di log audit."
        ),
        validators=[DataRequired(_l("Tuliskan dasar penghapusan.")), Length(min=5, max=500)],
    )
    confirm = BooleanField(
        _l("Saya mengerti: data ini dihapus untuk selamanya dan tiket yang masih berlaku dibatalkan."),
        validators=[DataRequired(_l("Centang pernyataan ini untuk melanjutkan."))],
    )
