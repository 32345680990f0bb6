"""The charts toolkit (dozor.core.charts): numbers for SVG, the SVG writer and the two charts."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.utils import translation

from dozor.core.charts import Bar, Chart, Column, ColumnChart, LegendItem, Segment, Svg, nice_step, svg_number

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (553.6, 1, "553.6"),
        (553.64, 1, "553.6"),
        (12.0, 2, "12"),
        (12, 2, "12"),
        (Decimal("33.333"), 2, "33.33"),
        (-0.001, 2, "0"),
        (1e-7, 2, "0"),
        (1e7, 1, "10000000"),
        (-4.25, 1, "-4.2"),
    ],
)
def test_it_writes_machine_numbers(value: float, digits: int, expected: str) -> None:
    for lang in ("ru", "kk", "en"):
        with translation.override(lang):
            assert svg_number(value, digits) == expected


def test_it_refuses_numbers_that_svg_cannot_hold() -> None:
    with pytest.raises(ValueError):
        svg_number(float("nan"))
    with pytest.raises(ValueError):
        svg_number(float("inf"))


@pytest.mark.parametrize(("value", "step"), [(0, 1), (4, 1), (5, 2), (109, 30), (120, 30), (1001, 300)])
def test_it_picks_round_steps(value: int, step: int) -> None:
    assert nice_step(value) == step


def test_the_writer_escapes_text_and_names_attributes() -> None:
    svg = Svg(100.25, 50, role="img", aria_label='Fill "quoted" <b>')
    svg.element("rect", title="Ёмкость & <x>", class_="bar-cap", x=1.26, y=0, width=10, height=None)
    svg.text(5, 6, "<script>", text_anchor="end")
    markup = svg.markup()
    root = ElementTree.fromstring(markup)  # well-formed XML
    assert root.get("viewBox") == "0 0 100.2 50" and root.get("width") == "100.2"
    assert root.get("aria-label") == 'Fill "quoted" <b>'
    rect = root.find(f"{SVG_NS}rect")
    assert rect is not None and rect.get("class") == "bar-cap" and rect.get("x") == "1.3"
    assert "height" not in rect.attrib
    assert rect.findtext(f"{SVG_NS}title") == "Ёмкость & <x>"
    assert "<script>" not in markup


def test_a_bar_chart_scales_segments_to_the_full_value() -> None:
    chart = Chart(
        title="",
        bars=[Bar("Half", [Segment(50, "#000"), Segment(25, "#111")], note="50%"), Bar("None", [])],
        full=100,
    )
    assert chart.widths(chart.bars[0]) == pytest.approx([chart.plot_width / 2, chart.plot_width / 4])
    assert chart.height == 2 * chart.row_height
    root = ElementTree.fromstring(chart.svg())
    assert len(root.findall(f"{SVG_NS}rect")) == 2
    assert chart.png().startswith(b"\x89PNG")


def test_without_a_full_value_the_largest_bar_fills_the_plot() -> None:
    chart = Chart(title="", bars=[Bar("a", [Segment(4, "#000")]), Bar("b", [Segment(2, "#000")])])
    assert [chart.widths(b) for b in chart.bars] == [[chart.plot_width], [chart.plot_width / 2]]


def test_a_column_chart_draws_columns_a_line_and_a_legend() -> None:
    chart = ColumnChart(
        columns=[Column("01.2025", 90, "#111"), Column("02.2025", 10, "#222")],
        line=[100, 109],
        line_colour="#333",
        legend=[LegendItem("Population", "#111", 0), LegendItem("Capacity", "#333", 330, line=True)],
    )
    root = ElementTree.fromstring(chart.svg())
    assert len(root.findall(f"{SVG_NS}rect")) == 3  # two columns, one swatch
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert "120" in texts and "Capacity" in texts  # ticks by 30 up to 120
    assert chart.png().startswith(b"\x89PNG")
    assert ColumnChart(columns=[], line=[], line_colour="#000").svg() == ""
