"""The status pages' SVG charts (pure)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from portal.status import charts

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
