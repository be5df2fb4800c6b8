"""Parallel coordinates: the objective and the top parameters, one line per trial."""

from __future__ import annotations

from typing import cast

import altair as alt
import pandas as pd

from generator.model.charts import PARALLEL_ABSENT, ParallelData
from generator.render.charts.common import TopChart, group_color, group_labels, sampling_lines, sig_column, title
from generator.render.charts.theme import BOUND, FAINT, WIDTH
from generator.render.charts.wording import say
from generator.render.env import fmt_num

TOP = 1.12
"""Where the axis names sit (axes run 0..1; "absent" sits below 0)."""
AXIS_SPACING = 110
"""Pixels per axis; longer names are cut with an ellipsis (the full name is in the tooltip)."""


def parallel_chart(data: ParallelData, elite_quantile: float) -> TopChart:
    fields = [axis.field for axis in data.axes]
    elite_label, other_label = group_labels(elite_quantile)
    # A column at a time (thousands of lines): the same frame as from one record per line.
    lines = data.lines
    assert all(len(line.positions) == len(fields) for line in lines)
    wide = pd.DataFrame(
        {
            "number": [line.number for line in lines],
            "value": sig_column([line.value for line in lines]),
            "group": [elite_label if line.elite else other_label for line in lines],
            **{f: sig_column([line.positions[i] for line in lines]) for i, f in enumerate(fields)},
        }
    )
    x = alt.X(field="axis", type="nominal", sort=fields, scale=alt.Scale(domain=fields), axis=None)
    y = alt.Y(
        field="position", type="quantitative", scale=alt.Scale(domain=[PARALLEL_ABSENT - 0.05, TOP + 0.04]), axis=None
    )
    rules = pd.DataFrame({"axis": fields, "position": [0.0] * len(fields), "top": [1.0] * len(fields)})
    layers = [alt.Chart(rules).mark_rule(color=BOUND).encode(x=x, y=y, y2=alt.Y2(field="top"))]
    for elite, most, width in ((False, 0.35, 1.0), (True, 0.85, 1.8)):
        subset = wide[wide["group"] == (elite_label if elite else other_label)]
        if subset.empty:
            continue
        # Many lines at full strength hide each other: fade them as they multiply.
        opacity = round(max(0.12, min(most, 25 / len(subset))), 3)
        layers.append(
            alt.Chart(subset)
            .transform_fold(cast(list[str | alt.FieldName], fields), as_=["axis", "position"])
            .mark_line(opacity=opacity, strokeWidth=width)
            .encode(
                x=x,
                y=y,
                detail=alt.Detail(field="number", type="nominal"),
                color=group_color(elite_quantile, other=FAINT),
                tooltip=[
                    alt.Tooltip(field="number", type="quantitative", title=say("tooltip.number")),
                    alt.Tooltip(field="value", type="quantitative", title=say("tooltip.value"), format=".6g"),
                ],
            )
        )
    names = pd.DataFrame(
        {
            "axis": fields,
            "name": [axis.param if axis.param is not None else say("parallel.objective_axis") for axis in data.axes],
            "position": [TOP] * len(fields),
        }
    )
    layers.append(
        alt.Chart(names)
        .mark_text(fontSize=12, fontWeight="bold", baseline="bottom", limit=AXIS_SPACING - 8)
        .encode(
            x=x,
            y=y,
            text=alt.Text(field="name"),
            tooltip=alt.Tooltip(field="name", type="nominal", title=say("tooltip.param")),
        )
    )
    ticks = pd.DataFrame.from_records(
        [
            {"axis": axis.field, "position": tick.position, "label": _tick_label(tick.value)}
            for axis in data.axes
            for tick in axis.ticks
        ]
    )
    layers.append(
        alt.Chart(ticks)
        .mark_text(fontSize=11, align="left", dx=4, color="#333333")
        .encode(x=x, y=y, text=alt.Text(field="label"))
    )
    subtitle = [
        say("parallel.subtitle"),
        say(f"parallel.ranking.{data.ranking}", k=len(data.axes) - 1, n=data.n_params),
        *sampling_lines(data.sampling),
    ]
    return alt.layer(
        *layers, width=max(WIDTH, AXIS_SPACING * len(fields)), height=320, title=title(say("parallel.title"), subtitle)
    )


def _tick_label(value: float | str | None) -> str:
    if value is None:
        return say("parallel.absent")
    return value if isinstance(value, str) else fmt_num(value)
