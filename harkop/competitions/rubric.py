"""The rubric's one rule on level descriptors (pure: plain values in, a coded problem or None out).

A criterion's scored levels are the buttons a judge taps, so they must span the criterion's scale:
the first (best) scored level is worth exactly the maximum, and each next one strictly less, down
to no less than 0. Lines without a score are only hints and take no part. A criterion out of 10
whose best level is "4: Sangat baik" would give 4/10 for the best work (issue 20).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _


@dataclass(frozen=True)
class LevelProblem:
    """Why a criterion's levels do not fit its scale: a code and an Indonesian message."""

    code: str
    message: str


def scored_levels(levels: Iterable[dict[str, Any]] | None) -> list[float]:
    """The scores of the levels that have one, in the order written."""
    return [float(level["score"]) for level in levels or [] if level.get("score") is not None]


def level_problem(levels: Iterable[dict[str, Any]] | None, max_score: float) -> LevelProblem | None:
    """None when the scored levels span the scale (top = max_score, strictly decreasing, >= 0)."""
    scores = scored_levels(levels)
    if not scores:
        return None
    top = scores[0]
    if top != max_score:
        return LevelProblem(
            "levels_top_not_max",
            _(
                "Tingkat teratas bernilai %(top)s, padahal nilai maksimal kriteria %(max)s: "
                "tingkat terbaik harus sama dengan nilai maksimal.",
                top=_number(top),
                max=_number(max_score),
            ),
        )
    for higher, lower in zip(scores, scores[1:], strict=False):
        if lower >= higher:
            return LevelProblem(
                "levels_not_decreasing",
                _(
                    "Nilai tingkat harus menurun dari atas ke bawah: %(lower)s tidak boleh sesudah %(higher)s.",
                    lower=_number(lower),
                    higher=_number(higher),
                ),
            )
    if scores[-1] < 0:
        return LevelProblem("levels_negative", _("Nilai tingkat tidak boleh negatif."))
    return None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
