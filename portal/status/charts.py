"""Charts drawn server-side as SVG (pure: no Django, no JavaScript, nothing from a CDN).

Each function returns an ``<svg>`` element with a title and a description for screen readers; the pages also
offer the same numbers as a table.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Mapping, Sequence
from html import escape

PALETTE = ("#1351b4", "#168821", "#e52207", "#ffcd07", "#8a2be2", "#00838f", "#5c5c5c")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 16, 36


def _frame(title: str, description: str, body: list[str], *, height: int = HEIGHT) -> str:
    slug = f"g{zlib.crc32(title.encode()):08x}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" class="grafico" '
        'font-family="system-ui,sans-serif" font-size="12" fill="#333" '
        f'aria-labelledby="{slug}-t {slug}-d"><title id="{slug}-t">{escape(title)}</title>'
        f'<desc id="{slug}-d">{escape(description)}</desc>'
        f"{''.join(body)}</svg>"
    )


def _nice_max(value: float) -> float:
    """A round axis maximum; at least 4, so that the five ticks of a count axis are whole numbers."""
    if value <= 4:
        return 4.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _y_axis(top: float, bottom: float, maximum: float, *, percent: bool) -> list[str]:
    parts = []
    for i in range(5):
        value = maximum * i / 4
        y = bottom - (bottom - top) * i / 4
        label = f"{value:.0%}" if percent else f"{value:,.0f}".replace(",", ".")
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    return parts


def _x_labels(days: Sequence[dt.date], x_of: Callable[[int], float], bottom: float) -> list[str]:
    if not days:
        return []
    step = max(1, len(days) // 6)
    parts = []
    for index in range(0, len(days), step):
        x = x_of(index)
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16:.1f}" text-anchor="middle">{days[index]:%d/%m/%y}</text>')
    return parts


def _legend(labels: Sequence[str]) -> list[str]:
    parts = []
    for index, label in enumerate(labels):
        y = TOP + 14 + index * 18
        color = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 28}" y="{y}">{escape(label)}</text>')
    return parts


def line_chart(
    title: str, days: Sequence[dt.date], series: Mapping[str, Sequence[float]], *, percent: bool = False
) -> str:
    """One line per series over ``days`` (e.g. adoption per superintendência, week by week)."""
    bottom = HEIGHT - BOTTOM
    maximum = 1.0 if percent else _nice_max(max((max(v, default=0) for v in series.values()), default=0))
    span = max(len(days) - 1, 1)

    def x_of(index: int) -> float:
        return LEFT + (WIDTH - RIGHT - LEFT) * index / span

    body = _y_axis(TOP, bottom, maximum, percent=percent) + _x_labels(days, x_of, bottom)
    for index, (label, values) in enumerate(series.items()):
        points = " ".join(f"{x_of(i):.1f},{bottom - (bottom - TOP) * (v / maximum):.1f}" for i, v in enumerate(values))
        color = PALETTE[index % len(PALETTE)]
        body.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"><title>'
            f"{escape(label)}</title></polyline>"
        )
    body += _legend(list(series))
    last = "; ".join(
        f"{label}: {(values[-1] if values else 0):.0%}" if percent else f"{label}: {values[-1] if values else 0}"
        for label, values in series.items()
    )
    period = f"de {days[0]:%d/%m/%Y} a {days[-1]:%d/%m/%Y}" if days else "sem dados"
    return _frame(title, f"{title}, {period}. Último valor — {last}.", body)


def stacked_bars(title: str, days: Sequence[dt.date], stacks: Mapping[str, Sequence[int]]) -> str:
    """One bar per period, stacked by category (e.g. logins per week by method)."""
    bottom = HEIGHT - BOTTOM
    totals = [sum(values[i] for values in stacks.values()) for i in range(len(days))]
    maximum = _nice_max(max(totals, default=0))
    slot = (WIDTH - RIGHT - LEFT) / max(len(days), 1)

    def x_of(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    body = _y_axis(TOP, bottom, maximum, percent=False) + _x_labels(days, x_of, bottom)
    for i in range(len(days)):
        y: float = bottom
        for index, (label, values) in enumerate(stacks.items()):
            h = (bottom - TOP) * values[i] / maximum
            if h <= 0:
                continue
            y -= h
            color = PALETTE[index % len(PALETTE)]
            body.append(
                f'<rect x="{LEFT + slot * i + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{days[i]:%d/%m/%Y} — {escape(label)}: {values[i]}'
                "</title></rect>"
            )
    body += _legend(list(stacks))
    summary = "; ".join(f"{label}: {sum(values)}" for label, values in stacks.items())
    return _frame(title, f"{title}. Totais do período — {summary}.", body)


def horizontal_bars(title: str, items: Sequence[tuple[str, int]]) -> str:
    """One bar per item, largest first (e.g. refusals by error code)."""
    items = sorted(items, key=lambda item: (-item[1], item[0]))
    row = 22
    height = TOP + BOTTOM + row * max(len(items), 1)
    maximum = _nice_max(max((n for _, n in items), default=0))
    label_width = 190
    usable = WIDTH - label_width - 80
    body = []
    for index, (label, n) in enumerate(items):
        y = TOP + index * row
        w = usable * n / maximum
        body.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        body.append(f'<rect x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>')
        body.append(f'<text x="{label_width + w + 6:.1f}" y="{y + 15}">{n}</text>')
    if not items:
        body.append(f'<text x="{LEFT}" y="{TOP + 16}">Nenhuma tentativa recusada no período.</text>')
    summary = "; ".join(f"{label}: {n}" for label, n in items) or "nenhuma"
    return _frame(title, f"{title} — {summary}.", body, height=height)
