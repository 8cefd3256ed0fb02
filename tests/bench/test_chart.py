"""bench.chart draws every scenario that has a ratio, with its target, from bench.load's JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from bench.chart import LABEL_WIDTH, load_ratios, render


def _results(path: Path, ratio: float) -> Path:
    rows = [
        {"scenario": "anchor /videos", "ratio": None, "target": None},
        {"scenario": "GET /videos (anonymous)", "ratio": ratio, "target": 2.0},
        {"scenario": "feed & more", "ratio": 0.001, "target": None},
    ]
    path.write_text(json.dumps({"results": rows}))
    return path


def test_chart_has_a_bar_per_run_and_scenario_and_a_target_tick(tmp_path: Path) -> None:
    before = load_ratios(_results(tmp_path / "before.json", 0.1))
    after = load_ratios(_results(tmp_path / "after.json", 3.3))

    svg = render([("before", before), ("after", after)])

    root = ET.fromstring(svg)  # well-formed, the scenario's "&" escaped
    texts = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "GET /videos (anonymous)" in texts
    assert "feed &amp; more" not in texts
    assert "feed & more" in texts
    assert "anchor /videos" not in texts
    assert {"0.1", "3.3", "0.001"} <= set(texts)
    rects = root.iter("{http://www.w3.org/2000/svg}rect")
    bars = [rect for rect in rects if rect.get("x") == str(LABEL_WIDTH)]
    assert len(bars) == 4  # 2 runs x 2 scenarios with a ratio
