"""CSV artifacts. Fixed column order, fixed float format, LF line endings: diff-friendly.

Every float is written with 10 significant digits (``FLOAT_FORMAT``), in numeric columns
and in mixed ones alike, so another machine's floating point (BLAS, libm), which moves the
15th digit, does not change the file. Every string cell that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
``'`` (OWASP's CSV-injection defence); numbers, including negative ones, are left as numbers.
A carriage return inside a cell is written as a line feed, which the writer quotes.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pandas as pd

from generator.analysis.compute import compute_rows
from generator.snapshot import Snapshot

FLOAT_FORMAT = "%.10g"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet evaluate a cell (OWASP CSV injection)."""
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf")


def to_csv(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])):
            safe[column] = safe[column].map(csv_cell)
    safe.columns = [csv_cell(c) if isinstance(c, str) else c for c in safe.columns]
    return safe.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def csv_cell(value: Any) -> Any:
    """One cell of a mixed column: floats at ``FLOAT_FORMAT``, formula-like strings neutralised."""
    if isinstance(value, float) and not isinstance(value, bool):
        return value if math.isnan(value) else FLOAT_FORMAT % value
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
            value = "'" + value
        # The writer quotes cells holding its line terminator (LF) but not a lone CR, which
        # readers take for a line break: CRs become LFs, so the cell is quoted and stays whole.
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def trials_table(snapshot: Snapshot) -> pd.DataFrame:
    """One row per trial: number, state, values, duration, then every parameter (blank if absent)."""
    table = snapshot.trials[["number", "state", "datetime_start", "datetime_complete", "duration_s"]].copy()
    for column in ("datetime_start", "datetime_complete"):
        table[column] = table[column].map(lambda t: "" if pd.isna(t) else pd.Timestamp(t).isoformat())
    values = snapshot.values.pivot(index="number", columns="objective", values="value")
    values.columns = [f"value_{int(c)}" if len(snapshot.directions) > 1 else "value" for c in values.columns]
    table = table.merge(values.reset_index(), on="number", how="left")
    if len(snapshot.params):
        wide = snapshot.params.assign(v=snapshot.params["value_json"].map(_csv_value)).pivot(
            index="number", columns="name", values="v"
        )
        wide.columns = [f"param_{c}" for c in wide.columns]
        table = table.merge(wide.reset_index(), on="number", how="left")
    return table.sort_values("number").reset_index(drop=True)


def _csv_value(value_json: str) -> object:
    value = json.loads(value_json)
    return "null" if value is None else value


def compute_table(snapshot: Snapshot) -> pd.DataFrame:
    """``artifacts/compute.csv``: per trial, state, duration, steps and (when the trainer recorded
    them) device and parameter count; ``findings.json`` ``compute`` holds the totals."""
    return pd.DataFrame(compute_rows(snapshot))


def pareto_table(findings: Any) -> pd.DataFrame:
    """pareto_front.csv: one row per non-dominated trial: number, value_<i> per objective, then
    every parameter (blank if absent)."""
    k = len(findings.study.directions)
    rows = [
        {"number": t.number}
        | {f"value_{i}": v for i, v in enumerate(t.values)}
        | {f"param_{name}": _csv_value(json.dumps(value)) for name, value in t.params.items()}
        for t in findings.pareto_front
    ]
    columns = ["number", *(f"value_{i}" for i in range(k))]
    table = pd.DataFrame.from_records(rows)
    if table.empty:
        return pd.DataFrame(columns=columns)
    params = sorted(c for c in table.columns if c not in columns)
    return table[columns + params]
