"""The importance chart's data: the importance findings, one panel per method, one order."""

from __future__ import annotations

from generator.analysis.chart_data.ranking import importance_order
from generator.model.charts import ImportanceBar, ImportanceData, ImportancePanel
from generator.model.findings import Importance


def importance_data(importance: tuple[Importance, ...]) -> ImportanceData | None:
    """Panels in the order the methods first appear (the importance analysis lists its global
    method first, the top-quantile one after); parameters ordered by the first method, then
    any parameter only another method ranked, by its largest importance there."""
    if not importance:
        return None
    methods = list(dict.fromkeys(i.method for i in importance))
    order = importance_order(importance, methods[0])
    others: dict[str, float] = {}
    for row in importance:
        if row.param not in order:
            others[row.param] = max(others.get(row.param, float("-inf")), row.importance)
    order += sorted(others, key=lambda p: (-others[p], p))
    position = {p: i for i, p in enumerate(order)}
    panels = tuple(
        ImportancePanel(
            method=method,
            bars=tuple(
                ImportanceBar(i.param, float(i.importance), i.ci_low, i.ci_high)
                for i in sorted((i for i in importance if i.method == method), key=lambda i: position[i.param])
            ),
        )
        for method in methods
    )
    return ImportanceData(panels=panels, order=tuple(order))
