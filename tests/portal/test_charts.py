"""The status pages' SVG charts (pure)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from portal.status import chart_layout, charts

WEEKS = [dt.date(2026, 9, 7) + dt.timedelta(weeks=n) for n in range(4)]
SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  # our own output


def test_line_chart_is_accessible_svg_with_one_line_per_series_and_the_last_values_described():
    root = parse(charts.line_chart("Adesão", WEEKS, {"Sudeste I": [1, 2, 3, 5], "Sul": [0, 0, 1, 1]}))
    assert root.get("role") == "img"
    assert len(root.findall(f"{SVG}polyline")) == 2
    description = root.find(f"{SVG}desc").text
    assert "07/09/2026" in description and "Sudeste I: 5" in description and "Sul: 1" in description


def test_stacked_bars_draw_a_bar_per_nonzero_value_and_totals():
    root = parse(charts.stacked_bars("Logins", WEEKS, {"Certificado A3": [3, 0, 2, 1], "Senha": [1, 1, 0, 0]}))
    assert len(root.findall(f"{SVG}rect")) == 5 + 2  # five bars, two legend keys
    assert "Certificado A3: 6; Senha: 2" in root.find(f"{SVG}desc").text


def test_horizontal_bars_sort_largest_first_and_say_when_empty():
    root = parse(charts.horizontal_bars("Recusas", [("CERT_EXPIRED", 2), ("MEMBER_UNKNOWN", 7)]))
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert labels.index("MEMBER_UNKNOWN") < labels.index("CERT_EXPIRED")
    assert "Nenhuma tentativa recusada" in charts.horizontal_bars("Recusas", [])


def test_text_is_escaped():
    svg = charts.horizontal_bars("<script>", [("<b>x</b>", 1)])
    assert "<script>" not in svg and "&lt;b&gt;" in svg
    parse(svg)


def test_no_inline_style_elements_a_strict_content_security_policy_would_block():
    svgs = [
        charts.line_chart("a", WEEKS, {"x": [1, 2, 3, 4]}),
        charts.stacked_bars("b", WEEKS, {"x": [1, 2, 3, 4]}),
        charts.horizontal_bars("c", [("x", 1)]),
    ]
    assert not any("<style" in svg or "style=" in svg for svg in svgs)


def test_a_small_count_axis_has_distinct_whole_number_ticks():
    root = parse(charts.stacked_bars("Logins", WEEKS, {"Senha": [1, 0, 0, 1]}))
    ticks = [t.text for t in root.findall(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["0", "1", "2", "3", "4"]


# ---------------------------------------------------------------------------------------------- readable charts
# (issue 15: equal lines drawn as one, ticks 12/25/38, a clipped legend entry, 5 px text on a phone)

LAYOUTS = (charts.WIDE, charts.NARROW)


def tick_labels(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.findall(f"{SVG}text") if t.get("text-anchor") == "end"]


def is_round_step(step: float) -> bool:
    """1, 2 or 5 times a power of ten."""
    magnitude = 10 ** math.floor(math.log10(step))
    return any(math.isclose(step, factor * magnitude) for factor in (1, 2, 5))


@pytest.mark.parametrize("maximum", [1, 3, 4, 5, 8, 10, 12, 38, 50, 99, 101, 250, 497, 1842, 12_345])
def test_count_ticks_are_round_steps_from_zero_to_at_least_the_maximum(maximum):
    ticks = chart_layout.nice_ticks(maximum)
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert ticks[0] == 0 and ticks[-1] >= maximum and len(ticks) <= 6, ticks
    assert len(steps) == 1, ticks
    step = steps.pop()
    assert step >= 1 and step == int(step) and is_round_step(step), ticks


def test_the_axes_the_issue_saw_read_in_round_numbers():
    # 38 was drawn as 0/12/25/38/50 and 10 as 0/2/5/8/10 (quarters of a "nice" maximum, then rounded).
    root = parse(charts.stacked_bars("Logins", WEEKS, {"Senha": [38, 0, 0, 1]}))
    assert tick_labels(root) == ["0", "10", "20", "30", "40"]
    root = parse(charts.stacked_bars("Logins", WEEKS, {"Senha": [10, 0, 0, 1]}))
    assert tick_labels(root) == ["0", "2", "4", "6", "8", "10"]
    root = parse(charts.line_chart("Adesão", WEEKS, {"Sul": [0.1, 0.2, 0.3, 0.45]}, percent=True))
    assert tick_labels(root) == ["0%", "20%", "40%", "60%", "80%", "100%"]


def polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    return [
        [tuple(float(v) for v in point.split(",")) for point in line.get("points", "").split()]  # type: ignore[misc]
        for line in root.findall(f"{SVG}polyline")
    ]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_three_regions_with_equal_values_draw_three_visible_distinct_lines(layout):
    equal = [10, 20, 20, 30]
    root = parse(
        charts.line_chart("Adesão", WEEKS, {"Sudeste II": equal, "Sudeste III": equal, "Sul": equal}, layout=layout)
    )
    lines = polylines(root)
    assert len(lines) == 3
    for i, points in enumerate(zip(*lines, strict=True)):
        ys = sorted(y for _, y in points)
        gaps = [b - a for a, b in itertools.pairwise(ys)]
        # Each line shows beside the others (centres farther apart than a line is wide), none hidden under another.
        assert min(gaps) >= charts.LINE_WIDTH, (i, ys)
        assert max(ys) - min(ys) <= 2 * charts.LINE_GAP + 0.01, f"lines pushed farther apart than needed: {ys}"
    # Told apart without colour too: a dash pattern and a marker shape of their own.
    dashes = [line.get("stroke-dasharray", "") for line in root.findall(f"{SVG}polyline")]
    assert len(set(dashes)) == 3, dashes
    assert len(set(charts.MARKERS[:3])) == 3


def test_lines_that_do_not_touch_are_drawn_where_their_values_are():
    root = parse(charts.line_chart("Adesão", WEEKS, {"A": [0, 10, 20, 40], "B": [40, 30, 20, 0]}))
    (a, b) = polylines(root)
    bottom, top = a[0][1], b[0][1]  # 0 and 40 (the axis' top)
    for points, values in ((a, [0, 10, 20, 40]), (b, [40, 30, 20, 0])):
        for i, ((_, y), value) in enumerate(zip(points, values, strict=True)):
            if i == 2:  # both at 20: side by side around the true position
                assert (
                    abs(y - (bottom + (top - bottom) * value / 40)) <= charts.LINE_GAP / 2 + 0.06
                )  # (coordinates have one decimal)
            else:
                assert y == pytest.approx(bottom + (top - bottom) * value / 40, abs=0.05)


def test_equal_lines_at_zero_stay_inside_the_plot():
    root = parse(charts.line_chart("Adesão", WEEKS, {name: [0, 0, 0, 0] for name in "ABCDEF"}))
    ys = {y for line in polylines(root) for _, y in line}
    axis = max(float(t.get("y1", 0)) for t in root.findall(f"{SVG}line"))  # the zero grid line
    assert max(ys) <= axis + 0.01 and len(ys) == 6


def text_extents(root: ET.Element, font_size: float) -> list[tuple[str, float, float]]:
    """(line, left, right) for every line of text the chart draws, measured conservatively."""
    found = []
    for text in root.iter(f"{SVG}text"):
        anchor = text.get("text-anchor", "start")
        spans = text.findall(f"{SVG}tspan") or [text]
        for span in spans:
            line = span.text or ""
            x = float(span.get("x", text.get("x", "0")))
            width = chart_layout.text_width(line, font_size)
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            found.append((line, left, left + width))
    return found


LONG_LABELS = {
    "Certificado A3": [3, 0, 2, 1],
    "Certificado A3 em nuvem": [1, 2, 0, 1],
    "Senha": [1, 1, 0, 0],
}
REFUSALS = [
    ("Não foi possível verificar a revogação do certificado", 4),
    ("Inscrição na OAB diferente da cadastrada", 5),
    ("Certificado vencido", 27),
    ("CERT_REVOCATION_UNKNOWN", 1),  # a code with no text yet: one long word
]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
@pytest.mark.parametrize(
    "draw",
    [
        lambda layout: charts.stacked_bars("Logins", WEEKS, LONG_LABELS, layout=layout),
        lambda layout: charts.line_chart(
            "Adesão", WEEKS, {"Norte/Centro-Oeste": [1, 2, 3, 4], "Sul": [1] * 4}, layout=layout
        ),
        lambda layout: charts.horizontal_bars("Recusas", REFUSALS, layout=layout),
        lambda layout: charts.horizontal_bars("Recusas", [], layout=layout),
    ],
    ids=["legenda", "linhas", "barras", "vazio"],
)
def test_no_text_leaves_the_chart_and_legend_entries_are_whole(layout, draw):
    root = parse(draw(layout))
    width = float(root.get("viewBox", "").split()[2])
    height = float(root.get("viewBox", "").split()[3])
    assert width == layout.width
    for line, left, right in text_extents(root, layout.font_size):
        assert left >= 0 and right <= width, f"{line!r} drawn from {left:.1f} to {right:.1f} in a {width} box"
    for text in root.iter(f"{SVG}text"):
        assert float(text.get("y", "0")) + len(text.findall(f"{SVG}tspan")) * layout.line_height <= height
    drawn = " ".join(line for line, _, _ in text_extents(root, layout.font_size))
    if "Logins" in root.find(f"{SVG}title").text:
        assert "Certificado A3 em" in drawn and "nuvem" in drawn  # "Certificado A3 em nu" was all there was


#: Advance widths (em) of whole labels in DejaVu Sans, the widest sans-serif the pages fall back to, measured in
#: Chromium (canvas measureText): the estimate must never be narrower.
DEJAVU_SANS_EM = {
    "Certificado A3 em nuvem": 12.7456,
    "Norte/Centro-Oeste": 9.769,
    "Não foi possível verificar a revogação do certificado": 25.9868,
    "MWmw@%—…": 7.5938,
    "1.842": 2.8628,
    "CERT_REVOCATION_UNKNOWN": 15.6646,
    "Inscrição na OAB diferente da cadastrada": 20.8457,
}


@pytest.mark.parametrize("label", DEJAVU_SANS_EM)
def test_text_width_is_never_less_than_the_browser_draws(label):
    measured = DEJAVU_SANS_EM[label] * 12
    assert measured <= chart_layout.text_width(label, 12) <= measured * 1.25


def test_wrap_breaks_between_words_then_after_hyphens_and_never_loses_text():
    assert chart_layout.wrap("Certificado A3 em nuvem", 120, 12) == ["Certificado A3 em", "nuvem"]
    assert chart_layout.wrap("Norte/Centro-Oeste", 100, 12) == ["Norte/Centro-", "Oeste"]
    pieces = chart_layout.wrap("CERT_REVOCATION_UNKNOWN", 60, 12)
    assert "".join(pieces) == "CERT_REVOCATION_UNKNOWN"
    assert all(chart_layout.text_width(p, 12) <= 60 for p in pieces)


def test_spread_moves_only_points_too_close_and_keeps_them_in_bounds():
    assert chart_layout.spread([10, 50, 90], 3, 0, 100) == [10, 50, 90]
    assert chart_layout.spread([50, 50, 50], 3, 0, 100) == [47, 50, 53]
    assert chart_layout.spread([100, 100], 3, 0, 100) == [97, 100]
    placed = chart_layout.spread([20, 21, 22, 60, 61], 3, 0, 100)
    assert placed == pytest.approx([18, 21, 24, 59, 62])


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_each_drawing_has_ids_of_its_own_and_says_which_screen_it_is_for(layout):
    svg = charts.line_chart("Adesão", WEEKS, {"Sul": [1, 2, 3, 4]}, layout=layout)
    root = parse(svg)
    assert f"grafico--{layout.name}" in root.get("class", "")
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert all(i.endswith(f"-{layout.name}-t") or i.endswith(f"-{layout.name}-d") for i in ids), ids
