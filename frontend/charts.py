"""Charts drawn on the server as inline SVG (no script, nothing to download): a line chart over
days and a horizontal bar chart, each with its axes, tick labels, legend and a title for screen
readers. Pages show the same figures in a table too."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Steps an axis may use: 1, 2 or 5 times a power of ten; for times, steps a person reads at a glance.
NUMBER_STEPS = tuple(base * 10**power for power in range(7) for base in (1, 2, 5))
DURATION_STEPS = (
    *(1, 2, 5, 10, 15, 30),  # seconds
    *(60 * m for m in (1, 2, 5, 10, 15, 30)),
    *(3600 * h for h in (1, 2, 3, 6, 12)),
    *(86400 * d for d in (1, 2, 7, 14, 30)),
)
MAX_TICKS = 5
FONT_SIZE = 12
LEGEND_HEIGHT = 24


@dataclass(frozen=True)
class Series:
    """One row of figures, drawn in `css_class`'s colour (see app.css: series-1, series-2)."""

    name: str
    values: Sequence[float]
    css_class: str


def axis_ticks(maximum: float, *, steps: Sequence[float] = NUMBER_STEPS) -> list[float]:
    """Tick values from 0 to at least `maximum`, at most MAX_TICKS steps of a readable size."""
    if maximum <= 0:
        return [0, steps[0]]
    step = next((step for step in steps if maximum / step <= MAX_TICKS), None)
    if step is None:  # beyond the table: keep the largest step's multiples
        step = steps[-1] * math.ceil(maximum / (steps[-1] * MAX_TICKS))
    top = math.ceil(maximum / step)
    return [step * n for n in range(top + 1)]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _line(css_class: str, *, x1: float, x2: float, y1: float, y2: float) -> str:
    return format_html(
        '<line class="{}" x1="{}" x2="{}" y1="{}" y2="{}"></line>', css_class, _fmt(x1), _fmt(x2), _fmt(y1), _fmt(y2)
    )


def _text(css_class: str, *, x: float, y: float, text: str, anchor: str = "start") -> str:
    return format_html(
        '<text class="{}" x="{}" y="{}" text-anchor="{}">{}</text>', css_class, _fmt(x), _fmt(y), anchor, text
    )


def _legend(series: Sequence[Series], *, x: float) -> str:
    items = []
    for item in series:
        items.append(
            format_html(
                '<rect class="swatch {}" x="{}" y="6" width="12" height="12" rx="2"></rect>'
                '<text x="{}" y="16">{}</text>',
                item.css_class,
                _fmt(x),
                _fmt(x + 16),
                item.name,
            )
        )
        # Width of the label, near enough for the system fonts' average glyph.
        x += 16 + len(item.name) * FONT_SIZE * 0.6 + 18
    return '<g class="legend">' + "".join(items) + "</g>"


def _open(*, chart_id: str, title: str, width: int, height: int) -> tuple[str, str]:
    head = format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{}-title" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="{}-title">{}</title>',
        width,
        height,
        chart_id,
        chart_id,
        title,
    )
    return head, "</svg>"


def line_chart(
    *,
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    format_value: Callable[[float], str] = _fmt,
    width: int = 960,
    height: int = 280,
) -> SafeString:
    """Values over evenly spaced points (days), one line per series; `x_labels` name the points."""
    left, right, top, bottom = 44, 32, LEGEND_HEIGHT + 12, 28
    plot_width, plot_height = width - left - right, height - top - bottom
    points = len(x_labels)
    ticks = axis_ticks(max((value for item in series for value in item.values), default=0))

    def x_of(index: int) -> float:
        return left + (plot_width * index / (points - 1) if points > 1 else plot_width / 2)

    def y_of(value: float) -> float:
        return top + plot_height - plot_height * value / ticks[-1]

    parts = [_legend(series, x=left)]
    for tick in ticks:
        y = y_of(tick)
        parts.append(_line("grid", x1=left, x2=width - right, y1=y, y2=y))
        parts.append(_text("tick", x=left - 6, y=y + 4, text=format_value(tick), anchor="end"))
    # At most about eight labels under the axis, whatever the number of days, counted back from
    # the last point (today), which is always labelled.
    every = max(1, math.ceil(points / 8))
    for index, label in enumerate(x_labels):
        if (points - 1 - index) % every == 0:
            parts.append(_text("tick", x=x_of(index), y=height - 8, text=label, anchor="middle"))
    parts.append(_line("axis", x1=left, x2=width - right, y1=y_of(0), y2=y_of(0)))
    for item in series:
        coordinates = [(x_of(index), y_of(value)) for index, value in enumerate(item.values)]
        parts.append(
            format_html(
                '<polyline class="line {}" points="{}"></polyline>',
                item.css_class,
                " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coordinates),
            )
        )
        for (x, y), label, value in zip(coordinates, x_labels, item.values, strict=True):
            parts.append(
                format_html(
                    '<circle class="point {}" cx="{}" cy="{}" r="3"><title>{} · {}: {}</title></circle>',
                    item.css_class,
                    _fmt(x),
                    _fmt(y),
                    label,
                    item.name,
                    format_value(value),
                )
            )
    head, tail = _open(chart_id=chart_id, title=title, width=width, height=height)
    return mark_safe(head + "".join(parts) + tail)  # noqa: S308  (every piece is escaped by format_html)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    format_value: Callable[[float], str] = _fmt,
    steps: Sequence[float] = NUMBER_STEPS,
    width: int = 960,
) -> SafeString:
    """Horizontal bars, one group per category (a channel, an agent), one bar per series."""
    label_width, right, top, bottom = 170, 56, LEGEND_HEIGHT + 8, 26
    bar_height, bar_gap, group_gap = 16, 4, 14
    group_height = len(series) * (bar_height + bar_gap) - bar_gap
    plot_height = max(1, len(categories)) * (group_height + group_gap)
    height = top + plot_height + bottom
    plot_width = width - label_width - right
    ticks = axis_ticks(max((value for item in series for value in item.values), default=0), steps=steps)

    def x_of(value: float) -> float:
        return label_width + plot_width * value / ticks[-1]

    parts = [_legend(series, x=label_width)]
    for tick in ticks:
        x = x_of(tick)
        parts.append(_line("grid", x1=x, x2=x, y1=top, y2=top + plot_height))
        parts.append(_text("tick", x=x, y=height - 8, text=format_value(tick), anchor="middle"))
    for row, category in enumerate(categories):
        group_top = top + row * (group_height + group_gap) + group_gap / 2
        shown = category if len(category) <= 24 else category[:23] + "…"
        parts.append(
            format_html(
                '<text class="category" x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>',
                label_width - 8,
                _fmt(group_top + group_height / 2 + FONT_SIZE / 3),
                category,
                shown,
            )
        )
        for position, item in enumerate(series):
            value = item.values[row]
            y = group_top + position * (bar_height + bar_gap)
            bar_width = max(x_of(value) - label_width, 1 if value else 0)
            parts.append(
                format_html(
                    '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}" rx="2"><title>{} · {}: {}</title></rect>'
                    '<text class="value" x="{}" y="{}">{}</text>',
                    item.css_class,
                    label_width,
                    _fmt(y),
                    _fmt(bar_width),
                    bar_height,
                    category,
                    item.name,
                    format_value(value),
                    _fmt(label_width + bar_width + 4),
                    _fmt(y + bar_height - 4),
                    format_value(value),
                )
            )
    parts.append(_line("axis", x1=label_width, x2=label_width, y1=top, y2=top + plot_height))
    head, tail = _open(chart_id=chart_id, title=title, width=width, height=height)
    return mark_safe(head + "".join(parts) + tail)  # noqa: S308  (every piece is escaped by format_html)
