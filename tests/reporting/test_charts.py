"""Charts: inline, accessible, deterministic SVG."""

import hashlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from reporting.charts import bar_chart_svg, line_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_chart_is_accessible_inline_svg_with_drawn_bars() -> None:
    svg = bar_chart_svg(["W01", "W02", "W03"], [3, 5, 0], title="Throughput per week", y_label="items")
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Throughput per week"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc is not None
    assert "W02 5" in desc
    assert not svg.startswith("<?xml")
    assert "<metadata" not in svg
    assert len(root.findall(f".//{SVG}path")) > 5
    labelled = root.get("aria-labelledby", "").split()
    ids = {element.get("id") for element in root.iter()}
    assert all(label in ids for label in labelled)


def test_same_input_gives_identical_svg_across_processes() -> None:
    code = (
        "from reporting.charts import line_chart_svg;"
        "import hashlib;"
        "print(hashlib.sha256(line_chart_svg(['a','b','c'], {'p50': [1, 2, None], 'p85': [2, 4, 6]},"
        " title='Cycle time', y_label='days').encode()).hexdigest())"
    )
    digests = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    here = line_chart_svg(["a", "b", "c"], {"p50": [1, 2, None], "p85": [2, 4, 6]}, title="Cycle time", y_label="days")
    digests.add(hashlib.sha256(here.encode()).hexdigest() + "\n")
    assert len(digests) == 1


def test_two_charts_on_one_page_share_no_id() -> None:
    first = bar_chart_svg(["a"], [1], title="One", y_label="n")
    second = bar_chart_svg(["a"], [1], title="Two", y_label="n")
    ids_first = {e.get("id") for e in _parse(first).iter() if e.get("id")}
    ids_second = {e.get("id") for e in _parse(second).iter() if e.get("id")}
    assert ids_first
    assert ids_second
    assert not ids_first & ids_second


def test_empty_chart_says_no_data() -> None:
    svg = line_chart_svg([], {"WIP": []}, title="WIP trend", y_label="items")
    assert "No data" in svg
    _parse(svg)


def test_title_is_escaped() -> None:
    svg = bar_chart_svg(["<a>"], [1], title="R&D <team>", y_label="n")
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == "R&D <team>"  # type: ignore[union-attr]


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="2 labels but 1 values"):
        bar_chart_svg(["a", "b"], [1], title="t", y_label="n")
    with pytest.raises(ValueError, match="series 'x' has 1 values for 2 labels"):
        line_chart_svg(["a", "b"], {"x": [1]}, title="t", y_label="n")
