"""Forms for the office's registry pages. The services check everything again."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField, TextAreaField
from wtforms import DateField as _DateField
from wtforms import DecimalField as _DecimalField
from wtforms import IntegerField as _IntegerField
from wtforms import SelectField as _SelectField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from . import reference
from .vocab import (
    Aspect,
    Bentuk,
    CoopStatus,
    Grade,
    Jenis,
    Kelompok,
    PolaPengelolaan,
    Position,
    ReasonCode,
    Sektor,
    StatusNik,
)

REQUIRED = _l("Wajib diisi.")
WHOLE = _l("Harus bilangan bulat.")
NUMBER = _l("Harus berupa angka.")
DATE = _l("Tanggal tidak valid.")


# WTForms ships no Indonesian messages: these fields say what is wrong in Indonesian.
class IntegerField(_IntegerField):
    """A whole-number input with an Indonesian error."""

    def process_formdata(self, valuelist):  # noqa: D102
        try:
            super().process_formdata(valuelist)
        except ValueError as err:
            raise ValueError(str(WHOLE)) from err


class DecimalField(_DecimalField):
    """A decimal input that also takes the Indonesian comma (85,5)."""

    def process_formdata(self, valuelist):  # noqa: D102
        try:
            super().process_formdata([v.replace(",", ".") for v in valuelist] if valuelist else valuelist)
        except ValueError as err:
            raise ValueError(str(NUMBER)) from err


class DateField(_DateField):
    """A date input with an Indonesian error."""

    def process_formdata(self, valuelist):  # noqa: D102
        try:
            super().process_formdata(valuelist)
        except ValueError as err:
            raise ValueError(str(DATE)) from err


class SelectField(_SelectField):
    """A select whose empty choice is the default, with an Indonesian error for other values."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def pre_validate(self, form) -> None:  # noqa: D102
        values = {str(value) for value, *_rest in self.iter_choices()}
        if str(self.data if self.data is not None else "") not in values:
            raise ValueError(str(_l("Pilihan tidak dikenal.")))


NO_CHOICE = "—"


def kecamatan_choices() -> list[tuple[str, str]]:
    """Balikpapan's kecamatan for a select, after an empty choice."""
    return [("", NO_CHOICE), *reference.KECAMATAN.items()]


def kelurahan_choices() -> list[tuple[str, str]]:
    """Kelurahan grouped by kecamatan name in the label, for one plain select."""
    items = [("", NO_CHOICE)]
    for kel, kec in reference.KELURAHAN_KECAMATAN.items():
        items.append((kel, f"{reference.KELURAHAN[kel]} ({reference.KECAMATAN[kec]})"))
    return items


class CooperativeForm(FlaskForm):
    """Create or edit a cooperative's identity, legal data and address."""

    nik = StringField(
        _l("NIK Koperasi"),
        validators=[DataRequired(REQUIRED), Regexp(r"^\d{16}$", message=_l("NIK harus 16 angka."))],
    )
    name = StringField(_l("Nama koperasi"), validators=[DataRequired(REQUIRED), Length(max=200)])
    status_nik = SelectField(_l("Status NIK"), choices=StatusNik.choices(NO_CHOICE))
    badan_hukum_no = StringField(_l("Nomor badan hukum pendirian"), validators=[Optional(), Length(max=120)])
    badan_hukum_on = DateField(_l("Tanggal badan hukum pendirian"), validators=[Optional()])
    perubahan_ad_no = StringField(_l("Nomor perubahan AD terbaru"), validators=[Optional(), Length(max=120)])
    perubahan_ad_on = DateField(_l("Tanggal perubahan AD terbaru"), validators=[Optional()])
    founded_on = DateField(_l("Tanggal berdiri"), validators=[Optional()])
    nib = StringField(
        _l("NIB"), validators=[Optional(), Regexp(r"^\d{1,20}$", message=_l("NIB berupa angka."))]
    )
    npwp = StringField(_l("NPWP"), validators=[Optional(), Length(max=30)])
    bentuk = SelectField(_l("Bentuk koperasi"), choices=Bentuk.choices(NO_CHOICE))
    jenis = SelectField(_l("Jenis koperasi"), choices=Jenis.choices(NO_CHOICE))
    pola_pengelolaan = SelectField(_l("Pola pengelolaan"), choices=PolaPengelolaan.choices(NO_CHOICE))
    kelompok = SelectField(_l("Kelompok koperasi"), choices=Kelompok.choices(NO_CHOICE))
    sektor_usaha = SelectField(_l("Sektor usaha (KBLI)"), choices=Sektor.choices(NO_CHOICE))
    kuk = SelectField(
        _l("KUK (klasifikasi usaha koperasi)"),
        choices=[("", NO_CHOICE)] + [(str(i), str(i)) for i in (1, 2, 3, 4)],
    )
    alamat = StringField(_l("Alamat"), validators=[Optional(), Length(max=300)])
    kecamatan_code = SelectField(_l("Kecamatan"), choices=kecamatan_choices())
    kelurahan_code = SelectField(_l("Kelurahan"), choices=kelurahan_choices())
    kode_pos = StringField(
        _l("Kode pos"), validators=[Optional(), Regexp(r"^\d{5}$", message=_l("Kode pos harus 5 angka."))]
    )
    email = StringField(
        _l("E-mail kantor koperasi"), validators=[Optional(), Email(_l("Alamat e-mail tidak valid."))]
    )
    phone = StringField(_l("Telepon kantor koperasi"), validators=[Optional(), Length(max=40)])
    ods_status = SelectField(_l("Status menurut ODS (Kementerian)"), choices=CoopStatus.choices(NO_CHOICE))
    ods_grade = SelectField(_l("Grade menurut ODS (Kementerian)"), choices=Grade.choices(NO_CHOICE))
    digital_since = IntegerField(
        _l("Masuk sistem digital dinas sejak tahun"),
        validators=[Optional(), NumberRange(1990, 2100, message=_l("Tahun 1990–2100."))],
    )

    def service_data(self) -> dict[str, Any]:
        """Field values as the service takes them (empty selects become None)."""
        return {
            name: (field.data if field.data not in ("",) else None)
            for name, field in self._fields.items()
            if name != "csrf_token"
        }


class RatForm(FlaskForm):
    """Record the RAT held for a book year."""

    book_year = IntegerField(_l("Tahun buku"), validators=[DataRequired(REQUIRED), NumberRange(1950, 2100)])
    held_on = DateField(_l("Tanggal RAT"), validators=[DataRequired(DATE)])
    notes = StringField(_l("Catatan (mis. nomor berita acara)"), validators=[Optional(), Length(max=500)])


def _percent_label(aspect: Aspect) -> LazyString:
    """'Tata Kelola (%)', in the language of the page that shows the form."""
    return LazyString(lambda: f"{aspect.label} (%)")


class AspectAssessmentForm(FlaskForm):
    """A health assessment entered as the four aspect scores (percent)."""

    book_year = IntegerField(_l("Tahun buku"), validators=[DataRequired(REQUIRED), NumberRange(1950, 2100)])
    examined_on = DateField(_l("Tanggal pemeriksaan"), validators=[Optional()])
    examiner = StringField(_l("Pemeriksa"), validators=[Optional(), Length(max=120)])
    tata_kelola = DecimalField(
        _percent_label(Aspect.tata_kelola), places=2, validators=[DataRequired(REQUIRED)]
    )
    profil_risiko = DecimalField(
        _percent_label(Aspect.profil_risiko), places=2, validators=[DataRequired(REQUIRED)]
    )
    kinerja_keuangan = DecimalField(
        _percent_label(Aspect.kinerja_keuangan), places=2, validators=[DataRequired(REQUIRED)]
    )
    permodalan = DecimalField(
        _percent_label(Aspect.permodalan), places=2, validators=[DataRequired(REQUIRED)]
    )
    replace = BooleanField(_l("Ganti penilaian tahun buku ini bila sudah ada"))


def indicator_form_class(indicator_set) -> type[FlaskForm]:
    """A form with one group of inputs per indicator in force (built from the data)."""

    class IndicatorAssessmentForm(FlaskForm):
        """A health assessment entered indicator by indicator."""

        book_year = IntegerField(
            _l("Tahun buku"), validators=[DataRequired(REQUIRED), NumberRange(1950, 2100)]
        )
        examined_on = DateField(_l("Tanggal pemeriksaan"), validators=[Optional()])
        examiner = StringField(_l("Pemeriksa"), validators=[Optional(), Length(max=120)])
        replace = BooleanField(_l("Ganti penilaian tahun buku ini bila sudah ada"))

    for ind in indicator_set.indicators:
        if ind.kind == "checklist":
            setattr(
                IndicatorAssessmentForm,
                f"{ind.code}__fulfilled",
                IntegerField(_l("Butir terpenuhi"), validators=[Optional()]),
            )
            setattr(
                IndicatorAssessmentForm,
                f"{ind.code}__items",
                IntegerField(_l("Jumlah butir"), default=ind.items, validators=[Optional()]),
            )
        else:
            setattr(
                IndicatorAssessmentForm,
                f"{ind.code}__value",
                DecimalField(_l("Rasio (%)"), places=2, validators=[Optional()]),
            )
    return IndicatorAssessmentForm


class ReasonForm(FlaskForm):
    """Mark a cooperative inactive for a reason found in the field."""

    code = SelectField(
        _l("Alasan"), choices=ReasonCode.choices(_l("— pilih alasan —")), validators=[DataRequired(REQUIRED)]
    )
    note = TextAreaField(
        _l("Catatan internal (tidak tampil di publik)"), validators=[Optional(), Length(max=2000)]
    )


class OfficerForm(FlaskForm):
    """Start a management term (the previous holder's term ends the day before)."""

    position = SelectField(
        _l("Jabatan"), choices=Position.choices(NO_CHOICE), validators=[DataRequired(REQUIRED)]
    )
    name = StringField(_l("Nama"), validators=[DataRequired(REQUIRED), Length(max=120)])
    phone = StringField(_l("Telepon"), validators=[Optional(), Length(max=40)])
    term_start = DateField(_l("Awal periode"), validators=[DataRequired(DATE)])
    term_end = DateField(_l("Akhir periode"), validators=[Optional()])


class FiguresForm(FlaskForm):
    """Members, staff and money for one book year."""

    book_year = IntegerField(_l("Tahun buku"), validators=[DataRequired(REQUIRED), NumberRange(1950, 2100)])
    anggota_pria = IntegerField(_l("Anggota pria"), validators=[Optional(), NumberRange(min=0)])
    anggota_wanita = IntegerField(_l("Anggota wanita"), validators=[Optional(), NumberRange(min=0)])
    karyawan = IntegerField(_l("Karyawan"), validators=[Optional(), NumberRange(min=0)])
    manajer = IntegerField(_l("Manajer"), validators=[Optional(), NumberRange(min=0)])
    modal_sendiri = IntegerField(_l("Modal sendiri (Rp)"), validators=[Optional()])
    modal_luar = IntegerField(_l("Modal luar (Rp)"), validators=[Optional(), NumberRange(min=0)])
    aset = IntegerField(_l("Aset (Rp)"), validators=[Optional(), NumberRange(min=0)])
    volume_usaha = IntegerField(_l("Volume usaha (Rp)"), validators=[Optional(), NumberRange(min=0)])
    shu = IntegerField(_l("SHU (Rp)"), validators=[Optional()])


class ImportForm(FlaskForm):
    """Upload a CSV or XLSX file in the ODS column layout."""

    file = FileField(
        _l("Berkas CSV atau XLSX"),
        validators=[
            FileRequired(_l("Pilih berkas untuk diimpor.")),
            FileAllowed(["csv", "xlsx"], _l("Hanya berkas .csv atau .xlsx.")),
        ],
    )
    dry_run = BooleanField(_l("Uji saja (periksa tanpa menyimpan)"))
    skip_invalid = BooleanField(_l("Lewati baris yang salah, simpan yang benar"))
