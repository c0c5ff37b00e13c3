"""How the office workflows' values read on pages (templates use `office`), in the page's language.

Each enumeration's label and badge is its own declaration in models.py; this module only adds
the names of the fields a pengurus may propose and how a proposed value reads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import clock, vocabulary
from ..cooperatives.labels import Labels
from . import rounds
from .models import FactGroup, LetterKind, LetterStatus, ProposalStatus, VerificationSource

# The fields of a proposal (rounds.PROFILE_FIELDS and FIGURE_FIELDS), as a proposal's changes list them.
FIELD_LABELS = {
    "name": _l("Nama koperasi"),
    "alamat": _l("Alamat"),
    "kecamatan_code": _l("Kecamatan"),
    "kelurahan_code": _l("Kelurahan"),
    "kode_pos": _l("Kode pos"),
    "phone": _l("Telepon kantor"),
    "email": _l("E-mail kantor"),
    "nib": _l("NIB"),
    "npwp": _l("NPWP"),
    "perubahan_ad_no": _l("Nomor perubahan AD"),
    "perubahan_ad_on": _l("Tanggal perubahan AD"),
    "bentuk": _l("Bentuk"),
    "jenis": _l("Jenis"),
    "pola_pengelolaan": _l("Pola pengelolaan"),
    "kelompok": _l("Kelompok"),
    "sektor_usaha": _l("Sektor usaha"),
    "anggota_pria": _l("Anggota pria"),
    "anggota_wanita": _l("Anggota wanita"),
    "karyawan": _l("Karyawan"),
    "manajer": _l("Manajer"),
    "modal_sendiri": _l("Modal sendiri"),
    "modal_luar": _l("Modal luar"),
    "aset": _l("Aset"),
    "volume_usaha": _l("Volume usaha"),
    "shu": _l("SHU"),
}
MONEY_FIELDS = {"modal_sendiri", "modal_luar", "aset", "volume_usaha", "shu"}
COUNT_FIELDS = {"anggota_pria", "anggota_wanita", "karyawan", "manajer"}
DATE_FIELDS = {"perubahan_ad_on", "date"}
# A proposed registry value reads as the registry's own pages show it.
VALUE_READERS = {
    "kecamatan_code": Labels.kecamatan,
    "kelurahan_code": Labels.kelurahan,
    "bentuk": Labels.bentuk,
    "jenis": Labels.jenis,
    "pola_pengelolaan": Labels.pola,
    "kelompok": Labels.kelompok,
    "sektor_usaha": Labels.sektor,
}


def _with_badge(member: Any) -> tuple[str, str, str]:
    return member.label, member.badge.kind, member.badge.icon


class OfficeLabels:
    """Label helpers for the office pages, exposed to templates as `office`."""

    FACT_GROUPS = list(FactGroup)
    KINDS = list(LetterKind)
    LETTER_STATUSES = list(LetterStatus)
    PROPOSAL_STATUSES = list(ProposalStatus)

    fact_group = staticmethod(FactGroup.label_of)
    letter_kind = staticmethod(LetterKind.label_of)
    source = staticmethod(VerificationSource.label_of)

    @staticmethod
    def proposal_status(value: Any) -> tuple[str, str, str]:
        """(label, badge kind, icon) of a proposal's status."""
        return _with_badge(ProposalStatus(getattr(value, "value", value)))

    @staticmethod
    def letter_status(value: Any) -> tuple[str, str, str]:
        """(label, badge kind, icon) of a letter's status."""
        return _with_badge(LetterStatus(getattr(value, "value", value)))

    @staticmethod
    def tri(value: bool | None) -> tuple[str, str, str]:
        """(label, badge kind, icon) of a yes / no / not-checked finding."""
        if value is None:
            return (_("Tidak diperiksa"), "info", "–")
        return (_("Ya"), "good", "✓") if value else (_("Tidak"), "bad", "✕")

    @staticmethod
    def field_label(key: str) -> str:
        """The name of a proposable field, in the page's language."""
        return str(FIELD_LABELS.get(key, key))

    @staticmethod
    def value(key: str, value: Any) -> str:
        """A proposed or stored value as people read it (names, dates, rupiah)."""
        if value is None or value == "":
            return "–"
        if key in DATE_FIELDS:
            return clock.format_short_date(date.fromisoformat(str(value)))
        if key in MONEY_FIELDS:
            return vocabulary.rupiah(int(value))
        if key in COUNT_FIELDS:
            return vocabulary.number(int(value))
        reader = VALUE_READERS.get(key)
        return reader(value) if reader is not None else str(value)

    @staticmethod
    def short_date(value: Any) -> str:
        """A date, or a stored moment as its WITA date, without the weekday: '26 Juli 2024'."""
        if value is None:
            return "–"
        if isinstance(value, datetime):
            value = clock.to_wita(value).date()
        return clock.format_short_date(value)

    @staticmethod
    def verification(cooperative_id: int) -> dict[FactGroup, Any]:
        """The latest verification per fact group of a cooperative (for profile fragments)."""
        return rounds.verification_for(cooperative_id)
