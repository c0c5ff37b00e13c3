"""How registry values read on pages: Indonesian labels, badge kinds and icons (templates use `reg`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .. import clock
from . import reference
from .vocab import (
    ASPECT_LABELS,
    BENTUK_LABELS,
    GRADE_LABELS,
    JENIS_LABELS,
    KELOMPOK_LABELS,
    POLA_LABELS,
    POSITION_LABELS,
    PREDIKAT_BADGES,
    PREDIKAT_LABELS,
    REASON_LABELS,
    SEKTOR,
    STATUS_LABELS,
    STATUS_NIK_LABELS,
    Aspect,
    Predikat,
)


def _label(labels: dict, value: Any) -> str:
    if value is None or value == "":
        return "–"
    key = getattr(value, "value", value)
    for k, v in labels.items():
        if str(getattr(k, "value", k)) == str(key):
            return v
    return str(key)


class Labels:
    """Label helpers exposed to templates as `reg`."""

    ASPECTS = list(Aspect)

    @staticmethod
    def status(value: Any) -> str:
        """'Aktif' / 'Tidak Aktif'."""
        return _label(STATUS_LABELS, value)

    @staticmethod
    def status_badge(value: Any) -> tuple[str, str]:
        """Badge kind and icon for a status."""
        return ("good", "✓") if str(getattr(value, "value", value)) == "aktif" else ("bad", "✕")

    @staticmethod
    def grade(value: Any) -> str:
        """'A', 'C1', …"""
        return _label(GRADE_LABELS, value)

    @staticmethod
    def predikat(value: Any) -> str:
        """'Sehat', 'Cukup Sehat', …"""
        return _label(PREDIKAT_LABELS, value)

    @staticmethod
    def predikat_badge(value: Any) -> tuple[str, str]:
        """Badge kind and icon for a predikat (colour never alone: word and icon too)."""
        if value is None:
            return ("info", "–")
        return PREDIKAT_BADGES[Predikat(getattr(value, "value", value))]

    @staticmethod
    def jenis(value: Any) -> str:
        """Jenis label."""
        return _label(JENIS_LABELS, value)

    @staticmethod
    def bentuk(value: Any) -> str:
        """Bentuk label."""
        return _label(BENTUK_LABELS, value)

    @staticmethod
    def pola(value: Any) -> str:
        """Pola pengelolaan label."""
        return _label(POLA_LABELS, value)

    @staticmethod
    def kelompok(value: Any) -> str:
        """Kelompok label."""
        return _label(KELOMPOK_LABELS, value)

    @staticmethod
    def sektor(value: Any) -> str:
        """KBLI section letter and name."""
        if not value:
            return "–"
        letter, name = SEKTOR.get(value, ("", value))
        return f"{letter} – {name}" if letter else name

    @staticmethod
    def status_nik(value: Any) -> str:
        """Status NIK label."""
        return _label(STATUS_NIK_LABELS, value)

    @staticmethod
    def reason(value: Any) -> str:
        """Inactive reason label."""
        return _label(REASON_LABELS, value)

    @staticmethod
    def position(value: Any) -> str:
        """Management seat label."""
        return _label(POSITION_LABELS, value)

    @staticmethod
    def aspect(value: Any) -> str:
        """Aspect label."""
        return _label(ASPECT_LABELS, value)

    @staticmethod
    def kecamatan(code: str | None) -> str:
        """Kecamatan name, or a dash when none is on file."""
        return reference.KECAMATAN.get(code, code) if code else "–"

    @staticmethod
    def kelurahan(code: str | None) -> str:
        """Kelurahan name."""
        return reference.KELURAHAN.get(code, code) if code else "–"

    @staticmethod
    def score(value: Decimal | None) -> str:
        """A score with a decimal comma: 81,50."""
        return "–" if value is None else f"{Decimal(value):.2f}".replace(".", ",")

    @staticmethod
    def date(value: date | None) -> str:
        """A date without weekday: 26 Juli 2024."""
        return "–" if value is None else clock.format_short_date(value)

    @staticmethod
    def options() -> dict[str, list[tuple[str, str]]]:
        """Filter options for the directory and the admin list."""
        return {
            "kecamatan": [(k, v) for k, v in reference.KECAMATAN.items()]
            + [("tidak_ada", "Tanpa kecamatan")],
            "jenis": [(k.value, v) for k, v in JENIS_LABELS.items()],
            "status": [(k.value, v) for k, v in STATUS_LABELS.items()],
            "grade": [(k.value, v) for k, v in GRADE_LABELS.items()],
            "predikat": [(k.value, v) for k, v in PREDIKAT_LABELS.items()]
            + [("belum_dinilai", "Belum dinilai")],
        }

    @staticmethod
    def disagrees(computed: Any, ods: Any) -> bool:
        """True when the Ministry's record differs from Harkop's computed value."""
        return (
            ods is not None
            and computed is not None
            and str(getattr(ods, "value", ods)) != str(getattr(computed, "value", computed))
        )
