"""``artifacts/importances.csv``: every importance of every method, one row each.

``condition_value`` is JSON (``"cnn"``, ``[2, 3]``, ``true``), so a category named ``true`` and the
boolean stay distinct.
"""

from __future__ import annotations

import json

import pandas as pd

from generator.model.findings import Findings

COLUMNS = [
    "param",
    "method",
    "importance",
    "ci_low",
    "ci_high",
    "condition_parent",
    "condition_value",
    "n",
    "scale",
    "quantile",
]


def importances_table(findings: Findings) -> pd.DataFrame:
    """Rows by method, then importance (largest first), then name; the method's scale
    (``normalized``: sums to 1 over parameters) and quantile repeated on each row so the file
    stands alone."""
    methods = {m.method: m for m in findings.importance_methods}
    rows = []
    for i in findings.importance:
        method = methods.get(i.method)
        rows.append(
            {
                "param": i.param,
                "method": i.method,
                "importance": i.importance,
                "ci_low": i.ci_low,
                "ci_high": i.ci_high,
                "condition_parent": i.condition.parent if i.condition else None,
                "condition_value": json.dumps(i.condition.value) if i.condition else None,
                "n": i.n,
                "scale": method.scale if method else None,
                "quantile": method.quantile if method else None,
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    table = table.assign(_order=-table["importance"]).sort_values(["method", "_order", "param"], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True).astype({"n": "Int64"})
