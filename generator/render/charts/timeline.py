"""Trial timeline: one bar per trial from start to end, coloured by how it ended."""

from __future__ import annotations

import altair as alt

from generator.model.charts import TimelineData
from generator.render.charts.common import TopChart, frame, sampling_lines, title
from generator.render.charts.theme import STATE_COLORS
from generator.render.charts.wording import say


def timeline_chart(data: TimelineData, elite_quantile: float) -> TopChart:
    bars = frame(data.bars)
    states = [s for s in STATE_COLORS if s in set(bars["state"].tolist())]
    x = alt.X(
        field="start",
        type="quantitative",
        title=say(f"history.time_axis.{data.time_unit}"),
        scale=alt.Scale(nice=False),
    )
    y = alt.Y(
        field="number",
        type="quantitative",
        title=say("timeline.trial_axis"),
        scale=alt.Scale(nice=False, zero=False, reverse=True),
    )
    color = alt.Color(
        field="state",
        type="nominal",
        title=say("timeline.state"),
        scale=alt.Scale(domain=states, range=[STATE_COLORS[s] for s in states]),
    )
    tooltip = [
        alt.Tooltip(field="number", type="quantitative", title=say("timeline.tooltip.number")),
        alt.Tooltip(field="state", type="nominal", title=say("timeline.state")),
        alt.Tooltip(field="duration_s", type="quantitative", title=say("timeline.duration"), format=".4g"),
        alt.Tooltip(field="start", type="quantitative", title=say("timeline.tooltip.start"), format=".4g"),
        alt.Tooltip(field="end", type="quantitative", title=say("timeline.tooltip.end"), format=".4g"),
    ]
    thickness = max(1.0, min(6.0, 260 / max(1, len(bars))))
    spans = (
        alt.Chart(bars)
        .mark_rule(strokeWidth=thickness)
        .encode(x=x, x2=alt.X2(field="end"), y=y, color=color, tooltip=tooltip)
    )
    # A trial that ended the moment it started would be an invisible zero-length rule.
    ends = (
        alt.Chart(bars)
        .mark_tick(orient="vertical", size=max(4.0, thickness + 2))
        .encode(x=alt.X(field="end", type="quantitative"), y=y, color=color, tooltip=tooltip)
    )
    subtitle = [say("timeline.subtitle"), *sampling_lines(data.sampling)]
    if any(bar.open_ended for bar in data.bars):
        subtitle.append(say("timeline.open_ended"))
    if data.n_not_started:
        subtitle.append(say("timeline.not_started", n=data.n_not_started))
    return alt.layer(spans, ends, title=title(say("timeline.title"), subtitle))
