"""Draw the load runs' ratios to the anchor as an SVG bar chart, one group of bars per scenario.

    uv run python -m bench.chart bench/results-2026-11-30-baseline.json \
        bench/results-2026-11-30.json --output bench/ratios.svg

Ratios span two orders of magnitude (0.02 to 3), so the axis is logarithmic; each scenario's
target is a tick, so "met" reads as a bar reaching past its tick. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
from html import escape
from pathlib import Path
from typing import Any

COLOURS = ["#9aa5b1", "#2f6fde", "#e07b39", "#3a9d5d"]
LOW, HIGH = 0.01, 10.0  # the axis, in ratios
LABEL_WIDTH, PLOT_WIDTH, BAR, GAP = 330, 520, 14, 12


def load_ratios(path: Path) -> dict[str, tuple[float, float | None]]:
    """scenario -> (ratio to the anchor, target) for the scenarios that have a ratio."""
    results: list[dict[str, Any]] = json.loads(path.read_text())["results"]
    return {
        row["scenario"]: (float(row["ratio"]), row.get("target"))
        for row in results
        if row.get("ratio") is not None
    }


def _x(ratio: float) -> float:
    clamped = min(max(ratio, LOW), HIGH)
    share = (math.log10(clamped) - math.log10(LOW)) / (math.log10(HIGH) - math.log10(LOW))
    return LABEL_WIDTH + share * PLOT_WIDTH


def render(runs: list[tuple[str, dict[str, tuple[float, float | None]]]]) -> str:
    scenarios = list(dict.fromkeys(name for _, ratios in runs for name in ratios))
    group = len(runs) * BAR + GAP
    top = 40
    height = top + len(scenarios) * group + 60
    width = LABEL_WIDTH + PLOT_WIDTH + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="10" y="20" font-size="14" font-weight="bold">'
        "Throughput as a ratio to the raw-driver anchor (same run; log scale)</text>",
    ]
    for tick in (0.01, 0.1, 0.5, 1.0, 2.0, 10.0):
        x = _x(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 50}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="{height - 36}" text-anchor="middle">{tick:g}</text>'
        )
    for index, scenario in enumerate(scenarios):
        y = top + index * group
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + len(runs) * BAR / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(scenario)}</text>'
        )
        for number, (_, ratios) in enumerate(runs):
            if scenario not in ratios:
                continue
            ratio, target = ratios[scenario]
            bar_y = y + number * BAR
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{_x(ratio) - LABEL_WIDTH:.1f}" '
                f'height="{BAR - 2}" fill="{COLOURS[number % len(COLOURS)]}"/>'
                f'<text x="{_x(ratio) + 4:.1f}" y="{bar_y + BAR - 4}" font-size="10">'
                f"{ratio:g}</text>"
            )
            if target is not None:
                tx = _x(float(target))
                parts.append(
                    f'<line x1="{tx:.1f}" y1="{bar_y - 1}" x2="{tx:.1f}" y2="{bar_y + BAR - 1}" '
                    'stroke="black" stroke-width="2"/>'
                )
    legend_y = height - 16
    for number, (label, _) in enumerate(runs):
        x = 10 + number * 210
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" '
            f'fill="{COLOURS[number % len(COLOURS)]}"/>'
            f'<text x="{x + 18}" y="{legend_y}">{escape(label)}</text>'
        )
    # Beside the title, not in the legend's row: with four runs the row reaches the right edge.
    parts.append(f'<text x="{width - 10}" y="18" text-anchor="end">black tick: target</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", nargs="+", type=Path, help="results JSON files of bench.load")
    parser.add_argument("--output", type=Path, default=Path("bench/ratios.svg"))
    args = parser.parse_args()
    runs = [(path.stem.removeprefix("results-"), load_ratios(path)) for path in args.results]
    args.output.write_text(render(runs))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
