"""The Pareto chart: a scatter of the trials in objective space with the front highlighted
(2 objectives), or one panel per pair of objectives (3)."""

from __future__ import annotations

from itertools import combinations

import altair as alt
import pandas as pd

from generator.model.charts import ParetoData
from generator.render.charts.common import TopChart, panel_title, sig, title, tooltip_number
from generator.render.charts.theme import BEST, ELITE, OTHER, PANEL_WIDTH
from generator.render.charts.wording import say


def objective_label(index: int, name: str | None) -> str:
    return name if name else f"values[{index}]"


def pareto_chart(data: ParetoData) -> TopChart:
    k = len(data.directions)
    front_label, other_label = say("pareto.front"), say("pareto.other")
    rows = [
        {"number": p.number, "group": front_label if p.on_front else other_label}
        | {f"v{i}": sig(v) for i, v in enumerate(p.values)}
        for p in sorted(data.points, key=lambda p: (p.on_front, p.number))
    ]
    points = pd.DataFrame.from_records(rows)
    color = alt.Color(
        field="group",
        type="nominal",
        scale=alt.Scale(domain=[front_label, other_label], range=[ELITE, OTHER]),
        legend=alt.Legend(title=None),
    )
    titles = [
        say(
            "pareto.axis",
            label=objective_label(i, data.names[i]),
            better=say("pareto.higher" if d == "maximize" else "pareto.lower"),
        )
        for i, d in enumerate(data.directions)
    ]
    tooltip = [tooltip_number()] + [
        alt.Tooltip(field=f"v{i}", type="quantitative", title=objective_label(i, data.names[i]), format=".6g")
        for i in range(k)
    ]
    subtitle = [
        say("pareto.subtitle" if k == 2 else "pareto.subtitle_3d"),
        say("pareto.n", n=data.n, n_front=data.n_front),
    ]
    if data.sampling.rule != "all":
        subtitle.append(
            say(
                f"pareto.{data.sampling.rule}",
                shown=data.sampling.n_shown,
                total=data.sampling.n_total,
                best=data.sampling.n_best,
            )
        )
    heading = title(say("pareto.title"), subtitle)
    panels = [_panel(points, a, b, titles, color, tooltip, data, k == 2) for a, b in combinations(range(k), 2)]
    if len(panels) == 1:
        return panels[0].properties(title=heading)
    return alt.hconcat(
        *[
            p.properties(title=panel_title(f"{titles[a]} / {titles[b]}"), width=PANEL_WIDTH * 2 // 3)
            for p, (a, b) in zip(panels, combinations(range(k), 2), strict=True)
        ],
        title=heading,
    )


def _panel(
    points: pd.DataFrame,
    a: int,
    b: int,
    titles: list[str],
    color: alt.Color,
    tooltip: list[alt.Tooltip],
    data: ParetoData,
    with_line: bool,
) -> alt.Chart | alt.LayerChart | alt.FacetChart:
    x = alt.X(field=f"v{a}", type="quantitative", title=titles[a], scale=alt.Scale(zero=False))
    y = alt.Y(field=f"v{b}", type="quantitative", title=titles[b], scale=alt.Scale(zero=False))
    dots = alt.Chart(points).mark_point(filled=True, opacity=0.8).encode(x=x, y=y, color=color, tooltip=tooltip)
    if not with_line or data.n_front < 2:
        return dots
    # Two objectives: the front as a staircase, sorted along the first objective.
    front = points[points["group"] == say("pareto.front")].sort_values([f"v{a}", f"v{b}"], kind="stable")
    line = (
        alt.Chart(front)
        .mark_line(
            color=BEST, strokeWidth=1.5, interpolate="step-after" if data.directions[a] == "minimize" else "step-before"
        )
        .encode(x=x, y=y, order=alt.Order(field=f"v{a}", type="quantitative"))
    )
    return alt.layer(line, dots)
