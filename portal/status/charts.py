"""Charts drawn server-side as SVG (pure: no Django, no JavaScript, nothing from a CDN).

Each function returns an ``<svg>`` element with a title and a description for screen readers; the pages also
offer the same numbers as a table. Every chart is drawn for two screens (``WIDE``, ``NARROW``): the page shows the
one that fits, so the text stays readable on a phone (a 720-unit chart shrunk to 330 px drew 5 px letters).

Readable by construction (``chart_layout``): axis ticks in round steps; every text measured conservatively and
wrapped to its box (legend entries, bar labels); each line with its own colour, dash pattern and marker, and lines
with equal (or nearly equal) values drawn side by side instead of on top of each other.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from portal.status.chart_layout import nice_ticks, spread, text_width, wrap

#: Line and bar colours: each at least 4.5:1 against white (WCAG 1.4.11 asks 3:1 of graphics).
PALETTE = ("#1351b4", "#168821", "#e52207", "#b54d00", "#8a2be2", "#00838f", "#5c5c5c")
#: Dash patterns and marker shapes, so that lines are told apart without colour (WCAG 1.4.1).
DASHES = ("", "8 4", "2 3", "10 3 2 3", "5 2", "1 3", "12 4 4 4")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "plus", "cross")
LINE_WIDTH = 2.0
#: The least distance between two lines' centres: lines with equal values are drawn this far apart.
LINE_GAP = 3.0
PLOT_HEIGHT = 200
SWATCH = 26  #: legend key width (line with its marker, or a square)


@dataclass(frozen=True)
class Layout:
    """One screen's drawing: the width of the viewBox, the font size and where the legend goes."""

    name: str  #: in the class (``grafico--<name>``) and element ids
    width: int
    font_size: int
    legend_below: bool
    legend_width: int = 0  #: beside the plot (``legend_below`` False)

    @property
    def line_height(self) -> float:
        return round(self.font_size * 1.3, 1)


#: Desktop and tablets: legend on the right.
WIDE = Layout("largo", 720, 12, legend_below=False, legend_width=180)
#: Phones (shown at about 330 px: 13-unit text is drawn at 12 px): legend under the plot.
NARROW = Layout("estreito", 360, 13, legend_below=True)
LAYOUTS = (WIDE, NARROW)


def _frame(title: str, description: str, body: list[str], layout: Layout, height: float) -> str:
    slug = f"g{zlib.crc32(title.encode()):08x}-{layout.name}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width} {math.ceil(height)}" role="img" '
        f'class="grafico grafico--{layout.name}" font-family="system-ui,sans-serif" font-size="{layout.font_size}" '
        f'fill="#333" aria-labelledby="{slug}-t {slug}-d"><title id="{slug}-t">{escape(title)}</title>'
        f'<desc id="{slug}-d">{escape(description)}</desc>'
        f"{''.join(body)}</svg>"
    )


def _count(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _tick_label(value: float, *, percent: bool) -> str:
    return f"{value:.0%}" if percent else _count(value)


def _ticks(maximum: float, *, percent: bool) -> list[float]:
    if percent:
        return nice_ticks(max(maximum, 1.0), whole=False)
    return nice_ticks(maximum, at_least=4)  # a nearly empty count axis still reads 0, 1, 2, 3, 4


def _text(x: float, y: float, lines: Sequence[str], line_height: float, anchor: str = "start") -> str:
    """One ``<text>``, a ``<tspan>`` per line (the first on the baseline ``y``)."""
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    if len(lines) == 1:
        return f'<text x="{x:.1f}" y="{y:.1f}"{anchor_attr}>{escape(lines[0])}</text>'
    spans = []
    for i, line in enumerate(lines):
        dy = "" if i == 0 else f' dy="{line_height}"'
        spans.append(f'<tspan x="{x:.1f}"{dy}>{escape(line)}</tspan>')
    return f'<text x="{x:.1f}" y="{y:.1f}"{anchor_attr}>{"".join(spans)}</text>'


@dataclass(frozen=True)
class _Plot:
    layout: Layout
    left: float
    right: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _plot(layout: Layout, ticks: Sequence[float], *, percent: bool) -> _Plot:
    widest = max(text_width(_tick_label(t, percent=percent), layout.font_size) for t in ticks)
    left = math.ceil(widest) + 12
    right = layout.width - (layout.legend_width if not layout.legend_below else 16)
    top = layout.font_size  # room for the top tick's label
    return _Plot(layout, left, right, top, top + PLOT_HEIGHT)


def _y_axis(plot: _Plot, ticks: Sequence[float], *, percent: bool) -> list[str]:
    parts = []
    for value in ticks:
        y = plot.bottom - plot.height * value / ticks[-1]
        parts.append(f'<line x1="{plot.left}" x2="{plot.right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{plot.left - 6}" y="{y + plot.layout.font_size / 3:.1f}" text-anchor="end">'
            f"{_tick_label(value, percent=percent)}</text>"
        )
    return parts


def _x_labels(days: Sequence[dt.date], x_of: Callable[[int], float], plot: _Plot) -> list[str]:
    """Dates under the plot, as many as fit side by side, each kept inside the chart."""
    if not days:
        return []
    layout = plot.layout
    label_width = text_width("00/00/00", layout.font_size)
    fitting = max(1, int((plot.right - plot.left) // (label_width + 12)) + 1)
    step = max(1, math.ceil(len(days) / fitting))
    parts = []
    for index in range(0, len(days), step):
        x = min(max(x_of(index), label_width / 2 + 2), layout.width - label_width / 2 - 2)
        y = plot.bottom + layout.font_size + 6
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{days[index]:%d/%m/%y}</text>')
    return parts


def _marker(shape: str, x: float, y: float, color: str, size: float = 3.5) -> str:
    """A small shape at (x, y): filled ones with a white edge, strokes for "plus" and "cross"."""
    s, t = size, size * 1.25

    def path(*points: tuple[float, float]) -> str:
        return "M" + "L".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in points) + "z"

    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s:.1f}" fill="{color}" stroke="#fff" stroke-width="1"/>'
    if shape in ("plus", "cross"):
        a, b = ((t, 0), (0, t)) if shape == "plus" else ((s, s), (s, -s))
        strokes = f"M{x - a[0]:.1f},{y - a[1]:.1f}L{x + a[0]:.1f},{y + a[1]:.1f}"
        strokes += f"M{x - b[0]:.1f},{y - b[1]:.1f}L{x + b[0]:.1f},{y + b[1]:.1f}"
        return f'<path d="{strokes}" stroke="{color}" stroke-width="2" fill="none"/>'
    outline = {
        "square": path((-s, -s), (s, -s), (s, s), (-s, s)),
        "triangle": path((0, -t), (t, s), (-t, s)),
        "triangle-down": path((0, t), (t, -s), (-t, -s)),
        "diamond": path((0, -t), (t, 0), (0, t), (-t, 0)),
    }[shape]
    return f'<path d="{outline}" fill="{color}" stroke="#fff" stroke-width="1"/>'


def _dash(index: int) -> str:
    dash = DASHES[index % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


@dataclass(frozen=True)
class _LegendEntry:
    label: str
    key: Callable[[float, float], str]  #: draws the key centred at (x, y)


def _legend(entries: Sequence[_LegendEntry], layout: Layout, x0: float, y0: float) -> tuple[list[str], float]:
    """The legend from (x0, y0) down: key, then the label wrapped to what is left of the chart's width. Returns the
    parts and the height taken."""
    text_x = x0 + SWATCH + 6
    available = layout.width - text_x - 4
    parts: list[str] = []
    y = y0
    for entry in entries:
        lines = wrap(entry.label, available, layout.font_size)
        baseline = y + layout.font_size
        parts.append(entry.key(x0 + SWATCH / 2, baseline - layout.font_size / 3))
        parts.append(_text(text_x, baseline, lines, layout.line_height))
        y += len(lines) * layout.line_height + 6
    return parts, y - y0


def line_chart(
    title: str,
    days: Sequence[dt.date],
    series: Mapping[str, Sequence[float]],
    *,
    percent: bool = False,
    layout: Layout = WIDE,
) -> str:
    """One line per series over ``days`` (e.g. adoption per superintendência, week by week)."""
    maximum = max((max(v, default=0) for v in series.values()), default=0)
    ticks = _ticks(maximum, percent=percent)
    plot = _plot(layout, ticks, percent=percent)
    span = max(len(days) - 1, 1)

    def x_of(index: int) -> float:
        return plot.left + (plot.right - plot.left) * index / span

    body = _y_axis(plot, ticks, percent=percent) + _x_labels(days, x_of, plot)
    labels = list(series)
    true_y = [[plot.bottom - plot.height * v / ticks[-1] for v in series[label]] for label in labels]
    drawn_y = [list(ys) for ys in true_y]
    for i in range(max((len(ys) for ys in true_y), default=0)):
        present = [s for s, ys in enumerate(true_y) if i < len(ys)]
        placed = spread([true_y[s][i] for s in present], LINE_GAP, plot.top, plot.bottom)
        for s, y in zip(present, placed, strict=True):
            drawn_y[s][i] = y
    for index, label in enumerate(labels):
        color = PALETTE[index % len(PALETTE)]
        shape = MARKERS[index % len(MARKERS)]
        points = " ".join(f"{x_of(i):.1f},{y:.1f}" for i, y in enumerate(drawn_y[index]))
        markers = "".join(_marker(shape, x_of(i), y, color) for i, y in enumerate(drawn_y[index]))
        body.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="{LINE_WIDTH}"{_dash(index)} points="{points}">'
            f"<title>{escape(label)}</title></polyline>{markers}"
        )

    def line_key(index: int) -> Callable[[float, float], str]:
        color, shape = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
        return lambda x, y: (
            f'<line x1="{x - SWATCH / 2:.1f}" x2="{x + SWATCH / 2:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" '
            f'stroke-width="{LINE_WIDTH}"{_dash(index)}/>' + _marker(shape, x, y, color)
        )

    entries = [_LegendEntry(label, line_key(i)) for i, label in enumerate(labels)]
    height = _place_legend(body, entries, plot)
    last = "; ".join(
        f"{label}: {(values[-1] if values else 0):.0%}" if percent else f"{label}: {values[-1] if values else 0}"
        for label, values in series.items()
    )
    period = f"de {days[0]:%d/%m/%Y} a {days[-1]:%d/%m/%Y}" if days else "sem dados"
    return _frame(title, f"{title}, {period}. Último valor — {last}.", body, layout, height)


def _place_legend(body: list[str], entries: Sequence[_LegendEntry], plot: _Plot) -> float:
    """Adds the legend beside or under the plot; returns the chart's height."""
    layout = plot.layout
    under_plot = plot.bottom + layout.font_size + 14
    if layout.legend_below:
        parts, taken = _legend(entries, layout, 8, under_plot + 4)
        body += parts
        return under_plot + 4 + taken
    parts, taken = _legend(entries, layout, plot.right + 14, plot.top)
    body += parts
    return max(under_plot, plot.top + taken)


def _square_key(color: str) -> Callable[[float, float], str]:
    return lambda x, y: f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{color}"/>'


def stacked_bars(
    title: str, days: Sequence[dt.date], stacks: Mapping[str, Sequence[int]], *, layout: Layout = WIDE
) -> str:
    """One bar per period, stacked by category (e.g. logins per week by method)."""
    totals = [sum(values[i] for values in stacks.values()) for i in range(len(days))]
    ticks = _ticks(max(totals, default=0), percent=False)
    plot = _plot(layout, ticks, percent=False)
    slot = (plot.right - plot.left) / max(len(days), 1)

    def x_of(index: int) -> float:
        return plot.left + slot * (index + 0.5)

    body = _y_axis(plot, ticks, percent=False) + _x_labels(days, x_of, plot)
    for i in range(len(days)):
        y: float = plot.bottom
        for index, (label, values) in enumerate(stacks.items()):
            h = plot.height * values[i] / ticks[-1]
            if h <= 0:
                continue
            y -= h
            color = PALETTE[index % len(PALETTE)]
            body.append(
                f'<rect x="{plot.left + slot * i + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{days[i]:%d/%m/%Y} — {escape(label)}: {values[i]}'
                "</title></rect>"
            )
    entries = [_LegendEntry(label, _square_key(PALETTE[i % len(PALETTE)])) for i, label in enumerate(stacks)]
    height = _place_legend(body, entries, plot)
    summary = "; ".join(f"{label}: {sum(values)}" for label, values in stacks.items())
    return _frame(title, f"{title}. Totais do período — {summary}.", body, layout, height)


#: Bar labels beside the bars (WIDE) wrap at this width.
BAR_LABEL_WIDTH = 250
BAR_HEIGHT = 14


def horizontal_bars(title: str, items: Sequence[tuple[str, int]], *, layout: Layout = WIDE) -> str:
    """One bar per item, largest first (e.g. refusals by reason); labels wrapped, never cut."""
    items = sorted(items, key=lambda item: (-item[1], item[0]))
    fs, line_height = layout.font_size, layout.line_height
    maximum = max((n for _, n in items), default=0) or 1
    count_width = text_width(_count(maximum), fs) + 8
    body: list[str] = []
    y = 8.0
    if layout.legend_below:  # phones: each label on its own line(s), its bar under it across the chart
        label_x, bar_x = 8.0, 8.0
    else:
        widest = max((text_width(label, fs) for label, _ in items), default=0)
        label_x = min(widest, BAR_LABEL_WIDTH) + 8
        bar_x = label_x + 8
    usable = layout.width - bar_x - count_width - 4
    for label, n in items:
        w = usable * n / maximum
        if layout.legend_below:
            lines = wrap(label, layout.width - 16, fs)
            body.append(_text(label_x, y + fs, lines, line_height))
            bar_y = y + len(lines) * line_height + 4
            y = bar_y + BAR_HEIGHT + 12
        else:
            lines = wrap(label, BAR_LABEL_WIDTH, fs)
            text_height = len(lines) * line_height
            row = max(text_height, BAR_HEIGHT) + 10
            body.append(_text(label_x, y + (row - text_height) / 2 + fs - 2, lines, line_height, anchor="end"))
            bar_y = y + (row - BAR_HEIGHT) / 2
            y += row
        body.append(
            f'<rect x="{bar_x:.1f}" y="{bar_y:.1f}" width="{w:.1f}" height="{BAR_HEIGHT}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {n}</title></rect>"
        )
        body.append(f'<text x="{bar_x + w + 6:.1f}" y="{bar_y + BAR_HEIGHT - 2:.1f}">{_count(n)}</text>')
    if not items:
        lines = wrap("Nenhuma tentativa recusada no período.", layout.width - 16, fs)
        body.append(_text(8, y + fs, lines, line_height))
        y += len(lines) * line_height + 8
    summary = "; ".join(f"{label}: {n}" for label, n in items) or "nenhuma"
    return _frame(title, f"{title} — {summary}.", body, layout, y + 8)
