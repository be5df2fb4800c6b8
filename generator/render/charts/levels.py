"""Box and strip plot per level of a categorical, ordinal or boolean parameter, n per level."""

from __future__ import annotations

import altair as alt
import pandas as pd

from generator.model.charts import LevelsData
from generator.render.charts.common import (
    TopChart,
    frame,
    group_color,
    jitter,
    n_line,
    objective_title,
    sampling_lines,
    title,
    tooltip_number,
    tooltip_value,
    trial_points,
)
from generator.render.charts.theme import BEST, FAINT
from generator.render.charts.wording import say


def levels_chart(data: LevelsData, elite_quantile: float) -> TopChart:
    shown = {lv.label: say("levels.level", label=lv.label, n=lv.n) for lv in data.levels}
    domain = [shown[lv.label] for lv in data.levels]
    boxes = frame(data.levels, level=domain)
    boxes = boxes[boxes["n"] > 0]
    points = trial_points(data.points, elite_quantile)
    points["level"] = [shown[label] for label in points.pop("label").tolist()]
    points["jitter"] = _jitter_by_level(points["level"])
    step = max(56, min(120, 480 // max(1, len(domain))))
    # Level labels read flat when they fit their band (about 7 px per character).
    flat = max(len(label) for label in domain) * 7 <= step
    x = alt.X(
        field="level",
        type="nominal",
        title=say("levels.axis", param=data.param),
        scale=alt.Scale(domain=domain),
        sort=domain,
        axis=alt.Axis(labelAngle=0 if flat else -35, labelLimit=180),
    )
    y_title = objective_title(data.direction)
    base = alt.Chart(boxes)
    whiskers = base.mark_rule(color=FAINT).encode(
        x=x,
        y=alt.Y(field="whisker_low", type="quantitative", title=y_title, scale=alt.Scale(zero=False)),
        y2=alt.Y2(field="whisker_high"),
    )
    box = base.mark_bar(color="#C9D6E3", opacity=0.55, stroke="#555555", size=34).encode(
        x=x,
        y=alt.Y(field="q1", type="quantitative", title=y_title),
        y2=alt.Y2(field="q3"),
        tooltip=[
            alt.Tooltip(field="level", type="nominal", title=data.param),
            alt.Tooltip(field="n", type="quantitative", title=say("tooltip.n")),
            alt.Tooltip(field="mean", type="quantitative", title=say("tooltip.mean"), format=".6g"),
            alt.Tooltip(field="median", type="quantitative", format=".6g"),
            alt.Tooltip(field="q1", type="quantitative", format=".6g"),
            alt.Tooltip(field="q3", type="quantitative", format=".6g"),
        ],
    )
    median = base.mark_tick(color=BEST, thickness=2, size=34).encode(
        x=x, y=alt.Y(field="median", type="quantitative", title=y_title)
    )
    strip = (
        alt.Chart(points)
        .mark_point(filled=True, opacity=0.8, size=26)
        .encode(
            x=x,
            xOffset=alt.XOffset(field="jitter", type="quantitative", scale=alt.Scale(domain=[-2.5, 2.5])),
            y=alt.Y(field="value", type="quantitative", title=y_title),
            color=group_color(elite_quantile),
            tooltip=[tooltip_number(), alt.Tooltip(field="level", type="nominal", title=data.param), tooltip_value()],
        )
    )
    subtitle = [say("levels.subtitle"), n_line(data.n, data.n_complete, data.condition), *sampling_lines(data.sampling)]
    # The strip first, the box over it (translucent): the box stays visible in dense levels.
    return alt.layer(
        strip,
        whiskers,
        box,
        median,
        width=alt.Step(step),
        title=title(say("levels.title", param=data.param), subtitle),
    )


def _jitter_by_level(levels: pd.Series) -> list[float]:
    offsets = [0.0] * len(levels)
    for _, index in levels.groupby(levels, sort=False).groups.items():
        for offset, row in zip(jitter(len(index)), index, strict=True):
            offsets[row] = offset
    return offsets
