"""Slice plot: the objective against one numeric parameter, elites highlighted."""

from __future__ import annotations

from typing import Literal

import altair as alt
import pandas as pd
from altair.utils.schemapi import Undefined, UndefinedType

from generator.model.charts import SliceData
from generator.render.charts.common import (
    TopChart,
    group_color,
    n_line,
    objective_title,
    sampling_lines,
    title,
    tooltip_number,
    tooltip_value,
    trial_points,
)
from generator.render.charts.theme import BOUND
from generator.render.charts.wording import say


def x_scale(log: bool, low: float | None, high: float | None, base: int = 10) -> alt.Scale:
    """The declared range as the domain (padded a little so edge points stay whole); ``base``
    is the log scale's (2 for a power-of-two ordinal)."""
    kind: Literal["log", "linear"] = "log" if log else "linear"
    shown_base: int | UndefinedType = base if log and base != 10 else Undefined  # 10: Vega's default, left out
    if low is None or high is None:
        return alt.Scale(type=kind, base=shown_base, zero=False, nice=False, padding=12)
    if low == high:
        low, high = (low / 2, high * 2) if log else (low - 0.5, high + 0.5)
    return alt.Scale(type=kind, base=shown_base, domain=[low, high], zero=False, nice=False, padding=12)


def slice_chart(data: SliceData, elite_quantile: float) -> TopChart:
    points = trial_points(data.points, elite_quantile)
    if data.log2_ticks:
        # Doublings as equal steps, each choice marked: 16, 32, 64 rather than 20, 30, ... 60.
        scale = x_scale(True, data.low, data.high, base=2)
        x = alt.X(
            field="x", type="quantitative", title=data.param, scale=scale, axis=alt.Axis(values=list(data.log2_ticks))
        )
    else:
        x = alt.X(field="x", type="quantitative", title=data.param, scale=x_scale(data.log, data.low, data.high))
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x=x,
            y=alt.Y(
                field="value", type="quantitative", title=objective_title(data.direction), scale=alt.Scale(zero=False)
            ),
            color=group_color(elite_quantile),
            tooltip=[
                tooltip_number(),
                alt.Tooltip(field="x", type="quantitative", title=data.param, format=".6g"),
                tooltip_value(),
            ],
        )
    )
    bounds = [b for b in (data.low, data.high) if b is not None]
    layers: list[alt.Chart] = []
    if bounds:
        rules = pd.DataFrame({"x": sorted(set(bounds))})
        layers.append(alt.Chart(rules).mark_rule(color=BOUND, strokeDash=[5, 4]).encode(x=x))
    subtitle = [say("slice.subtitle", param=data.param), n_line(data.n, data.n_complete, data.condition)]
    if data.log2_ticks:
        subtitle.append(say("slice.log2_note"))
    elif data.log:
        subtitle.append(say("slice.log_note"))
    subtitle += sampling_lines(data.sampling)
    return alt.layer(*layers, dots, title=title(say("slice.title", param=data.param), subtitle))
