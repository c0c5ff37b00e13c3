"""Server-side bar charts: geometry for an SVG the template draws (no JavaScript needed).

`bar_chart` takes rows of numbers (one value per series) and returns where each bar, label and
tick goes in a fixed viewBox; the page scales it. Series are either stacked in one bar per row
(parts of a whole: active and inactive) or grouped side by side (two views of one thing: the
Ministry's grade and Harkop's). Colours are CSS classes, so the page's stylesheet decides them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import vocabulary

WIDTH = 640
LABEL_W = 170
RIGHT_PAD = 60
TOP = 8
AXIS_H = 22


@dataclass(frozen=True)
class Bar:
    """One rectangle."""

    x: float
    y: float
    w: float
    h: float
    css: str
    value: int
    series: str


@dataclass(frozen=True)
class RowGeometry:
    """One row's label, its bars and the number printed after them."""

    label: str
    label_y: float
    bars: list[Bar]
    total: int
    total_x: float
    total_y: float


@dataclass
class Chart:
    """Everything the template needs to draw one chart."""

    width: int
    height: int
    rows: list[RowGeometry]
    ticks: list[tuple[float, str]]
    axis_y: float
    plot_x: float
    plot_w: float
    series: list[tuple[str, str]] = field(default_factory=list)  # (label, css class)
    grouped: bool = False


def nice_max(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * power
        if top >= value:
            return int(math.ceil(top))
    return int(10 * power)


def tick_step(top: int) -> int:
    """The largest round step that divides the axis into at least four equal whole parts."""
    for power in range(len(str(top)), -1, -1):
        for base in (5, 2.5, 2, 1):
            step = int(base * 10**power)
            if step and top % step == 0 and top // step >= 4:
                return step
    return 1


def _number(value: float) -> str:
    return vocabulary.number(int(value))


def bar_chart(
    rows: list[tuple[str, list[int]]],
    series: list[tuple[str, str]],
    *,
    grouped: bool = False,
    row_height: int | None = None,
) -> Chart:
    """Lay out horizontal bars: one row per (label, values), values in the order of `series`."""
    plot_x = LABEL_W
    plot_w = WIDTH - LABEL_W - RIGHT_PAD
    if grouped:
        peak = max((v for _l, values in rows for v in values), default=0)
        bar_h = 12
        row_h = row_height or (bar_h * len(series) + 10)
    else:
        peak = max((sum(values) for _l, values in rows), default=0)
        bar_h = 18
        row_h = row_height or 28
    top = nice_max(peak)
    scale = plot_w / top
    laid = []
    for index, (label, values) in enumerate(rows):
        y0 = TOP + index * row_h
        bars = []
        if grouped:
            for k, value in enumerate(values):
                y = y0 + 3 + k * bar_h
                bars.append(
                    Bar(plot_x, y, round(value * scale, 1), bar_h - 2, series[k][1], value, series[k][0])
                )
            end = max((b.w for b in bars), default=0)
        else:
            x = plot_x
            for k, value in enumerate(values):
                w = round(value * scale, 1)
                bars.append(
                    Bar(round(x, 1), y0 + (row_h - bar_h) / 2, w, bar_h, series[k][1], value, series[k][0])
                )
                x += w
            end = x - plot_x
        laid.append(
            RowGeometry(
                label=label,
                label_y=y0 + row_h / 2 + 4,
                bars=bars,
                total=sum(values),
                total_x=round(plot_x + end + 4, 1),
                total_y=y0 + row_h / 2 + 4,
            )
        )
    axis_y = TOP + len(rows) * row_h + 2
    step = tick_step(top)
    ticks = [(round(plot_x + plot_w * v / top, 1), _number(v)) for v in range(0, top + 1, step)]
    return Chart(
        width=WIDTH,
        height=int(axis_y + AXIS_H),
        rows=laid,
        ticks=ticks,
        axis_y=axis_y,
        plot_x=plot_x,
        plot_w=plot_w,
        series=series,
        grouped=grouped,
    )
