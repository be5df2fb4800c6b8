"""Contour (heatmap): the binned mean objective over a parameter pair, trials on top."""

from __future__ import annotations

import altair as alt
import pandas as pd

from generator.model.charts import BinAxis, ContourData
from generator.model.findings import Condition
from generator.render.charts.common import (
    TopChart,
    frame,
    group_labels,
    jitter_2d,
    n_line,
    objective_title,
    sampling_lines,
    title,
    tooltip_number,
    tooltip_value,
    trial_points,
)
from generator.render.charts.slice import x_scale
from generator.render.charts.theme import ELITE, HEIGHT, WIDTH
from generator.render.charts.wording import say


def contour_chart(data: ContourData, elite_quantile: float) -> TopChart:
    a, b = data.axis_a, data.axis_b
    step_a, step_b = _step(a, WIDTH, 40), _step(b, HEIGHT, 28)
    cells = frame(data.cells).rename(columns={"a_center": "a", "b_center": "b"})
    points = trial_points(data.points, elite_quantile)
    # Points on a levels axis: the band's centre plus a deterministic spread, in pixels.
    spread_a, spread_b = jitter_2d(len(points))
    points["jitter_a"] = [round(step_a * (0.5 + 0.3 * j), 2) for j in spread_a]
    points["jitter_b"] = [round(step_b * (0.5 + 0.3 * j), 2) for j in spread_b]
    tooltip_cell = [
        alt.Tooltip(field="a", type="nominal" if a.kind == "levels" else "quantitative", title=a.param),
        alt.Tooltip(field="b", type="nominal" if b.kind == "levels" else "quantitative", title=b.param),
        alt.Tooltip(field="mean", type="quantitative", title=say("contour.mean"), format=".6g"),
        alt.Tooltip(field="n", type="quantitative", title=say("contour.cell_n")),
    ]
    heat = (
        alt.Chart(cells)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            **_cell_encoding(a, "x"),
            **_cell_encoding(b, "y"),
            color=alt.Color(
                field="mean",
                type="quantitative",
                title=say("contour.mean"),
                # Best is the bright end of viridis in both directions.
                scale=alt.Scale(scheme="viridis", reverse=data.direction == "minimize"),
                legend=alt.Legend(orient="right", gradientLength=HEIGHT - 40),
            ),
            tooltip=tooltip_cell,
        )
    )
    elite_label, other_label = group_labels(elite_quantile)
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, stroke="#1A1A1A", strokeWidth=0.7, size=30)
        .encode(
            **_point_encoding(a, "x", "jitter_a"),
            **_point_encoding(b, "y", "jitter_b"),
            fill=alt.Fill(
                field="group",
                type="nominal",
                scale=alt.Scale(domain=[elite_label, other_label], range=[ELITE, "white"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                tooltip_number(),
                alt.Tooltip(field="a", type="nominal" if a.kind == "levels" else "quantitative", title=a.param),
                alt.Tooltip(field="b", type="nominal" if b.kind == "levels" else "quantitative", title=b.param),
                tooltip_value(),
            ],
        )
    )
    subtitle = [
        say("contour.subtitle", n=data.n),
        _pair_line(data),
        say(f"contour.source.{data.source}"),
        objective_title(data.direction),
        *sampling_lines(data.sampling),
    ]
    return alt.layer(
        heat,
        dots,
        width=WIDTH if a.kind == "numeric" else alt.Step(step_a),
        height=HEIGHT if b.kind == "numeric" else alt.Step(step_b),
        title=title(say("contour.title", a=a.param, b=b.param), subtitle),
    )


def _step(axis: BinAxis, size: int, smallest: int) -> int:
    return max(smallest, size // max(1, axis.size)) if axis.kind == "levels" else 0


def _scale(axis: BinAxis) -> alt.Scale:
    if axis.kind == "levels":
        return alt.Scale(domain=list(axis.levels))
    return x_scale(axis.log, axis.edges[0], axis.edges[-1])


def _cell_encoding(axis: BinAxis, channel: str) -> dict[str, object]:
    field = "a" if channel == "x" else "b"
    Channel, Channel2 = (alt.X, alt.X2) if channel == "x" else (alt.Y, alt.Y2)
    if axis.kind == "levels":
        return {
            channel: Channel(
                field=field,
                type="nominal",
                title=axis.param,
                scale=_scale(axis),
                sort=list(axis.levels),
                axis=_axis(axis, channel),
            )
        }
    return {
        channel: Channel(field=f"{field}_low", type="quantitative", title=axis.param, scale=_scale(axis)),
        f"{channel}2": Channel2(field=f"{field}_high"),
    }


def _point_encoding(axis: BinAxis, channel: str, jitter_field: str) -> dict[str, object]:
    field = "a" if channel == "x" else "b"
    Channel = alt.X if channel == "x" else alt.Y
    if axis.kind == "levels":
        Offset = alt.XOffset if channel == "x" else alt.YOffset
        return {
            channel: Channel(
                field=field,
                type="nominal",
                title=axis.param,
                scale=_scale(axis),
                sort=list(axis.levels),
                axis=_axis(axis, channel),
            ),
            # scale=None: the offset is in pixels from the band's start.
            f"{channel}Offset": Offset(field=jitter_field, type="quantitative", scale=None),
        }
    return {channel: Channel(field=field, type="quantitative", title=axis.param, scale=_scale(axis))}


def _axis(axis: BinAxis, channel: str) -> alt.Axis:
    angle = 0 if channel == "y" or axis.size <= 4 else -35
    return alt.Axis(labelAngle=angle)


def _pair_line(data: ContourData) -> str:
    conditions = [c for c in (data.condition_a, data.condition_b) if c is not None]
    condition: Condition | None = conditions[0] if len(conditions) == 1 else None
    return n_line(data.n, data.n_complete, condition)


def cells_table(data: ContourData) -> pd.DataFrame:
    """The contour CSV: bin centres and edges of both parameters, n and the mean objective."""
    return pd.DataFrame(
        {
            "param_a": [data.axis_a.param] * len(data.cells),
            "a_center": [c.a_center for c in data.cells],
            "a_low": [c.a_low for c in data.cells],
            "a_high": [c.a_high for c in data.cells],
            "param_b": [data.axis_b.param] * len(data.cells),
            "b_center": [c.b_center for c in data.cells],
            "b_low": [c.b_low for c in data.cells],
            "b_high": [c.b_high for c in data.cells],
            "n": [c.n for c in data.cells],
            "mean": [c.mean for c in data.cells],
        }
    )
