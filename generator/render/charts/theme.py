"""The one project theme, and the palette every chart draws with.

Sized for a laptop screen (a chart fits a 1280-px window beside nothing else) and for print
(white background, 12-px labels, colour-blind-safe Okabe-Ito colours that stay distinct in
greyscale by lightness).
"""

from __future__ import annotations

import altair as alt

THEME = "hpo_report"

WIDTH = 460
HEIGHT = 280
PANEL_WIDTH = 340
"""Width of each panel when two sit side by side."""

ELITE = "#D55E00"
"""Vermillion: elites, everywhere."""
OTHER = "#0072B2"
"""Blue: other trials."""
FAINT = "#9A9A9A"
BEST = "#1A1A1A"
BOUND = "#666666"

STATE_COLORS = {
    "COMPLETE": "#0072B2",
    "PRUNED": "#E69F00",
    "FAIL": "#D55E00",
    "RUNNING": "#009E73",
    "WAITING": "#999999",
}
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def config() -> alt.theme.ThemeConfig:
    font = "DejaVu Sans, Helvetica, Arial, sans-serif"
    return {
        "config": {
            "background": "white",
            "font": font,
            "padding": 8,
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": "#d0d0d0"},
            "title": {
                "fontSize": 15,
                "subtitleFontSize": 12,
                "subtitleColor": "#444444",
                "anchor": "start",
                "offset": 10,
            },
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "gridColor": "#e8e8e8",
                "domainColor": "#888888",
                "tickColor": "#888888",
                "labelLimit": 220,
            },
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "labelLimit": 320},
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "range": {"category": OKABE_ITO},
            "point": {"size": 36},
            "line": {"strokeWidth": 1.5},
        }
    }


alt.theme.register(THEME, enable=False)(config)
