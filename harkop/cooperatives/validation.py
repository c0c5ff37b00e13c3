"""Field rules for cooperative data, shared by services, forms, the API and the importer.

Each parser takes what a person, a form, a JSON body or a spreadsheet cell may hold (text, a
number, a date, an enum) and returns the stored value, or raises FieldError with an Indonesian
message. `clean_cooperative` applies them to a mapping and collects every error by field, so
the importer can report each cell and a form can show each message next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from .. import vocabulary
from ..email_address import InvalidEmail, normalise_email
from ..text import problem_message, text_problem
from ..vocabulary import Choice
from . import reference
from .vocab import (
    SEKTOR_ALIASES,
    Bentuk,
    CoopStatus,
    Grade,
    Jenis,
    Kelompok,
    PolaPengelolaan,
    Sektor,
    StatusNik,
    choice_lookup,
    normalise,
)

NIK_RE = re.compile(r"^\d{16}$")
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)


class FieldError(ValueError):
    """A value a field cannot take; the message is for people."""


def is_blank(value: Any) -> bool:
    """None, or text that is only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_nik(value: Any) -> str:
    """A NIK Koperasi: exactly 16 digits, kept as text (spaces and dots people type are dropped)."""
    if isinstance(value, bool):
        raise FieldError(_("NIK harus 16 angka."))
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = re.sub(r"[\s.\-]", "", str(value or ""))
    if not NIK_RE.match(text):
        raise FieldError(_("NIK harus 16 angka (tertulis: %(v)s).", v=str(value)[:40]))
    return text


def text_parser(max_len: int, *, required: bool = False) -> Callable[[Any], str | None]:
    """Free text up to max_len characters (trimmed); empty becomes None unless required."""

    def parse(value: Any) -> str | None:
        if is_blank(value):
            if required:
                raise FieldError(_("Wajib diisi."))
            return None
        text = " ".join(str(value).split())
        problem = text_problem(text)
        if problem is not None:
            raise FieldError(problem_message(problem))
        if len(text) > max_len:
            raise FieldError(_("Paling banyak %(n)d karakter.", n=max_len))
        return text

    return parse


def parse_date(value: Any) -> date | None:
    """A date: a date cell, ISO 2024-07-26, or 26/07/2024 and 26-07-2024 as written in Indonesia."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip()
        parsed = None
        if len(text) == 10 and text[4] == "-":
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                parsed = None
        for fmt in () if parsed else ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
            try:
                parsed = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            raise FieldError(
                _("Tanggal tidak dikenali (pakai TTTT-BB-HH atau HH/BB/TTTT): %(v)s", v=text[:40])
            )
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise FieldError(_("Tanggal di luar rentang 1900–2100."))
    return parsed


def int_parser(
    lo: int, hi: int, *, show: Callable[[int], str] = vocabulary.number
) -> Callable[[Any], int | None]:
    """A whole number between lo and hi (a spreadsheet's 12.0 is 12; 1.234 with dots is 1234).

    `show` writes the bounds in the range error: numbers with the page's separators by default.
    """

    def parse(value: Any) -> int | None:
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise FieldError(_("Harus bilangan bulat."))
        if isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise FieldError(_("Harus bilangan bulat."))
            number = int(value)
        elif isinstance(value, str) and value.isascii() and value.isdecimal():
            number = int(value)  # the common case, without the regular expressions below
        else:
            text = str(value).strip().replace(" ", "")
            if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # Indonesian thousands separators
                text = text.replace(".", "")
            elif re.fullmatch(r"-?\d+\.0+", text):
                text = text.split(".")[0]
            if not re.fullmatch(r"-?\d+", text):
                raise FieldError(_("Harus bilangan bulat: %(v)s", v=text[:40]))
            number = int(text)
        if not lo <= number <= hi:
            raise FieldError(
                _(
                    "Harus antara %(lo)s dan %(hi)s.",
                    lo=show(lo),
                    hi=show(hi),
                )
            )
        return number

    return parse


def year_parser(lo: int, hi: int) -> Callable[[Any], int | None]:
    """A year between lo and hi; the range error writes them as plain digits (1950, not 1.950)."""
    return int_parser(lo, hi, show=vocabulary.year)


def choice_parser(choice: type[Choice], extra: dict[str, str] | None = None) -> Callable[[Any], str | None]:
    """One value of an enumeration: its snake_case value or its Indonesian label, any case.

    The error lists the Indonesian labels: they are what a spreadsheet in the ODS layout holds.
    """

    lookup = choice_lookup(choice, extra)

    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        if hasattr(value, "value"):
            value = value.value
        found = lookup.get(normalise(str(value)))
        if found is None:
            allowed = ", ".join(member.indonesian for member in choice)
            raise FieldError(
                _("Nilai tidak dikenal: %(v)s. Pilihan: %(allowed)s", v=str(value)[:40], allowed=allowed)
            )
        return found

    return parse


def parse_kecamatan(value: Any) -> str | None:
    """One of Balikpapan's six kecamatan, by name ('Balikpapan Kota', 'Kota') or key."""
    if is_blank(value):
        return None
    key = reference.parse_kecamatan(str(value))
    if key is None:
        raise FieldError(
            _(
                "Kecamatan tidak dikenal: %(v)s. Pilihan: %(allowed)s",
                v=str(value)[:40],
                allowed=", ".join(reference.KECAMATAN.values()),
            )
        )
    return key


def parse_kelurahan(value: Any) -> str | None:
    """One of Balikpapan's 34 kelurahan, by name or key."""
    if is_blank(value):
        return None
    key = reference.parse_kelurahan(str(value))
    if key is None:
        raise FieldError(_("Kelurahan tidak dikenal di Balikpapan: %(v)s", v=str(value)[:40]))
    return key


def parse_kode_pos(value: Any) -> str | None:
    """A five-digit postal code."""
    if is_blank(value):
        return None
    text = (
        str(int(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else str(value).strip()
    )
    if not re.fullmatch(r"\d{5}", text):
        raise FieldError(_("Kode pos harus 5 angka."))
    return text


def parse_email(value: Any) -> str | None:
    """An e-mail address, checked and normalised by email-validator (harkop/email_address.py)."""
    if is_blank(value):
        return None
    try:
        return normalise_email(str(value))
    except InvalidEmail as err:
        raise FieldError(_("Alamat e-mail tidak valid.")) from err


def parse_digits(max_len: int) -> Callable[[Any], str | None]:
    """A number kept as text (NIB): digits only."""

    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        text = (
            str(int(value))
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else str(value).strip()
        )
        if not re.fullmatch(rf"\d{{1,{max_len}}}", text):
            raise FieldError(_("Harus berupa angka (paling banyak %(n)d digit).", n=max_len))
        return text

    return parse


# field -> parser. The order is the order forms and error lists follow.
COOPERATIVE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "nik": parse_nik,
    "name": text_parser(200, required=True),
    "status_nik": choice_parser(StatusNik),
    "badan_hukum_no": text_parser(120),
    "badan_hukum_on": parse_date,
    "perubahan_ad_no": text_parser(120),
    "perubahan_ad_on": parse_date,
    "nib": parse_digits(20),
    "npwp": text_parser(30),
    "founded_on": parse_date,
    "bentuk": choice_parser(Bentuk),
    "jenis": choice_parser(Jenis),
    "pola_pengelolaan": choice_parser(PolaPengelolaan),
    "kelompok": choice_parser(Kelompok),
    "sektor_usaha": choice_parser(Sektor, SEKTOR_ALIASES),
    "kuk": int_parser(1, 4),
    "alamat": text_parser(300),
    "kecamatan_code": parse_kecamatan,
    "kelurahan_code": parse_kelurahan,
    "kode_pos": parse_kode_pos,
    "email": parse_email,
    "phone": text_parser(40),
    "ods_status": choice_parser(CoopStatus),
    "ods_grade": choice_parser(Grade),
    "digital_since": year_parser(1990, 2100),
}
REQUIRED_ON_CREATE = ("nik", "name")


def clean_cooperative(
    data: Mapping[str, Any], *, creating: bool, current: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse the given fields; returns (clean values, {field: message}).

    On create, NIK and name are required; on update only the fields present are changed, and
    `current` (the stored values) completes the cross-field rule: a kelurahan must lie in the
    kecamatan, and needs one.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, parser in COOPERATIVE_FIELDS.items():
        if name not in data:
            if creating and name in REQUIRED_ON_CREATE:
                errors[name] = _("Wajib diisi.")
            continue
        try:
            value = parser(data[name])
        except FieldError as err:
            errors[name] = str(err)
            continue
        if value is None and name in REQUIRED_ON_CREATE:
            errors[name] = _("Wajib diisi.")
            continue
        clean[name] = value
    check_kelurahan_in_kecamatan({**(current or {}), **clean}, errors)
    return clean, errors


def check_kelurahan_in_kecamatan(clean: Mapping[str, Any], errors: dict[str, str]) -> None:
    """Add an error on `kelurahan_code` when it is not inside `kecamatan_code`."""
    kel = clean.get("kelurahan_code")
    if not kel or "kelurahan_code" in errors or "kecamatan_code" in errors:
        return
    kec = clean.get("kecamatan_code")
    expected = reference.KELURAHAN_KECAMATAN[kel]
    if kec is None:
        errors["kelurahan_code"] = _(
            "Kelurahan %(kel)s perlu kecamatannya (%(kec)s).",
            kel=reference.KELURAHAN[kel],
            kec=reference.KECAMATAN[expected],
        )
    elif kec != expected:
        errors["kelurahan_code"] = _(
            "Kelurahan %(kel)s ada di %(kec)s, bukan di %(given)s.",
            kel=reference.KELURAHAN[kel],
            kec=reference.KECAMATAN[expected],
            given=reference.KECAMATAN[kec],
        )
