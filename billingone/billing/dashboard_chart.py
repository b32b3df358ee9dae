"""The Dashboard's charts as plain geometry for server-rendered SVG: no chart library, no script.

The plot is an SVG whose viewBox is stretched to its box (`preserveAspectRatio="none"`, strokes
that do not scale), so it fills a phone or a laptop alike; every label is HTML beside it, so text
never shrinks with the drawing. Colours come from CSS classes over the branding variables.
Five gridlines at 0, ¼, ½, ¾ and the top of a "nice" scale line up with a column of labels spaced
evenly, which needs no inline style (the Content Security Policy forbids those).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

WIDTH_PER_MONTH = 100
HEIGHT = 400
BAR_WIDTH = 56
STEPS = 4
NICE = (1, 2, 2.5, 5, 10)


def nice_step(top: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ step such that four steps reach `top`."""
    if top <= 0:
        return Decimal(1)
    raw = float(top) / STEPS
    power = 10 ** math.floor(math.log10(raw))
    step = next(n * power for n in NICE if n * power >= raw)
    return Decimal(str(step))


def short_amount(value: Decimal) -> str:
    """12 500 → "12.5k": axis labels that fit a phone."""
    number = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{number:.0f}"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "Nov"
    title: str  # what a hover or a screen reader says
    current: bool


@dataclass(frozen=True)
class MonthChart:
    bars: list[Bar]
    cost_points: str  # the cost line's polyline points; empty when no cost is known
    ticks: list[str]  # axis labels, top first
    width: int
    height: int


def _y(value: Decimal, top: Decimal) -> float:
    return round(HEIGHT - float(max(value, Decimal(0)) / top) * HEIGHT, 2)


def month_chart(figures, *, show_cost: bool) -> MonthChart:
    """Billed per month as bars, vendor cost as a line across the months' centres."""
    top = max([Decimal(0), *(p.billed for p in figures.months), *(p.cost for p in figures.months if show_cost)])
    step = nice_step(top)
    scale = step * STEPS
    bars, points = [], []
    last = len(figures.months) - 1
    for index, point in enumerate(figures.months):
        y = _y(point.billed, scale)
        title = f"{point.month:%b %Y}: billed {point.billed:,.2f}"
        if show_cost:
            margin = f" ({point.margin_percent}%)" if point.margin_percent is not None else ""
            title += f", cost {point.cost:,.2f}, margin {point.margin:,.2f}{margin}"
        x = index * WIDTH_PER_MONTH + (WIDTH_PER_MONTH - BAR_WIDTH) / 2
        bars.append(Bar(x, y, BAR_WIDTH, round(HEIGHT - y, 2), point.short, title, index == last))
        points.append(f"{index * WIDTH_PER_MONTH + WIDTH_PER_MONTH / 2:g},{_y(point.cost, scale)}")
    ticks = [short_amount(step * n) for n in range(STEPS, -1, -1)]
    width = WIDTH_PER_MONTH * len(figures.months)
    return MonthChart(bars, " ".join(points) if show_cost else "", ticks, width, HEIGHT)


@dataclass(frozen=True)
class Split:
    """Open leakage against money recovered, as two bar lengths out of 100."""

    open_width: float
    recovered_width: float


def leakage_split(open_amount: Decimal, recovered: Decimal) -> Split:
    top = max(open_amount, recovered)
    if top <= 0:
        return Split(0, 0)
    return Split(round(float(open_amount / top) * 100, 2), round(float(recovered / top) * 100, 2))
