"""Shared views of a snapshot that every analysis needs, computed the same way everywhere."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from generator.snapshot.load import Snapshot


def objective_values(snapshot: Snapshot, objective: int) -> pd.DataFrame:
    """COMPLETE trials with their value for ``objective``: columns ``number``, ``value``.

    Infinite values are kept here (callers count them); only COMPLETE trials carry values
    that describe the objective, per the statistical policy (and pruned ones at their last
    value when asked: ``analysis/pruned.py`` sets ``snapshot.analysed_states``).
    """
    complete = snapshot.trials.loc[snapshot.trials["state"].isin(snapshot.analysed_states), ["number"]]
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


def elite_count(n: int, quantile: float) -> int:
    """How many of ``n`` complete trials are elites: ceil(quantile * n), at least one."""
    return 0 if n == 0 else max(1, math.ceil(quantile * n - 1e-9))


def elite_numbers(snapshot: Snapshot, objective: int, direction: str, quantile: float) -> frozenset[int]:
    """Trial numbers of the elites: the best ``quantile`` of COMPLETE trials with finite values.

    Ties at the cut-off are broken by trial number (earlier first), so the set is deterministic.
    """
    return elites_among(finite_objective_values(snapshot, objective), direction, quantile)


def elites_among(values: pd.DataFrame, direction: str, quantile: float) -> frozenset[int]:
    """The elites of ``values`` (``finite_objective_values``): for a caller that already has them."""
    ordered = best_first(values, direction)
    return frozenset(int(n) for n in ordered["number"].iloc[: elite_count(len(ordered), quantile)])


def param_table(snapshot: Snapshot, objective: int) -> pd.DataFrame:
    """COMPLETE trials with a finite value, one row each: ``number``, ``value``, then one
    column per parameter holding ``value_num`` for numeric values and the decoded JSON value
    otherwise (NaN where the parameter is absent)."""
    values = finite_objective_values(snapshot, objective)
    if snapshot.params.empty:
        return values
    params = snapshot.params[snapshot.params["number"].isin(values["number"])]
    decoded = params["value_num"].where(params["value_num"].notna(), params["value_json"].map(json.loads))
    wide = params.assign(v=decoded).pivot(index="number", columns="name", values="v")
    return values.merge(wide.reset_index(), on="number", how="left")
