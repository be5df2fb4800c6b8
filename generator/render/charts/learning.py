"""Learning curves: intermediate values by step, elites bold, others faint, pruned marked."""

from __future__ import annotations

import altair as alt
import pandas as pd

from generator.model.charts import LearningData
from generator.render.charts.common import TopChart, group_labels, sampling_lines, sig, title
from generator.render.charts.theme import ELITE, FAINT, STATE_COLORS
from generator.render.charts.wording import say


def learning_chart(data: LearningData, elite_quantile: float) -> TopChart:
    elite_label, other_label = group_labels(elite_quantile)
    pruned_label = say("groups.pruned")
    rows = pd.DataFrame.from_records(
        [
            {
                "number": c.number,
                "state": c.state,
                "elite": c.elite,
                "step": p.step,
                "value": sig(p.value),
                "group": elite_label if c.elite else other_label,
            }
            for c in data.curves
            for p in c.points
        ]
    )
    color = alt.Color(
        field="group",
        type="nominal",
        scale=alt.Scale(domain=[elite_label, other_label, pruned_label], range=[ELITE, FAINT, STATE_COLORS["PRUNED"]]),
        legend=alt.Legend(title=None),
    )
    x = alt.X(field="step", type="quantitative", title=say("learning_curves.step_axis"), scale=alt.Scale(nice=False))
    y = alt.Y(field="value", type="quantitative", title=say("learning_curves.value_axis"), scale=alt.Scale(zero=False))
    tooltip = [
        alt.Tooltip(field="number", type="quantitative", title=say("tooltip.number")),
        alt.Tooltip(field="state", type="nominal", title=say("tooltip.state")),
        alt.Tooltip(field="step", type="quantitative", title=say("tooltip.step")),
        alt.Tooltip(field="value", type="quantitative", title=say("tooltip.value"), format=".6g"),
    ]
    layers = []
    for elite, opacity, width in ((False, 0.35, 1.0), (True, 0.9, 2.2)):
        subset = rows[rows["elite"] == elite].drop(columns="elite")
        if not subset.empty:
            layers.append(
                alt.Chart(subset)
                .mark_line(opacity=opacity, strokeWidth=width)
                .encode(x=x, y=y, detail=alt.Detail(field="number", type="nominal"), color=color, tooltip=tooltip)
            )
    last = (
        rows[rows["state"] == "PRUNED"]
        .groupby("number", sort=True)
        .tail(1)
        .assign(group=pruned_label)
        .drop(columns="elite")
    )
    if not last.empty:
        layers.append(
            alt.Chart(last)
            .mark_point(shape="cross", size=60, filled=True)
            .encode(x=x, y=y, color=color, tooltip=tooltip)
        )
    subtitle = [say("learning_curves.subtitle", n=data.n_curves), *sampling_lines(data.sampling)]
    if data.steps_thinned:
        subtitle.append(say("sampling.steps_thinned"))
    return alt.layer(*layers, title=title(say("learning_curves.title"), subtitle))
