"""Forms for the update round and the letters register. The services check everything again."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Field, FieldList, Form, FormField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..cooperatives.forms import (
    NO_CHOICE,
    REQUIRED,
    DateField,
    IntegerField,
    SelectField,
    kecamatan_choices,
    kelurahan_choices,
)
from ..cooperatives.vocab import Bentuk, Jenis, Kelompok, PolaPengelolaan, Position, Sektor
from .rounds import FIGURE_FIELDS, PROFILE_FIELDS

TRI_CHOICES = [("ya", _l("Ya")), ("tidak", _l("Tidak")), ("", _l("Tidak diperiksa"))]
FINDING_FIELDS = ("found_at_address", "operating", "management_in_place", "rat_minutes_seen")
OFFICER_ROWS = 3


class TriField(RadioField):
    """Yes / no / not checked; an empty answer is allowed."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", TRI_CHOICES)
        kwargs.setdefault("default", "")
        kwargs.setdefault("validators", [Optional()])
        super().__init__(label, **kwargs)

    def pre_validate(self, form) -> None:  # noqa: D102
        if (self.data or "") not in {"ya", "tidak", ""}:
            raise ValueError(str(_l("Pilih Ya, Tidak, atau Tidak diperiksa.")))


class FieldCheckForm(FlaskForm):
    """A clerk's visit to a cooperative."""

    checked_on = DateField(_l("Tanggal cek lapangan"), validators=[DataRequired(REQUIRED)])
    found_at_address = TriField(_l("Ditemukan di alamat"))
    operating = TriField(_l("Masih menjalankan usaha"))
    management_in_place = TriField(_l("Pengurus ada dan menjalankan tugas"))
    rat_minutes_seen = TriField(_l("Berita acara RAT terakhir diperlihatkan"))
    notes = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=4000)])
    set_reasons = BooleanField(
        _l("Tandai koperasi tidak aktif untuk setiap temuan 'Tidak' (alasan dapat dicabut kemudian)")
    )

    def service_data(self) -> dict[str, Any]:
        """Keyword arguments for updates.record_field_check."""
        data: dict[str, Any] = {name: getattr(self, name).data or None for name in FINDING_FIELDS}
        data.update(checked_on=self.checked_on.data, notes=self.notes.data, set_reasons=self.set_reasons.data)
        return data


class OfficerRowForm(Form):
    """One new management term in a proposal: a row left blank is not sent, the service checks the rest.

    A plain WTForms form (no CSRF token of its own): it lives inside ProposalForm.officers.
    """

    position = SelectField(_l("Jabatan"), choices=Position.choices(NO_CHOICE))
    name = StringField(_l("Nama"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Telepon"), validators=[Optional(), Length(max=40)])
    term_start = DateField(_l("Awal periode"), validators=[Optional()])
    term_end = DateField(_l("Akhir periode"), validators=[Optional()])


class DecisionForm(FlaskForm):
    """Reject a proposal or dismiss a letter draft: a reason is needed."""

    reason = TextAreaField(_l("Alasan"), validators=[DataRequired(REQUIRED), Length(min=5, max=1000)])


def proposal_form_class() -> type[FlaskForm]:
    """The pengurus' update form: profile, up to three new management terms, yearly figures, RAT."""

    class ProposalForm(FlaskForm):
        """What a pengurus may propose for their cooperative."""

        name = StringField(_l("Nama koperasi"), validators=[DataRequired(REQUIRED), Length(max=200)])
        alamat = StringField(_l("Alamat"), validators=[Optional(), Length(max=300)])
        kecamatan_code = SelectField(_l("Kecamatan"), choices=kecamatan_choices())
        kelurahan_code = SelectField(_l("Kelurahan"), choices=kelurahan_choices())
        kode_pos = StringField(_l("Kode pos"), validators=[Optional(), Length(max=5)])
        phone = StringField(_l("Telepon kantor koperasi"), validators=[Optional(), Length(max=40)])
        email = StringField(_l("E-mail kantor koperasi"), validators=[Optional(), Length(max=200)])
        nib = StringField(_l("NIB"), validators=[Optional(), Length(max=20)])
        npwp = StringField(_l("NPWP"), validators=[Optional(), Length(max=30)])
        perubahan_ad_no = StringField(
            _l("Nomor perubahan AD terbaru"), validators=[Optional(), Length(max=120)]
        )
        perubahan_ad_on = DateField(_l("Tanggal perubahan AD terbaru"), validators=[Optional()])
        bentuk = SelectField(_l("Bentuk koperasi"), choices=Bentuk.choices(NO_CHOICE))
        jenis = SelectField(_l("Jenis koperasi"), choices=Jenis.choices(NO_CHOICE))
        pola_pengelolaan = SelectField(_l("Pola pengelolaan"), choices=PolaPengelolaan.choices(NO_CHOICE))
        kelompok = SelectField(_l("Kelompok koperasi"), choices=Kelompok.choices(NO_CHOICE))
        sektor_usaha = SelectField(_l("Sektor usaha (KBLI)"), choices=Sektor.choices(NO_CHOICE))
        confirm_identitas = BooleanField(_l("Data identitas dan alamat di atas masih benar"))
        confirm_pengurus = BooleanField(_l("Susunan pengurus yang tercatat masih sama"))

        fig_book_year = IntegerField(_l("Tahun buku"), validators=[Optional(), NumberRange(1950, 2100)])
        fig_anggota_pria = IntegerField(_l("Anggota pria"), validators=[Optional(), NumberRange(min=0)])
        fig_anggota_wanita = IntegerField(_l("Anggota wanita"), validators=[Optional(), NumberRange(min=0)])
        fig_karyawan = IntegerField(_l("Karyawan"), validators=[Optional(), NumberRange(min=0)])
        fig_manajer = IntegerField(_l("Manajer"), validators=[Optional(), NumberRange(min=0)])
        fig_modal_sendiri = IntegerField(_l("Modal sendiri (Rp)"), validators=[Optional()])
        fig_modal_luar = IntegerField(_l("Modal luar (Rp)"), validators=[Optional(), NumberRange(min=0)])
        fig_aset = IntegerField(_l("Aset (Rp)"), validators=[Optional(), NumberRange(min=0)])
        fig_volume_usaha = IntegerField(_l("Volume usaha (Rp)"), validators=[Optional(), NumberRange(min=0)])
        fig_shu = IntegerField(_l("SHU (Rp)"), validators=[Optional()])

        rat_book_year = IntegerField(_l("Tahun buku RAT"), validators=[Optional(), NumberRange(1950, 2100)])
        rat_held_on = DateField(_l("Tanggal RAT diselenggarakan"), validators=[Optional()])
        rat_notes = StringField(
            _l("Catatan RAT (mis. jumlah anggota hadir)"), validators=[Optional(), Length(max=300)]
        )
        minutes = FileField(_l("Berita acara RAT (PDF, JPEG atau PNG)"))
        note = TextAreaField(_l("Pesan untuk Dinas"), validators=[Optional(), Length(max=1000)])
        # Posted as officers-0-position, officers-0-name, …, officers-2-term_end.
        officers = FieldList(FormField(OfficerRowForm), min_entries=OFFICER_ROWS, max_entries=OFFICER_ROWS)

        def service_data(self) -> dict[str, Any]:
            """The proposal as updates.submit_proposal takes it (the service keeps only what changed)."""
            data: dict[str, Any] = {"profile": {name: getattr(self, name).data for name in PROFILE_FIELDS}}
            data["profile"] = {k: (None if v == "" else v) for k, v in data["profile"].items()}
            officers = []
            self.officers_sent = []  # the form row each sent officer came from (for errors)
            for row in self.officers:
                values = dict(row.data)
                if any(v not in (None, "") for v in values.values()):
                    officers.append(values)
                    self.officers_sent.append(row)
            if officers:
                data["officers"] = officers
            figures = {name: getattr(self, f"fig_{name}").data for name in FIGURE_FIELDS}
            figures = {k: v for k, v in figures.items() if v is not None}
            if figures or self.fig_book_year.data is not None:
                data["figures"] = {"book_year": self.fig_book_year.data, **figures}
            if self.rat_book_year.data is not None or self.rat_held_on.data is not None:
                data["rat"] = {
                    "book_year": self.rat_book_year.data,
                    "held_on": self.rat_held_on.data,
                    "notes": self.rat_notes.data,
                }
            confirm = []
            if self.confirm_identitas.data:
                confirm.append("identitas")
            if self.confirm_pengurus.data:
                confirm.append("pengurus")
            if confirm:
                data["confirm"] = confirm
            data["note"] = self.note.data
            return data

        def field_for(self, path: str) -> str | Field | None:
            """The form field a service error path belongs to: a name ('profile.alamat' -> 'alamat', …),
            an officer row's field ('officers.0.name': the name of the first row that was filled in),
            or None for an error about the officers as a whole."""
            parts = path.split(".")
            if parts[0] == "profile" and len(parts) > 1:
                return parts[1]
            if parts[0] == "officers":
                sent = getattr(self, "officers_sent", [])
                if len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(sent):
                    return sent[int(parts[1])].form._fields.get(parts[2])
                return None
            if parts[0] == "figures" and len(parts) > 1:
                return f"fig_{parts[1]}"
            if parts[0] == "rat" and len(parts) > 1:
                return f"rat_{parts[1]}"
            return parts[0]

    return ProposalForm
