"""Top-quantile importance: what matters for reaching the elite, by Optuna's PED-ANOVA.

PED-ANOVA (Watanabe et al., IJCAI 2023; conditional spaces: KDD 2026) compares where the top
``quantile`` of trials lie with where all trials lie, per parameter; Optuna's
``PedAnovaImportanceEvaluator`` is maintained and fast, so we run it rather than re-derive it.
It treats conditional parameters and changing ranges itself (one regime per declared
distribution, the inactive one included). The quantile is the report's elite quantile, so
"top-quantile importance" and "elites" mean the same trials.

Intervals come from subsampling (Politis & Romano): the evaluator is rerun on random subsets
of ``m`` trials drawn without replacement, and deviations from the full-sample value are
rescaled by ``sqrt(m / (n - m))`` (for ``m = n/2`` the finite-population correction makes
half-samples vary exactly as much as the full sample would); with a few tens of reruns the
interval is the normal one from their standard deviation. Subsamples keep every trial's
identity, so Optuna's own trial filtering does the subsetting: trials outside a subsample get
a NaN target, which the evaluator drops. ``m`` is capped so the cost stays bounded on large
studies; each rerun goes through Optuna's per-trial Python loops. For the same reason a study
larger than ``MAX_TRIALS`` is analysed on a random subset of that size.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import optuna
from optuna.importance import PedAnovaImportanceEvaluator as OptunaPedAnova
from optuna.trial import FrozenTrial, create_trial

from generator.analysis.importance._base import (
    TOO_FEW_TRIALS,
    ImportanceEvaluator,
    ImportanceInput,
    MethodResult,
    common_skip_reason,
)
from generator.analysis.importance._intervals import normalized_shares
from generator.model.findings import Importance, ImportanceMethod
from generator.snapshot.distributions import parse_distribution

METHOD = "ped_anova"
MIN_TOP_TRIALS = 5
"""Optuna's documentation: PED-ANOVA is stable with at least 5 trials above the quantile."""
MAX_TRIALS = 5000
"""PED-ANOVA runs on at most this many trials (a seeded random subset, stated as ``n``):
Optuna copies every trial into a study (~0.3 ms each) and its 50-point Parzen grids are
already precise at this size, so more trials only cost time."""
SUBSAMPLE_CAP = 500
"""Largest subsample: each rerun walks Optuna's per-trial Python loops, so the cost of the
intervals stays near 30 runs on 500 trials however large the study (the deviations are
rescaled to the full sample, so a smaller subsample widens nothing, it only adds noise)."""


class PedAnovaEvaluator(ImportanceEvaluator):
    method = METHOD
    scale = "normalized"

    def __init__(self, quantile: float, resamples: int = 30) -> None:
        self.quantile = quantile
        self.resamples = resamples

    def evaluate(self, data: ImportanceInput) -> MethodResult:
        reason = common_skip_reason(data)
        if reason is None and math.ceil(self.quantile * data.n) < MIN_TOP_TRIALS:
            reason = TOO_FEW_TRIALS
        if reason is not None:
            return self.skipped(data, reason, self.quantile)
        # A parameter with one observed value explains nothing; PED-ANOVA would still give it
        # a small divergence (its prior weighs the few top trials more than all trials).
        names = sorted(name for name, param in data.params.items() if param.varies)
        rng = data.rng(METHOD)
        rows = np.arange(data.n)
        if data.n > MAX_TRIALS:
            rows = np.sort(rng.choice(data.n, size=MAX_TRIALS, replace=False))
        study = _study(data, names, rows)
        # PED-ANOVA ranks by a target where lower is better.
        losses = (data.values if data.direction == "minimize" else -data.values)[rows]
        full = self._run(study, names, losses)
        m = min(len(rows) // 2, SUBSAMPLE_CAP)
        replicates = np.empty((len(names), self.resamples))
        for b in range(self.resamples):
            masked = np.full(len(rows), np.nan)
            chosen = rng.choice(len(rows), size=m, replace=False)
            masked[chosen] = losses[chosen]
            replicates[:, b] = self._run(study, names, masked)
        if full.sum() > 0:
            spread = math.sqrt(m / (len(rows) - m))
            point, low, high = normalized_shares(full, replicates, bias_correct=False, spread=spread, normal=True)
            values: list[tuple[float, float | None, float | None]] = [
                (float(p), float(lo), float(hi)) for p, lo, hi in zip(point, low, high, strict=True)
            ]
        else:  # no parameter separates the top trials from the rest
            values = [(0.0, None, None)] * len(names)
        by_name = dict(zip(names, values, strict=True))
        importances = tuple(
            Importance(
                name, METHOD, *by_name.get(name, (0.0, 0.0, 0.0)), condition=param.spec.condition, n=param.n_present
            )
            for name, param in sorted(data.params.items())
        )
        summary = ImportanceMethod(
            method=METHOD,
            scale=self.scale,
            n=len(rows),
            quantile=self.quantile,
            resamples=self.resamples,
            interval="subsampling",
            skipped=None,
        )
        return MethodResult(summary, importances)

    def _run(self, study: optuna.Study, names: list[str], losses: np.ndarray) -> np.ndarray:
        evaluator = OptunaPedAnova(target_quantile=self.quantile, region_quantile=1.0)
        with warnings.catch_warnings():
            # It warns that it minimizes the target (we negate for maximize) and about thin regimes.
            warnings.simplefilter("ignore")
            result = evaluator.evaluate(study, params=names, target=lambda t: float(losses[t.number]))
        return np.array([max(float(result.get(name, 0.0)), 0.0) for name in names])


def _study(data: ImportanceInput, names: list[str], rows: np.ndarray) -> optuna.Study:
    """An in-memory study of the analysed trials ``rows``, numbered in that (canonical) order."""
    # Optuna logs "A new study created in memory" at INFO on every call; that line is noise in
    # the user's terminal (and in logs of CI runs), so silence it for this call only.
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(direction="minimize")
    finally:
        optuna.logging.set_verbosity(verbosity)
    study.add_trials([_trial(data, names, int(i)) for i in rows])
    return study


def _trial(data: ImportanceInput, names: list[str], row: int) -> FrozenTrial:
    params = {}
    distributions = {}
    for name in names:
        param = data.params[name]
        if param.present[row]:
            params[name] = json.loads(param.keys[row])
            distributions[name] = parse_distribution(param.distributions[row])
    try:
        return create_trial(params=params, distributions=distributions, value=float(data.values[row]))
    except ValueError:
        # A value outside its own declared distribution (seen in hand-edited storages):
        # leave that parameter out of this trial rather than the whole trial.
        kept = {k: v for k, v in params.items() if _contains(distributions[k], v)}
        return create_trial(
            params=kept, distributions={k: distributions[k] for k in kept}, value=float(data.values[row])
        )


def _contains(distribution: optuna.distributions.BaseDistribution, value: object) -> bool:
    try:
        create_trial(params={"p": value}, distributions={"p": distribution}, value=0.0)
    except ValueError:
        return False
    return True
