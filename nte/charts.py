"""The geometry of the server-drawn SVG charts: stacked bars against an average, and heat maps.

A chart is a picture of a table the page also offers, so each function takes the table's
numbers and returns only positions and levels; templates/_charts.html draws them with CSS
classes (no inline styles), so the dark theme and the tablet's width need nothing here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Bars", "Heat", "heat_map", "nice_max", "stacked_bars"]

WIDTH = 640
HEIGHT = 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 8, 12, 36


def nice_max(value: float) -> int:
    """A round top for an axis: 1, 2 or 5 times a power of ten, at least the value."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: int
    """Index of the series, for its colour class."""
    value: int


@dataclass
class Bars:
    width: int
    height: int
    rects: list[Rect]
    labels: list[tuple[float, str]]
    """(x, text) under each bar."""
    ticks: list[tuple[float, int]]
    """(y, value) of the axis lines."""
    line: str
    """The average as an SVG polyline's points ("" when there is none)."""
    top: int
    plot_left: int = PAD_LEFT
    plot_right: int = WIDTH - PAD_RIGHT
    base: int = HEIGHT - PAD_BOTTOM


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Sequence[int]],
    average: Sequence[float] = (),
) -> Bars:
    """Bars per label, each the stack of ``series[k][i]``; ``average`` a line over them."""
    n = len(labels)
    totals = [sum(s[i] for s in series) for i in range(n)]
    top = nice_max(max([*totals, *average, 0]))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(n, 1)
    bar_w = slot * 0.7
    base = HEIGHT - PAD_BOTTOM
    rects: list[Rect] = []
    for i in range(n):
        y = float(base)
        x = PAD_LEFT + i * slot + (slot - bar_w) / 2
        for k, values in enumerate(series):
            if values[i]:
                h = values[i] / top * plot_h
                y -= h
                rects.append(
                    Rect(round(x, 1), round(y, 1), round(bar_w, 1), round(h, 1), k, values[i])
                )
    points = [
        f"{PAD_LEFT + i * slot + slot / 2:.1f},{base - a / top * plot_h:.1f}"
        for i, a in enumerate(average)
    ]
    ticks = [(round(base - t / 4 * plot_h, 1), round(top * t / 4)) for t in range(5)]
    return Bars(
        width=WIDTH,
        height=HEIGHT,
        rects=rects,
        labels=[
            (round(PAD_LEFT + i * slot + slot / 2, 1), label) for i, label in enumerate(labels)
        ],
        ticks=ticks,
        line=" ".join(points),
        top=top,
    )


@dataclass
class Cell:
    x: int
    y: int
    level: int
    """0 (none) to 5 (the most), for its shade class."""
    value: int
    row: str
    column: str


@dataclass
class Heat:
    width: int
    height: int
    cell: int
    left: int
    cells: list[Cell] = field(default_factory=list)
    rows: list[tuple[int, str]] = field(default_factory=list)
    columns: list[tuple[int, str]] = field(default_factory=list)


def heat_map(
    rows: Sequence[str], columns: Sequence[str], grid: Sequence[Sequence[int]], *, cell: int = 24
) -> Heat:
    """A grid of shaded cells, ``grid[row][column]``; shades by fifths of the largest value."""
    left, top = 44, 20
    most = max((v for r in grid for v in r), default=0)
    heat = Heat(
        width=left + cell * len(columns), height=top + cell * len(rows), cell=cell, left=left
    )
    for r, name in enumerate(rows):
        heat.rows.append((top + r * cell + cell // 2, name))
        for c, column in enumerate(columns):
            value = grid[r][c]
            level = 0 if not value or not most else max(1, math.ceil(5 * value / most))
            heat.cells.append(Cell(left + c * cell, top + r * cell, level, value, name, column))
    heat.columns = [(left + c * cell + cell // 2, name) for c, name in enumerate(columns)]
    return heat
