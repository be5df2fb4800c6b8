"""The CSV tables of a version as DataFrames: rows and columns decided here, from the snapshot
and the findings; ``generator/render/tables.py`` only writes them (float format, formula
neutralisation), so rendering never reads the snapshot."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd

from generator.analysis.compute import compute_rows
from generator.model.curves import TrialCurve
from generator.model.findings import Findings
from generator.snapshot.load import Snapshot


def trials_table(snapshot: Snapshot) -> pd.DataFrame:
    """One row per trial: number, state, values, duration, then every parameter (blank if absent)."""
    table = snapshot.trials[["number", "state", "datetime_start", "datetime_complete", "duration_s"]].copy()
    for column in ("datetime_start", "datetime_complete"):
        table[column] = _isoformat(table[column])
    values = snapshot.values.pivot(index="number", columns="objective", values="value")
    values.columns = [f"value_{int(c)}" if len(snapshot.directions) > 1 else "value" for c in values.columns]
    table = table.merge(values.reset_index(), on="number", how="left")
    if len(snapshot.params):
        # Each distinct JSON text parsed once (a categorical's few levels, each float once).
        codes, texts = pd.factorize(snapshot.params["value_json"])
        parsed = [_csv_value(text) for text in texts.tolist()]
        cells = pd.Series([parsed[c] for c in codes.tolist()], index=snapshot.params.index)
        wide = snapshot.params.assign(v=cells).pivot(index="number", columns="name", values="v")
        wide.columns = [f"param_{c}" for c in wide.columns]
        table = table.merge(wide.reset_index(), on="number", how="left")
    return table.sort_values("number").reset_index(drop=True)


def _csv_value(value_json: str) -> object:
    if value_json[:1] in _NUMBER_STARTS:
        # json.dumps wrote this number: int() and float() read it back as json.loads would
        # ("-Infinity" too), at a fraction of the cost; anything else goes to json.loads.
        try:
            return float(value_json) if _FLOAT_MARKS.intersection(value_json) else int(value_json)
        except ValueError:
            pass
    value = json.loads(value_json)
    return "null" if value is None else value


_NUMBER_STARTS = frozenset("-0123456789")
_FLOAT_MARKS = frozenset(".eEI")
"""A JSON number with one of these is a float (``I``: ``-Infinity``); without, an int."""


def _isoformat(moments: pd.Series) -> pd.Series:
    """``Timestamp.isoformat()`` of each moment (microseconds only when not zero; the snapshot
    keeps microseconds), blank where there is none: NumPy formats the column at once."""
    values = moments.to_numpy(dtype="datetime64[us]")
    text = np.datetime_as_string(values, unit="us").astype(object)
    whole = values.astype(np.int64) % 1_000_000 == 0
    text[whole] = [t[:-7] for t in text[whole].tolist()]
    text[np.isnat(values)] = ""
    return pd.Series(text.tolist(), index=moments.index)


def compute_table(snapshot: Snapshot) -> pd.DataFrame:
    """``artifacts/compute.csv``: per trial, state, duration, steps and (when the trainer recorded
    them) device and parameter count; ``findings.json`` ``compute`` holds the totals."""
    return pd.DataFrame(compute_rows(snapshot))


def learning_curves_table(curves: tuple[TrialCurve, ...]) -> pd.DataFrame:
    """``artifacts/learning_curves.csv``: every trial's curve summary (``curves.trial_curves``,
    the fields of ``TrialCurve``), one row per trial with a curve, by number; ``findings.json``
    ``learning_curves`` holds the study's summary and the elite rows the report shows."""
    columns = [f.name for f in dataclasses.fields(TrialCurve)]
    # vars(): the dataclass's own dict, without asdict's deep copy of every row.
    return pd.DataFrame.from_records([vars(t) for t in curves], columns=columns)


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
