"""Optimization history: every trial's value and the best so far, by number and by clock."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from generator.model.charts import HistoryData
from generator.render.charts.common import (
    TopChart,
    frame,
    group_color,
    n_line,
    objective_title,
    panel_title,
    sampling_lines,
    title,
    tooltip_number,
    tooltip_value,
    trial_points,
)
from generator.render.charts.theme import BEST, PANEL_WIDTH
from generator.render.charts.wording import say


def history_chart(data: HistoryData, elite_quantile: float) -> TopChart:
    points = trial_points(data.points, elite_quantile)
    y = alt.Y(field="value", type="quantitative", title=objective_title(data.direction), scale=alt.Scale(zero=False))
    tooltip = [tooltip_number(), tooltip_value()]
    subtitle = [say("history.subtitle"), n_line(data.n_complete, data.n_complete, None), *sampling_lines(data.sampling)]
    heading = title(say("history.title"), subtitle)
    by_number = (points, frame(data.best_by_number), "number", say("history.number_axis"), y, tooltip, elite_quantile)
    if not data.best_by_time:
        # One panel: the chart itself, under the chart's heading.
        return _panel(*by_number, title=heading, width=PANEL_WIDTH)
    timed = points[points["elapsed"].notna()]
    panels = [
        _panel(*by_number, title=panel_title(say("history.by_number")), width=PANEL_WIDTH),
        _panel(
            timed,
            frame(data.best_by_time),
            "elapsed",
            say(f"history.time_axis.{data.time_unit}"),
            y,
            tooltip,
            elite_quantile,
            title=panel_title(say("history.by_time")),
            width=PANEL_WIDTH,
        ),
    ]
    return alt.hconcat(*panels, title=heading).resolve_scale(y="shared")


def _panel(
    points: pd.DataFrame,
    best: pd.DataFrame,
    x_field: str,
    x_title: str,
    y: alt.Y,
    tooltip: list[alt.Tooltip],
    elite_quantile: float,
    **properties: Any,
) -> alt.LayerChart | alt.FacetChart:
    """The panel's layers, with its top-level ``properties`` (title, width) given to the layer
    itself: setting them afterwards would rebuild the layer chart, deep-copying every layer."""
    x = alt.X(field=x_field, type="quantitative", title=x_title, scale=alt.Scale(zero=False, nice=False, padding=8))
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, opacity=0.75)
        .encode(x=x, y=y, color=group_color(elite_quantile), tooltip=tooltip)
    )
    line = (
        alt.Chart(best.rename(columns={"best": "value"}))
        .mark_line(color=BEST, interpolate="step-after", strokeWidth=2)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    return alt.layer(dots, line, **properties)
