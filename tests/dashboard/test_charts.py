"""The SVG charts: well-formed, escaped, and honest at the edges."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from service.web import charts


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def test_gauge_is_green_when_met_and_red_when_far_short():
    met = _parse(charts.gauge(5, 4, label="经理", sublabel="经理"))
    short = _parse(charts.gauge(1, 10, label="主管", sublabel="主管"))
    assert charts.OK in ET.tostring(met, encoding="unicode")
    assert charts.BAD in ET.tostring(short, encoding="unicode")
    assert "5/4" in "".join(met.itertext())


def test_gauge_with_no_requirement_and_nothing_done_is_met():
    svg = str(charts.gauge(0, 0, label="x"))
    _parse(svg)
    assert charts.OK in svg


def test_labels_are_escaped():
    svg = charts.stacked_bar([("<script>", 1), ("&", 2), ("b", 0)])
    root = _parse(svg)
    assert "<script>" in "".join(root.itertext())
    assert "<script>" not in str(svg)


def test_empty_charts_still_parse():
    _parse(charts.stacked_bar([("a", 0), ("b", 0), ("c", 0)], empty_text="暂无"))
    _parse(charts.rate_meter(None, 0.01, label="目标 < 1%"))
    _parse(charts.rate_meter(0.5, 0.01, label="t"))
    assert str(charts.hbars([])) == ""
    _parse(charts.hbars([("甲", 80.0, charts.OK), ("乙", 0.0, charts.WARN)], max_value=100))
