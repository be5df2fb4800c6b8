"""The Pareto front of a multi-objective study and its hypervolume over the study.

The front is Optuna's own: ``study.best_trials`` calls ``_is_pareto_front`` on the values turned
into losses (maximized objectives negated), over COMPLETE trials, keeping only feasible ones when
any trial carries constraints. We call the same function on the snapshot's values, so the front
is ``best_trials`` by construction (``tests/test_multi_objective.py`` checks it against a live
Optuna study). One difference, stated in the report: trials with an infinite value are left out,
as everywhere else in the statistics (the hypervolume would be infinite).

The hypervolume uses ``optuna._hypervolume.compute_hypervolume``: exact in any dimension (a sort
and sum in 2-D, WFG in 3-D and above). It is not public API, but no public function computes a
hypervolume from values, and Optuna's own hypervolume-history plot uses it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from optuna._hypervolume import compute_hypervolume
from optuna.study._multi_objective import _is_pareto_front

from generator.analysis.elites import elite_analysis
from generator.analysis.sample import AnalysedSample
from generator.config import AnalysisConfig
from generator.model.effects import EliteAnalysis
from generator.model.multi import HypervolumeHistory, HypervolumePoint, ParetoTrial
from generator.snapshot.load import Snapshot

METRIC_NAMES_KEY = "study:metric_names"
"""Study system attribute where Optuna (3.2+) stores ``study.set_metric_names``."""
CONSTRAINTS_KEY = "constraints"
"""Trial system attribute (a list; or ``constraints:<name>`` scalars) holding constraint values."""
REFERENCE_MARGIN = 0.1
"""The hypervolume's reference point sits this share of each objective's range beyond its worst value."""


def objective_names(snapshot: Snapshot) -> tuple[str | None, ...]:
    """The study's metric names, or None for each objective when the storage has none."""
    n = len(snapshot.directions)
    attrs = snapshot.study_attrs
    rows = attrs[(attrs["kind"] == "system") & (attrs["key"] == METRIC_NAMES_KEY)]
    if not rows.empty:
        names = json.loads(rows["value_json"].iloc[0])
        if isinstance(names, list) and len(names) == n:
            return tuple(None if name is None else str(name) for name in names)
    return (None,) * n


def _infeasible(snapshot: Snapshot) -> tuple[bool, frozenset[int]]:
    """Whether any trial carries constraints, and the trials violating one (a value above 0)."""
    attrs = snapshot.trial_attrs
    rows = attrs[
        (attrs["kind"] == "system")
        & ((attrs["key"] == CONSTRAINTS_KEY) | attrs["key"].str.startswith(CONSTRAINTS_KEY + ":"))
    ]
    bad: set[int] = set()
    for number, value in zip(rows["number"], rows["value_json"], strict=True):
        decoded = json.loads(value)
        values = decoded if isinstance(decoded, list) else [decoded]
        if any(v is not None and float(v) > 0.0 for v in values):
            bad.add(int(number))
    return not rows.empty, frozenset(bad)


def pool(snapshot: Snapshot) -> tuple[pd.DataFrame, int, bool, int]:
    """COMPLETE trials with every objective's value finite (and feasible), sorted by number:
    columns ``number``, ``v0`` .. ``v{k-1}``; plus the counts left out (infinite, infeasible)."""
    k = len(snapshot.directions)
    complete = snapshot.trials.loc[snapshot.trials["state"] == "COMPLETE", "number"]
    values = snapshot.values[snapshot.values["number"].isin(complete)]
    wide = values.pivot(index="number", columns="objective", values="value").reindex(columns=range(k))
    wide.columns = [f"v{i}" for i in range(k)]
    wide = wide.dropna().reset_index().sort_values("number", kind="stable").reset_index(drop=True)
    finite = np.isfinite(wide[[f"v{i}" for i in range(k)]].to_numpy(dtype=float)).all(axis=1)
    n_infinite = int((~finite).sum())
    wide = wide[finite]
    constrained, infeasible = _infeasible(snapshot)
    feasible = ~wide["number"].isin(infeasible)
    n_infeasible = int((~feasible).sum())
    return wide[feasible].reset_index(drop=True), n_infinite, constrained, n_infeasible


def losses(table: pd.DataFrame, directions: tuple[str, ...]) -> np.ndarray:
    """Values as losses (maximized objectives negated), as Optuna's ``_normalize_value`` does."""
    signs = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    return table[[f"v{i}" for i in range(len(directions))]].to_numpy(dtype=float) * signs


def pareto_front(snapshot: Snapshot, table: pd.DataFrame) -> tuple[ParetoTrial, ...]:
    """The non-dominated trials of ``table`` (see ``pool``), by trial number, with their params."""
    if table.empty:
        return ()
    on_front = _is_pareto_front(losses(table, snapshot.directions), assume_unique_lexsorted=False)
    front = table[on_front]
    params = _params(snapshot, frozenset(int(n) for n in front["number"]))
    columns = [f"v{i}" for i in range(len(snapshot.directions))]
    return tuple(
        ParetoTrial(int(row.number), tuple(float(getattr(row, c)) for c in columns), params.get(int(row.number), {}))
        for row in front.itertuples(index=False)
    )


def _params(snapshot: Snapshot, numbers: frozenset[int]) -> dict[int, dict[str, Any]]:
    rows = snapshot.params[snapshot.params["number"].isin(numbers)]
    out: dict[int, dict[str, Any]] = {}
    for number, name, value_json in zip(rows["number"], rows["name"], rows["value_json"], strict=True):
        out.setdefault(int(number), {})[str(name)] = json.loads(value_json)
    return {n: dict(sorted(p.items())) for n, p in out.items()}


def hypervolume_history(table: pd.DataFrame, directions: tuple[str, ...]) -> HypervolumeHistory | None:
    """The hypervolume of the front of trials up to each number, at every trial that changed it.

    Reference point: each objective's worst value over ``table`` plus ``REFERENCE_MARGIN`` of its
    range (1 where the range is 0), in the objective's own direction, so every analysed trial
    dominates it and adds volume when it is on the front."""
    if table.empty:
        return None
    loss = losses(table, directions)
    worst = loss.max(axis=0)
    spread = loss.max(axis=0) - loss.min(axis=0)
    reference = worst + REFERENCE_MARGIN * np.where(spread > 0, spread, 1.0)
    signs = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    front = np.empty((0, loss.shape[1]))
    points: list[HypervolumePoint] = []
    for number, point in zip(table["number"].to_numpy(dtype=int), loss, strict=True):
        # The front changes only when the new trial is not weakly dominated by it.
        if len(front) and bool(np.any(np.all(front <= point, axis=1))):
            continue
        keep = ~(np.all(point <= front, axis=1) & np.any(point < front, axis=1))
        front = np.vstack([front[keep], point])
        volume = float(compute_hypervolume(front, reference, assume_pareto=True))
        points.append(HypervolumePoint(int(number), volume, len(front)))
    return HypervolumeHistory(
        reference_point=tuple(float(v) for v in reference * signs),
        reference_rule="worst_plus_margin",
        margin=REFERENCE_MARGIN,
        points=tuple(points),
        final=points[-1].hypervolume,
        n=len(table),
    )


def pareto_elites(
    objective0: AnalysedSample, config: AnalysisConfig, front: tuple[ParetoTrial, ...], n_pool: int
) -> EliteAnalysis | None:
    """Elite analysis (levels enriched, ranges) with the non-dominated trials as the elites.

    The trials are those with a finite value of objective 0 (its study sample, re-flagged
    here); the front's trials all have one. ``quantile`` is the front's share of the pool."""
    if not front or n_pool == 0:
        return None
    assert objective0.objective == 0
    numbers = [t.number for t in front]
    sample = objective0.tests
    params = {}
    for name, ps in sample.params.items():
        assert ps.numbers is not None
        params[name] = replace(ps, elite=np.isin(ps.numbers, numbers), best=np.zeros(ps.n, dtype=bool))
    sample = replace(
        sample,
        n_elites=len(front),
        elite_quantile=len(front) / n_pool,
        elite_threshold=None,
        best_number=None,
        params=params,
    )
    return elite_analysis(sample, config)
