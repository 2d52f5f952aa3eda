"""The arithmetic of the status charts (pure): round axis ticks, text widths and wrapping, lines kept apart.

The charts are drawn on the server, so the browser's font metrics are not known: text is measured with a
conservative per-character table (at least the advance widths of DejaVu Sans, the widest of the sans-serif fonts
the pages fall back to — Arial, Roboto, Segoe UI and Rawline are narrower), and wrapped to fit its box.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

#: Advance widths in em, rounded up over each group of characters (measured for DejaVu Sans).
_WIDE = frozenset("mwMW@%—…")
_NARROW = frozenset(" .,:;'|ijlí·")
_SLIM = frozenset("()[]frt-/!")


def char_width(char: str) -> float:
    """The width of ``char`` in em (an upper bound for the sans-serif fonts the pages use)."""
    if char in _WIDE:
        return 1.0
    if char in _NARROW:
        return 0.34
    if char in _SLIM:
        return 0.42
    base = unicodedata.normalize("NFD", char)[:1]
    if base.isdigit() or base.islower():
        return 0.64
    if base.isupper():
        return 0.79
    return 0.84


def text_width(text: str, font_size: float) -> float:
    """The width ``text`` takes at ``font_size`` (user units), never less than a browser would draw."""
    return font_size * sum(char_width(c) for c in text)


def wrap(text: str, max_width: float, font_size: float) -> list[str]:
    """``text`` in lines no wider than ``max_width``: broken between words, and inside a word only when the word
    alone is wider than the box (after a hyphen or a slash if one fits: "Norte/Centro-" "Oeste")."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font_size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while text_width(word, font_size) > max_width:
            cut = max(1, _fitting_prefix(word, max_width, font_size))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def _fitting_prefix(word: str, max_width: float, font_size: float) -> int:
    """How many leading characters of ``word`` fit: up to the last hyphen or slash that fits, else as many as fit."""
    width = 0.0
    after_separator = 0
    for index, char in enumerate(word):
        width += char_width(char) * font_size
        if width > max_width:
            return after_separator or index
        if char in "-/":
            after_separator = index + 1
    return len(word)


def nice_step(raw: float) -> float:
    """The smallest round step (1, 2 or 5 × 10ᵏ) at least ``raw``."""
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if step >= raw * (1 - 1e-9):
            return float(step)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def nice_ticks(maximum: float, *, max_ticks: int = 6, whole: bool = True, at_least: float = 0.0) -> list[float]:
    """Axis ticks from 0 in round steps (1-2-5 × 10ᵏ), the last one at or above ``maximum``: at most ``max_ticks``
    ticks. ``whole``: counts (steps of at least 1). ``at_least``: the axis goes at least this high."""
    top = max(maximum, at_least)
    if top <= 0:
        top = 1.0
    step = nice_step(top / (max_ticks - 1))
    if whole:
        step = max(step, 1.0)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def spread(positions: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """``positions`` (pixels on one axis) moved as little as possible so that any two are at least ``gap`` apart,
    kept between ``low`` and ``high``: lines that coincide (equal values) or nearly do are drawn side by side.

    Each group of points too close together is centred on the mean of their true positions and, if it would cross
    ``low`` or ``high``, slid inside; groups that then touch are merged, until none do. Ties keep the input order.
    """
    order = sorted(range(len(positions)), key=lambda i: (positions[i], i))
    clusters: list[list[int]] = []
    for index in order:
        clusters.append([index])
        while len(clusters) > 1:
            previous, last = clusters[-2], clusters[-1]
            if (
                _start(previous, positions, gap, low, high) + len(previous) * gap
                <= _start(last, positions, gap, low, high) + 1e-9
            ):
                break
            clusters[-2:] = [previous + last]
    placed = list(positions)
    for cluster in clusters:
        start = _start(cluster, positions, gap, low, high)
        for rank, index in enumerate(cluster):
            placed[index] = start + rank * gap
    return placed


def _start(cluster: list[int], positions: Sequence[float], gap: float, low: float, high: float) -> float:
    """Where the first point of ``cluster`` goes: the group centred on its members' mean, inside [low, high]."""
    span = (len(cluster) - 1) * gap
    centre = sum(positions[i] for i in cluster) / len(cluster)
    start = centre - span / 2
    if start + span > high:
        start = high - span
    return max(start, low) if span <= high - low else low + (high - low - span) / 2
