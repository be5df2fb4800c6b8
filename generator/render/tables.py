"""CSV artifacts. Fixed column order, fixed float format, LF line endings: diff-friendly."""

from __future__ import annotations

import json

import pandas as pd

from generator.snapshot import Snapshot

FLOAT_FORMAT = "%.10g"


def to_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


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
