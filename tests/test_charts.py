"""Server-side SVG charts: well-formed, scaled to the data, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from web import charts

NS = "{http://www.w3.org/2000/svg}"


def test_columns_scale_and_escape() -> None:
    svg = charts.columns([("ต.ค.", 10), ("พ.ย.", 40), ("<b>", 0)], title="เรื่องต่อเดือน")
    root = ET.fromstring(svg)  # well-formed XML
    rects = root.findall(f"{NS}rect")
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[1] == max(heights) and heights[0] == heights[1] / 4 and heights[2] == 0
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "<b>" in texts and "&lt;b&gt;" in svg and "<b>" not in svg.replace("&lt;b&gt;", "")
    assert root.find(f"{NS}title").text == "เรื่องต่อเดือน"  # type: ignore[union-attr]


def test_bars_widths_follow_values() -> None:
    svg = charts.bars([("สำนักการช่าง", 120), ("สำนักการคลัง", 30)], title="ตามหน่วยงาน")
    root = ET.fromstring(svg)
    widths = [float(r.get("width", "0")) for r in root.findall(f"{NS}rect")]
    assert widths[0] == 4 * widths[1]


def test_empty_data_still_draws() -> None:
    ET.fromstring(charts.columns([], title="ว่าง"))
    ET.fromstring(charts.bars([], title="ว่าง"))


def test_nice_axis_maximum() -> None:
    assert [charts._nice_max(v) for v in (0, 3, 7, 12, 99, 101)] == [1, 5, 10, 20, 100, 200]
