"""Forms for the office's event and competition pages (the services check every rule again)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock
from ..cooperatives.vocab import Jenis, Predikat
from .models import Aggregation, TeamKind

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (days, jenis) instead of a multi-select, easier on touch screens."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EventForm(FlaskForm):
    """An event: name, slug, theme, venue and dates."""

    name = StringField(_l("Nama acara"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Slug (alamat halaman)"),
        validators=[
            Optional(),
            Length(max=80),
            Regexp(SLUG_PATTERN, message=_l("Huruf kecil, angka dan tanda hubung.")),
        ],
    )
    theme = TextAreaField(_l("Tema"), validators=[Optional(), Length(max=1000)])
    venue = StringField(_l("Tempat"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("Tanggal mulai"), validators=[DataRequired()])
    ends_on = DateField(_l("Tanggal selesai"), validators=[DataRequired()])
    description = TextAreaField(_l("Keterangan"), validators=[Optional(), Length(max=5000)])


class CriterionForm(Form):
    """One rubric row (a sub-form: the page's CSRF token covers it)."""

    id = HiddenField()
    name = StringField(_l("Kriteria"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(_l("Penjelasan"), validators=[Optional(), Length(max=2000)])
    weight = FloatField(_l("Bobot"), validators=[Optional(), NumberRange(min=0.01, max=1000)])
    max_score = IntegerField(_l("Nilai maksimal"), validators=[Optional(), NumberRange(min=1, max=1000)])
    levels = TextAreaField(
        _l("Deskripsi tingkat (satu per baris, mis. “4: Sangat rapi”)"),
        validators=[Optional(), Length(max=4000)],
    )
    tie_break_rank = IntegerField(
        _l("Urutan penentu seri (kosong: ikut urutan rubrik)"),
        validators=[Optional(), NumberRange(min=1, max=50)],
    )
    remove = BooleanField(_l("Hapus kriteria ini"))


class CompetitionForm(FlaskForm):
    """Every setting of a competition, its eligibility rules and its rubric."""

    name = StringField(_l("Nama lomba"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Slug (alamat halaman, kosongkan untuk dibuat dari nama)"),
        validators=[
            Optional(),
            Length(max=80),
            Regexp(SLUG_PATTERN, message=_l("Huruf kecil, angka dan tanda hubung.")),
        ],
    )
    description = TextAreaField(_l("Keterangan dan aturan lomba"), validators=[Optional(), Length(max=10000)])
    days = MultiCheckboxField(_l("Hari lomba"), choices=[])
    starts_at = TimeField(_l("Jam mulai (WITA)"), validators=[DataRequired()])
    ends_at = TimeField(_l("Jam selesai (WITA)"), validators=[DataRequired()])
    place = StringField(_l("Tempat di mal"), validators=[Optional(), Length(max=200)])
    team_kind = RadioField(_l("Bentuk peserta"), choices=TeamKind.choices(), default=TeamKind.team.value)
    min_team_size = IntegerField(
        _l("Anggota tim minimal"), default=1, validators=[Optional(), NumberRange(min=1, max=50)]
    )
    max_team_size = IntegerField(
        _l("Anggota tim maksimal"), default=1, validators=[Optional(), NumberRange(min=1, max=50)]
    )
    capacity = IntegerField(
        _l("Kuota (jumlah tim/peserta)"), validators=[DataRequired(), NumberRange(min=1, max=10000)]
    )
    per_cooperative_limit = IntegerField(
        _l("Batas pendaftaran per koperasi"),
        default=1,
        validators=[DataRequired(), NumberRange(min=1, max=100)],
    )
    registration_opens_at = DateTimeLocalField(
        _l("Pendaftaran dibuka (WITA)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Pendaftaran ditutup (WITA)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    approval_required = BooleanField(_l("Pendaftaran perlu persetujuan Dinas"))
    for_children = BooleanField(_l("Peserta anak-anak (perlu nama dan persetujuan orang tua/wali)"))
    require_active = BooleanField(_l("Koperasi harus berstatus aktif"), default=True)
    require_rat_previous_year = BooleanField(
        _l("Koperasi harus sudah RAT tahun buku sebelumnya"), default=True
    )
    min_predikat = SelectField(
        _l("Predikat kesehatan minimal"),
        # A minimum reads from the lowest up: the registry's order (best first), reversed.
        choices=[("", _l("Tidak disyaratkan")), *reversed(Predikat.choices())],
        default="",
    )
    max_assessment_age_years = IntegerField(
        _l("Umur pemeriksaan kesehatan maksimal (tahun)"), validators=[Optional(), NumberRange(min=0, max=20)]
    )
    allowed_jenis = MultiCheckboxField(
        _l("Jenis koperasi yang boleh ikut (kosong: semua jenis)"), choices=Jenis.choices()
    )
    judges_per_entry = IntegerField(
        _l("Juri per peserta"), default=3, validators=[DataRequired(), NumberRange(min=1, max=50)]
    )
    aggregation = SelectField(
        _l("Cara menggabungkan nilai juri"),
        choices=Aggregation.choices(),
    )
    criteria = FieldList(FormField(CriterionForm), min_entries=0)

    def set_days(self, days: list[date]) -> None:
        """Offer the event's days as checkboxes."""
        self.days.choices = [(d.isoformat(), clock.format_date(d)) for d in days]

    def service_values(self) -> dict:
        """The form's values in the shape `save_competition` takes (times in UTC)."""

        def utc(value: datetime | None) -> datetime | None:
            return None if value is None else clock.as_utc(value.replace(tzinfo=clock.WITA))

        return {
            "name": self.name.data,
            "slug": self.slug.data or "",
            "description": self.description.data or "",
            "days": [date.fromisoformat(d) for d in self.days.data or []],
            "starts_at": self.starts_at.data,
            "ends_at": self.ends_at.data,
            "place": self.place.data or "",
            "team_kind": self.team_kind.data,
            "min_team_size": self.min_team_size.data or 1,
            "max_team_size": self.max_team_size.data or 1,
            "capacity": self.capacity.data,
            "per_cooperative_limit": self.per_cooperative_limit.data,
            "registration_opens_at": utc(self.registration_opens_at.data),
            "registration_closes_at": utc(self.registration_closes_at.data),
            "approval_required": bool(self.approval_required.data),
            "for_children": bool(self.for_children.data),
            "require_active": bool(self.require_active.data),
            "require_rat_previous_year": bool(self.require_rat_previous_year.data),
            "min_predikat": self.min_predikat.data or None,
            "max_assessment_age_years": self.max_assessment_age_years.data,
            "allowed_jenis": list(self.allowed_jenis.data or []),
            "judges_per_entry": self.judges_per_entry.data,
            "aggregation": self.aggregation.data,
        }


class TransitionForm(FlaskForm):
    """A button that moves the competition to the next state."""

    to = HiddenField(validators=[DataRequired()])


class ExceptionForm(FlaskForm):
    """The office lets one cooperative past the registry rules, with a reason."""

    cooperative_nik = StringField(
        _l("NIK koperasi"),
        validators=[DataRequired(), Regexp(r"^\d{16}$", message=_l("NIK koperasi terdiri dari 16 angka."))],
    )
    reason = TextAreaField(_l("Alasan pengecualian"), validators=[DataRequired(), Length(min=5, max=500)])


class ProgrammeItemForm(FlaskForm):
    """A rundown item: the day (one of the event's), times in WITA, kind, title, place."""

    day = SelectField(_l("Hari"))  # a choice of the event's days (the field checks membership)
    starts_at = TimeField(_l("Mulai (WITA)"), validators=[DataRequired()])
    ends_at = TimeField(_l("Selesai (WITA)"), validators=[DataRequired()])
    kind = SelectField(_l("Jenis acara"))
    title = StringField(_l("Nama acara"), validators=[DataRequired(), Length(max=200)])
    place = StringField(_l("Tempat"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Keterangan"), validators=[Optional(), Length(max=2000)])

    def for_event(self, event, kinds) -> ProgrammeItemForm:
        """Offer the event's days and the kinds the office writes."""
        self.day.choices = [(d.isoformat(), clock.format_date(d)) for d in event.days()]
        self.kind.choices = [(k.value, k.label) for k in kinds]
        return self

    def values(self) -> dict:
        """The form's data as the service takes it."""
        return {
            "day": date.fromisoformat(self.day.data),
            "starts_at": self.starts_at.data,
            "ends_at": self.ends_at.data,
            "kind": self.kind.data,
            "title": self.title.data,
            "place": self.place.data,
            "description": self.description.data,
        }
