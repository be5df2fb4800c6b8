"""The CSV tables of a version as DataFrames: rows and columns decided here, from the snapshot
and the findings; ``generator/render/tables.py`` only writes them (float format, formula
neutralisation), so rendering never reads the snapshot."""

from __future__ import annotations

import json

import pandas as pd

from generator.analysis.compute import compute_rows
from generator.model.findings import Findings
from generator.snapshot.load import Snapshot


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


def pareto_table(findings: Findings) -> pd.DataFrame:
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
