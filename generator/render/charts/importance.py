"""Importance with 95% intervals: one panel per method (global and top-quantile side by side)."""

from __future__ import annotations

import altair as alt

from generator.model.charts import ImportanceData, ImportancePanel
from generator.render.charts.common import TopChart, frame, panel_title, title
from generator.render.charts.theme import BEST, OTHER, PANEL_WIDTH
from generator.render.charts.wording import lookup, say
from generator.render.env import fmt_num


def importance_chart(data: ImportanceData, elite_quantile: float) -> TopChart:
    panels = [_panel(panel, list(data.order), elite_quantile) for panel in data.panels]
    subtitle = [say("importance.subtitle")]
    methods = {panel.method for panel in data.panels}
    if {"fanova", "elite_mutual_info"} <= methods:
        # Side by side, the two rankings often differ (lr 0.02 on one, 0.36 on the other):
        # say once why, in the words of the panel titles.
        share = quantile_percent(elite_quantile)
        subtitle += [str(line).format(quantile_percent=share) for line in lookup("importance.disagree")]
    return alt.hconcat(*panels, title=title(say("importance.title"), subtitle))


def quantile_percent(elite_quantile: float) -> str:
    """The elite quantile as a percentage, formatted as findings.md's importance table formats
    its "Top 25%" column header (3 significant digits)."""
    return fmt_num(100 * elite_quantile, 3)


def _panel(panel: ImportancePanel, order: list[str], elite_quantile: float) -> alt.LayerChart | alt.FacetChart:
    bars = frame(panel.bars)
    y = alt.Y(field="param", type="nominal", sort=order, scale=alt.Scale(domain=order), title=None)
    x = alt.X(
        field="importance", type="quantitative", title=say("importance.axis"), scale=alt.Scale(zero=True, nice=True)
    )
    tooltip = [
        alt.Tooltip(field="param", type="nominal", title=say("tooltip.param")),
        alt.Tooltip(field="importance", type="quantitative", title=say("tooltip.importance"), format=".4g"),
        alt.Tooltip(field="ci_low", type="quantitative", title=say("tooltip.ci_low"), format=".4g"),
        alt.Tooltip(field="ci_high", type="quantitative", title=say("tooltip.ci_high"), format=".4g"),
    ]
    bar = alt.Chart(bars).mark_bar(color=OTHER, opacity=0.85, height={"band": 0.7}).encode(x=x, y=y, tooltip=tooltip)
    with_ci = bars[bars["ci_low"].notna() & bars["ci_high"].notna()] if "ci_low" in bars else bars.iloc[0:0]
    layers = [bar]
    if not with_ci.empty:
        layers.append(
            alt.Chart(with_ci)
            .mark_rule(color=BEST, strokeWidth=1.6)
            .encode(
                x=alt.X(field="ci_low", type="quantitative", title=say("importance.axis")),
                x2=alt.X2(field="ci_high"),
                y=y,
                tooltip=tooltip,
            )
        )
    methods = lookup("importance.methods") or {}
    # The table's column headers, so a reader matches panel and column ("Top 25%").
    label = str(methods.get(panel.method, panel.method)).replace("{quantile_percent}", quantile_percent(elite_quantile))
    return alt.layer(*layers, width=PANEL_WIDTH, height=alt.Step(22), title=panel_title(label))
