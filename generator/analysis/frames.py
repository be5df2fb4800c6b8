"""Shared views of a snapshot that every analysis needs, computed the same way everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.snapshot import Snapshot


def objective_values(snapshot: Snapshot, objective: int) -> pd.DataFrame:
    """COMPLETE trials with their value for ``objective``: columns ``number``, ``value``.

    Infinite values are kept here (callers count them); only COMPLETE trials carry values
    that describe the objective, per the statistical policy.
    """
    complete = snapshot.trials.loc[snapshot.trials["state"] == "COMPLETE", ["number"]]
    values = snapshot.values.loc[snapshot.values["objective"] == objective, ["number", "value"]]
    merged = complete.merge(values, on="number", how="inner")
    return merged.sort_values("number", kind="stable").reset_index(drop=True)


def finite_objective_values(snapshot: Snapshot, objective: int) -> pd.DataFrame:
    values = objective_values(snapshot, objective)
    return values.loc[np.isfinite(values["value"].to_numpy(dtype=float))].reset_index(drop=True)


def direction_sign(direction: str) -> float:
    """+1 when larger is better (maximize), -1 when smaller is better (minimize)."""
    return 1.0 if direction == "maximize" else -1.0


def best_first(values: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Rows sorted best first; ties broken by trial number so the order is deterministic."""
    key = -direction_sign(direction) * values["value"].to_numpy(dtype=float)
    order = np.lexsort((values["number"].to_numpy(), key))
    return values.iloc[order].reset_index(drop=True)
