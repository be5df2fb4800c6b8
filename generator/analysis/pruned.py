"""``--include-pruned``: analyse pruned trials at their last reported value (optuna#3709).

Off by default (the statistical policy analyses COMPLETE trials). When on, every analysis that
selects trials through ``frames.objective_values`` sees the pruned trials too: the view below
gives each pruned trial its last finite intermediate value as its objective value (Optuna
stores the same value when it prunes; older studies may not) and marks PRUNED as analysed.
Trial counts, curves and compute accounting keep using the trials' real states.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from generator.config import AnalysisConfig
from generator.model.curves import PrunedAnalysis
from generator.snapshot.load import Snapshot

ANALYSED_WITH_PRUNED = ("COMPLETE", "PRUNED")


def analysed_view(snapshot: Snapshot, config: AnalysisConfig) -> Snapshot:
    """``snapshot`` itself, or (with ``include_pruned``) a view in which pruned trials carry values."""
    if not config.include_pruned or "PRUNED" in snapshot.analysed_states or len(snapshot.directions) != 1:
        return snapshot
    pruned = snapshot.trials.loc[snapshot.trials["state"] == "PRUNED", "number"]
    inter = snapshot.intermediate[snapshot.intermediate["number"].isin(pruned)]
    inter = inter[np.isfinite(inter["value"].to_numpy(dtype=float))]
    last = inter.sort_values(["number", "step"]).groupby("number", sort=True).tail(1)
    stored = snapshot.values[snapshot.values["number"].isin(pruned) & ~snapshot.values["number"].isin(last["number"])]
    added = pd.DataFrame({"number": last["number"].to_numpy(), "objective": 0, "value": last["value"].to_numpy()})
    values = pd.concat(
        [snapshot.values[~snapshot.values["number"].isin(pruned)], stored, added.astype(snapshot.values.dtypes)],
        ignore_index=True,
    ).sort_values(["number", "objective"], kind="stable")
    return dataclasses.replace(snapshot, values=values.reset_index(drop=True), analysed_states=ANALYSED_WITH_PRUNED)


def pruned_analysis(view: Snapshot, config: AnalysisConfig) -> PrunedAnalysis | None:
    """How many complete and pruned trials the analysis saw (None when pruned trials are not analysed)."""
    if not config.include_pruned:
        return None
    states = view.trials.set_index("number")["state"]
    values = view.values[view.values["objective"] == config.objective_index]
    finite = values[np.isfinite(values["value"].to_numpy(dtype=float))]
    analysed = finite["number"][finite["number"].map(states).isin(view.analysed_states)]
    pruned = sorted(int(n) for n in analysed if states[n] == "PRUNED")
    return PrunedAnalysis(
        included="PRUNED" in view.analysed_states,
        n_complete=int(len(analysed) - len(pruned)),
        n_pruned=len(pruned),
        numbers=tuple(pruned),
    )
