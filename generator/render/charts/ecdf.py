"""Empirical CDF of the objective, with the elite threshold marked."""

from __future__ import annotations

import altair as alt
import pandas as pd

from generator.model.charts import EcdfData
from generator.render.charts.common import (
    TopChart,
    frame,
    objective_title,
    sampling_lines,
    sig,
    title,
    tooltip_number,
)
from generator.render.charts.theme import ELITE, OTHER
from generator.render.charts.wording import say


def ecdf_chart(data: EcdfData, elite_quantile: float) -> TopChart:
    points = frame(data.points)
    x = alt.X(
        field="value",
        type="quantitative",
        title=objective_title(data.direction),
        scale=alt.Scale(zero=False, nice=False, padding=8),
    )
    y = alt.Y(field="fraction", type="quantitative", title=say("ecdf.axis"), scale=alt.Scale(domain=[0, 1]))
    curve = (
        alt.Chart(points)
        .mark_line(interpolate="step-after", color=OTHER, strokeWidth=2, point=alt.OverlayMarkDef(size=14, color=OTHER))
        .encode(
            x=x,
            y=y,
            tooltip=[
                tooltip_number(),
                alt.Tooltip(field="value", type="quantitative", title=say("tooltip.value"), format=".6g"),
                alt.Tooltip(field="fraction", type="quantitative", format=".3f", title=say("ecdf.axis")),
            ],
        )
    )
    marker = pd.DataFrame({"value": [sig(data.elite_threshold)], "label": [say("ecdf.threshold")]})
    rule = alt.Chart(marker).mark_rule(color=ELITE, strokeDash=[5, 4], strokeWidth=1.5).encode(x=x)
    label = (
        alt.Chart(marker)
        # Beside the rule, on the side away from the elites (where the curve leaves room).
        .mark_text(
            color=ELITE,
            align="right" if data.direction == "maximize" else "left",
            dx=-4 if data.direction == "maximize" else 4,
            dy=-6,
            fontSize=12,
        )
        .encode(x=x, y=alt.datum(1.0), text=alt.Text(field="label"))
    )
    subtitle = [
        say("ecdf.subtitle", n=data.n, side=say(f"ecdf.side.{data.direction}")),
        *sampling_lines(data.sampling),
    ]
    return alt.layer(curve, rule, label, title=title(say("ecdf.title"), subtitle))
