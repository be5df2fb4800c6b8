"""Parallel coordinates: the objective and the top parameters, one line per trial.

The reader can brush an axis: drag vertically over a range of one axis and the trials that
cross that axis inside the range stay drawn, the rest fade (double-click clears). It is plain
Vega-Lite: one interval selection (``BRUSH``), two variables derived from it (``RANGE``,
``AXES``) and a calculate transform per line layer (``SHADE``), so the spec needs no script of
ours, and it draws and exports exactly as a static chart while nothing is brushed. The axes sit
at x = 0, 1, 2, ... (quantitative) rather than on a nominal scale, so the brush knows which axis
it is on: the axes inside its horizontal extent, or the one nearest its centre (a drag straight
down has no width). The brushed range is drawn on that axis by a last layer."""

from __future__ import annotations

from typing import cast

import altair as alt
import pandas as pd

from generator.model.charts import PARALLEL_ABSENT, ParallelData
from generator.render.charts.common import TopChart, group_color, group_labels, sampling_lines, sig_column, title
from generator.render.charts.theme import BEST, BOUND, FAINT, WIDTH
from generator.render.charts.wording import say
from generator.render.env import fmt_num

TOP = 1.12
"""Where the axis names sit (axes run 0..1; "absent" sits below 0)."""
AXIS_SPACING = 110
"""Pixels per axis; longer names are cut with an ellipsis (the full name is in the tooltip)."""
BRUSH = "brush"
"""The selection's name (Vega-Lite names its pixel-extent signals after it)."""
SHADE = "shade"
"""Per trial: ``all`` (nothing brushed), ``in`` (crosses the brushed range) or ``out``."""
FADED = 0.03
"""Opacity of a trial outside the brushed range."""
SHOWN = 0.9
"""Opacity of a trial inside it: the few left stand out, whatever their number before."""
RANGE = "brushed_range"
"""A variable holding the brushed positions (axes run 0..1, either order: ``inrange`` takes
both) while a brush has height, else null (a click leaves one of zero height)."""
AXES = "brushed_axes"
"""A variable holding the brush's horizontal extent in axis slots (0, 1, 2, ...)."""


def brush_variables() -> list[alt.Parameter]:
    """``RANGE`` and ``AXES``, from the brush's pixel extents: the signals ``brush_x`` and
    ``brush_y`` that Vega-Lite makes for the selection, not its resolved value ``brush``:
    Vega-Lite drops a brush of zero width (its value stays empty), and a drag straight down an
    axis has zero width."""
    x, y = f"{BRUSH}_x", f"{BRUSH}_y"
    return [
        alt.param(
            name=RANGE,
            expr=f"length({y}) == 2 && {y}[0] != {y}[1] ? [invert('y', {y}[0]), invert('y', {y}[1])] : null",
        ),
        alt.param(name=AXES, expr=f"length({x}) == 2 ? [invert('x', {x}[0]), invert('x', {x}[1])] : [-1, -1]"),
    ]


def covers(slot: str) -> str:
    """Whether the brush covers the axis at ``slot`` (an expression): the axes whose slot lies
    within its horizontal extent, or else the one nearest its centre."""
    return f"(inrange({slot}, {AXES}) || round(({AXES}[0] + {AXES}[1]) / 2) == {slot})"


def shade_expression(n_axes: int) -> str:
    """The Vega expression giving a trial's ``shade`` from its positions ``p0..p<n-1>``: ``in``
    when its position on every covered axis lies within the brushed range (ends included)."""
    passes = " && ".join(f"(!{covers(str(i))} || inrange(datum.p{i}, {RANGE}))" for i in range(n_axes))
    return f"!{RANGE} ? 'all' : ({passes}) ? 'in' : 'out'"


def parallel_chart(data: ParallelData, elite_quantile: float) -> TopChart:
    fields = [axis.field for axis in data.axes]
    assert fields == [f"p{i}" for i in range(len(fields))]  # the shade expression names them so
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
    x = alt.X(field="slot", type="quantitative", scale=alt.Scale(domain=[-0.5, len(fields) - 0.5]), axis=None)
    y_scale = alt.Scale(domain=[PARALLEL_ABSENT - 0.05, TOP + 0.04])
    y = alt.Y(field="position", type="quantitative", scale=y_scale, axis=None)
    brush = alt.selection_interval(
        name=BRUSH,
        encodings=["x", "y"],
        zoom=False,
        clear="dblclick",
        mark=alt.BrushConfig(fill=BOUND, fillOpacity=0.12, stroke=BOUND, strokeWidth=1),
    )
    slots = list(range(len(fields)))
    rules = pd.DataFrame({"slot": slots, "position": [0.0] * len(fields), "top": [1.0] * len(fields)})
    layers = [alt.Chart(rules).mark_rule(color=BOUND).encode(x=x, y=y, y2=alt.Y2(field="top")).add_params(brush)]
    shade = shade_expression(len(fields))
    groups = []
    for elite, most, width in ((False, 0.35, 1.0), (True, 0.85, 1.8)):
        subset = wide[wide["group"] == (elite_label if elite else other_label)]
        if not subset.empty:
            # Many lines at full strength hide each other: fade them as they multiply.
            groups.append((subset, round(max(0.12, min(most, 25 / len(subset))), 3), width))
    # The legend would take its symbols' opacity from the opacity encoding's conditions (the
    # brushed strengths): it keeps the first line layer's, as before brushing existed.
    color = group_color(elite_quantile, other=FAINT, symbol_opacity=groups[0][1] if groups else None)
    for subset, opacity, width in groups:
        layers.append(
            alt.Chart(subset)
            .transform_calculate(**{SHADE: shade})
            .transform_fold(cast(list[str | alt.FieldName], fields), as_=["axis", "position"])
            .transform_calculate(slot="toNumber(substring(datum.axis, 1))")
            .mark_line(strokeWidth=width)
            .encode(
                x=x,
                y=y,
                detail=alt.Detail(field="number", type="nominal"),
                color=color,
                # Brushed: the trials that pass stand out, the others almost vanish.
                opacity=alt.Opacity(
                    condition=[
                        {"test": f"datum.{SHADE} === 'out'", "value": FADED},
                        {"test": f"datum.{SHADE} === 'in'", "value": SHOWN},
                    ],
                    value=opacity,
                ),
                tooltip=[
                    alt.Tooltip(field="number", type="quantitative", title=say("tooltip.number")),
                    alt.Tooltip(field="value", type="quantitative", title=say("tooltip.value"), format=".6g"),
                ],
            )
        )
    names = pd.DataFrame(
        {
            "slot": slots,
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
            {"slot": i, "position": tick.position, "label": _tick_label(tick.value)}
            for i, axis in enumerate(data.axes)
            for tick in axis.ticks
        ]
    )
    layers.append(
        alt.Chart(ticks)
        .mark_text(fontSize=11, align="left", dx=4, color="#333333")
        .encode(x=x, y=y, text=alt.Text(field="label"))
    )
    # The brushed range drawn on the axis it filters (the brush itself may have no width);
    # last, so nothing is drawn and no layer is renamed while nothing is brushed.
    layers.append(
        alt.Chart(rules)
        .transform_filter(f"{RANGE} && {covers('datum.slot')}")
        .transform_calculate(low=f"{RANGE}[0]", high=f"{RANGE}[1]")
        .mark_rule(color=BEST, strokeWidth=7, opacity=0.3, strokeCap="round")
        .encode(x=x, y=alt.Y(field="low", type="quantitative", scale=y_scale, axis=None), y2=alt.Y2(field="high"))
    )
    subtitle = [
        say("parallel.subtitle"),
        say(f"parallel.ranking.{data.ranking}", k=len(data.axes) - 1, n=data.n_params),
        say("parallel.brush"),
        *sampling_lines(data.sampling),
    ]
    return alt.layer(
        *layers, width=max(WIDTH, AXIS_SPACING * len(fields)), height=320, title=title(say("parallel.title"), subtitle)
    ).add_params(*brush_variables())


def _tick_label(value: float | str | None) -> str:
    if value is None:
        return say("parallel.absent")
    return value if isinstance(value, str) else fmt_num(value)
