"""How registry values read on pages (templates use `reg`): each helper reads the one declaration
of its enumeration in vocab.py, in the page's language; places, scores and dates too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import clock, vocabulary
from . import health, reference
from .vocab import (
    Aspect,
    Award,
    Bentuk,
    CoopStatus,
    Grade,
    Jenis,
    Kelompok,
    PolaPengelolaan,
    Position,
    Predikat,
    ReasonCode,
    Sektor,
    StatusNik,
)

# Values that are no member of an enumeration: no kecamatan on file, never assessed, no grade yet.
NO_KECAMATAN_LABEL = _l("Tanpa kecamatan")
NOT_ASSESSED_LABEL = _l("Belum dinilai")
NO_GRADE_LABEL = _l("Tanpa grade")
NO_JENIS_LABEL = _l("Jenis belum dicatat")


def _sektor(value: Any) -> str:
    member = Sektor.of(value)
    return member.label_with_letter if member is not None else Sektor.label_of(value)


class Labels:
    """Label helpers exposed to templates as `reg` (each one the enumeration's own `label_of`)."""

    ASPECTS = list(Aspect)

    status = staticmethod(CoopStatus.label_of)
    status_badge = staticmethod(CoopStatus.badge_of)
    grade = staticmethod(Grade.label_of)
    predikat = staticmethod(Predikat.label_of)
    predikat_badge = staticmethod(Predikat.badge_of)
    jenis = staticmethod(Jenis.label_of)
    bentuk = staticmethod(Bentuk.label_of)
    pola = staticmethod(PolaPengelolaan.label_of)
    kelompok = staticmethod(Kelompok.label_of)
    sektor = staticmethod(_sektor)
    status_nik = staticmethod(StatusNik.label_of)
    reason = staticmethod(ReasonCode.label_of)
    position = staticmethod(Position.label_of)
    aspect = staticmethod(Aspect.label_of)
    award = staticmethod(Award.label_of)
    award_badge = staticmethod(Award.badge_of)

    @staticmethod
    def achievement(achievement: Any) -> str:
        """An achievement's title in the page's language: a published result's title is its award
        and competition ('Juara 1 Lomba Masak'), so the award is read from the vocabulary; a title
        the office typed stays as it is."""
        rank, competition = achievement.rank_label, achievement.competition_name
        if rank and competition and achievement.title == f"{rank} {competition}":
            return f"{Award.label_of(rank)} {competition}"
        return achievement.title

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
        """A score with two decimals in the page's language: 81,50 / 81.50."""
        return vocabulary.number(value, 2)

    @staticmethod
    def date(value: date | None) -> str:
        """A date without weekday: 26 Juli 2024."""
        return "–" if value is None else clock.format_short_date(value)

    @staticmethod
    def score_formula() -> str:
        """How the final score weighs the aspects: '30% Tata Kelola + 15% Profil Risiko + …'."""
        return " + ".join(f"{vocabulary.number(w * 100)}% {a.label}" for a, w in health.WEIGHTS.items())

    @staticmethod
    def predikat_bands() -> str:
        """The predikat bands above the lowest: 'Sehat ≥ 80; Cukup Sehat ≥ 66; Dalam Pengawasan ≥ 51'."""
        return "; ".join(
            f"{p.label} ≥ {vocabulary.number(low)}" for low, p in health.PREDIKAT_BANDS if low > 0
        )

    @staticmethod
    def options() -> dict[str, list[tuple[str, Any]]]:
        """Filter options for the directory and the admin list."""
        return {
            "kecamatan": [*reference.KECAMATAN.items(), ("tidak_ada", NO_KECAMATAN_LABEL)],
            "jenis": Jenis.choices(),
            "status": CoopStatus.choices(),
            "grade": Grade.choices(),
            "predikat": [*Predikat.choices(), ("belum_dinilai", NOT_ASSESSED_LABEL)],
        }

    @staticmethod
    def disagrees(computed: Any, ods: Any) -> bool:
        """True when the Ministry's record differs from Harkop's computed value."""
        return (
            ods is not None
            and computed is not None
            and str(getattr(ods, "value", ods)) != str(getattr(computed, "value", computed))
        )
