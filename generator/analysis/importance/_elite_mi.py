"""Top-quantile importance on one scale for every parameter kind: mutual information with "is elite".

The question is the one PED-ANOVA asks (what matters for reaching the top ``quantile`` of
trials), but PED-ANOVA's Pearson divergences are not on one scale across parameter kinds: on
a real study a categorical level used by 24 of 25 elites (against 56% of all trials) got
0.001 beside a sharply peaked continuous parameter, because the continuous divergence is taken
between two kernel densities and the categorical one between two level histograms. Here every
parameter is first reduced to the same kind of thing, a partition of its trials:

- a number (continuous, integer) into ``n_bins`` equal-count bins of the trials that have it
  (equal-count bins do not depend on the scale, so a log parameter is binned as on its log
  scale); a number with at most ``n_bins`` distinct values by value;
- a categorical, ordinal or boolean parameter by level;

and its importance is the mutual information between that partition and the elite indicator
``E``, divided by the entropy of ``E``: the fraction of the uncertainty about "is this trial an
elite" that knowing the parameter removes. Each value is in [0, 1] on its own (they do not sum
to 1: when nothing matters, every value is near 0). A conditional parameter contributes
``I(E; X | present)``: its within-branch information weighted by the branch's share of
trials, which leaves the branch itself (whether the parameter exists) to its parent, as the
variance decomposition does.

Plug-in mutual information is biased upward by about ``(cells - 1) / (2 n)`` nats, more for
parameters with more levels or bins; the point is Miller-Madow corrected, which puts a
2-level categorical and a 10-bin number on the same footing. Intervals are basic bootstrap
intervals: resampling trials with replacement makes a parameter's contingency table
multinomial, so each replicate is one multinomial draw of its cells (vectorised, no per-trial
work), and the interval is reflected around the corrected point, then kept in [0, 1].

A converged elite level (``findings.elites``: an elite share of at least 0.8 with a strong
Fisher enrichment test) cannot get a small value here: the partition by level refines the
2 x 2 table the Fisher test uses, so by the data-processing inequality the mutual information
is at least that table's.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from generator.analysis.frames import elite_count
from generator.analysis.importance._base import (
    TOO_FEW_TRIALS,
    ImportanceEvaluator,
    ImportanceInput,
    MethodResult,
    ParamData,
    common_skip_reason,
)
from generator.analysis.importance._intervals import reflected_interval
from generator.analysis.params import scale
from generator.model.findings import Importance, ImportanceMethod
from generator.model.vocabulary import ParamKind

METHOD = "elite_mutual_info"
SCALE = "elite_entropy_fraction"
MIN_TOP_TRIALS = 5
"""Fewer elites than this leave the elite indicator's entropy too small to divide by."""
MAX_BINS = 10
"""Bins of a numeric parameter in a large study: the same for every number, so the values compare."""
MIN_BINS = 3
"""Three, not two: a median split cannot see an optimum inside the range (elites in the middle
fall on both sides of the median), so a study below 75 trials reported 0 for a parameter whose
elites all sat in a narrow interior band that the shape analysis calls interior."""
TRIALS_PER_BIN = 25
"""A study of ``n`` trials bins numbers into ``n // TRIALS_PER_BIN`` bins (within MIN_BINS..MAX_BINS):
about ``TRIALS_PER_BIN * quantile`` elites per bin (six at the default quarter)."""
INTERVAL = "multinomial_bootstrap"


def n_bins_for(n: int) -> int:
    """Bins of every numeric parameter of a study of ``n`` analysed trials."""
    return int(np.clip(n // TRIALS_PER_BIN, MIN_BINS, MAX_BINS))


def elite_mask(data: ImportanceInput, quantile: float) -> np.ndarray:
    """The elites among the analysed trials, chosen as ``findings.elites`` chooses them: the
    best ``ceil(quantile * n)`` by the study's direction, ties broken by trial number."""
    sign = 1.0 if data.direction == "maximize" else -1.0
    order = np.lexsort((data.numbers, -sign * data.values))
    mask = np.zeros(data.n, dtype=bool)
    mask[order[: elite_count(data.n, quantile)]] = True
    return mask


def bin_codes(param: ParamData, n_bins: int) -> np.ndarray:
    """The partition a parameter is measured on: a code per trial, -1 where it is absent."""
    codes = np.full(len(param.present), -1, dtype=np.int64)
    rows = np.flatnonzero(param.present)
    if not len(rows):
        return codes
    if param.spec.numeric and param.spec.kind != ParamKind.ORDINAL:
        x = scale(param.spec, param.numeric[rows])
        finite = np.isfinite(x)
        distinct = np.unique(x[finite])
        if len(distinct) <= n_bins:
            codes[rows[finite]] = np.searchsorted(distinct, x[finite])
        else:
            edges = np.quantile(x[finite], np.linspace(0.0, 1.0, n_bins + 1)[1:-1])
            codes[rows[finite]] = np.searchsorted(edges, x[finite], side="right")
        return codes
    codes[rows] = pd.factorize(param.keys[rows].astype(str), sort=True)[0]
    return codes


def _tables(codes: np.ndarray, elite: np.ndarray) -> np.ndarray:
    """The (levels + 1) x 2 contingency table; the last row counts the trials without the parameter."""
    levels = int(codes.max()) + 1 if (codes >= 0).any() else 0
    row = np.where(codes >= 0, codes, levels)
    return np.bincount(row * 2 + elite.astype(np.int64), minlength=2 * (levels + 1)).reshape(levels + 1, 2)


def _xlogx(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)


def information(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per table (``(..., levels + 1, 2)``, last row the trials without the parameter), in
    nats: the plug-in ``I(E; X | present)`` (the within-branch information times the branch's
    share of trials), ``H(E)`` over all trials, and the Miller-Madow bias of the first,
    ``(levels seen - 1) (elite values seen - 1) / (2 n)``."""
    present = tables[..., :-1, :].astype(float)
    n = tables.sum(axis=(-2, -1)).astype(float)
    n_p = present.sum(axis=(-2, -1))
    by_level = present.sum(axis=-1)
    by_elite = present.sum(axis=-2)
    # n_p * I(E; X | present) = Σ n_ke ln n_ke - Σ n_k ln n_k - Σ n_e ln n_e + n_p ln n_p
    mutual = (
        _xlogx(present).sum(axis=(-2, -1)) - _xlogx(by_level).sum(axis=-1) - _xlogx(by_elite).sum(axis=-1) + _xlogx(n_p)
    )
    elites = tables[..., 1].sum(axis=-1).astype(float)
    entropy = (_xlogx(n) - _xlogx(elites) - _xlogx(n - elites)) / np.where(n > 0, n, 1.0)
    levels_seen = (by_level > 0).sum(axis=-1)
    elite_seen = (by_elite > 0).sum(axis=-1)
    bias = np.clip(levels_seen - 1, 0, None) * np.clip(elite_seen - 1, 0, None) / 2.0
    safe_n = np.where(n > 0, n, 1.0)
    return np.clip(mutual, 0.0, None) / safe_n, entropy, bias / safe_n


class EliteMutualInfoEvaluator(ImportanceEvaluator):
    method = METHOD
    scale = SCALE

    def __init__(self, quantile: float, resamples: int = 200) -> None:
        self.quantile = quantile
        self.resamples = resamples

    def evaluate(self, data: ImportanceInput) -> MethodResult:
        reason = common_skip_reason(data)
        if reason is None and math.ceil(self.quantile * data.n - 1e-9) < MIN_TOP_TRIALS:
            reason = TOO_FEW_TRIALS
        if reason is not None:
            return self.skipped(data, reason, self.quantile)
        elite = elite_mask(data, self.quantile)
        n_bins = n_bins_for(data.n)
        rng = data.rng(METHOD)
        importances = []
        for name, param in sorted(data.params.items()):
            value: tuple[float, float | None, float | None] = (0.0, 0.0, 0.0)
            if param.varies:
                value = self._one(bin_codes(param, n_bins), elite, rng)
            importances.append(Importance(name, METHOD, *value, condition=param.spec.condition, n=param.n_present))
        summary = ImportanceMethod(
            method=METHOD,
            scale=SCALE,
            n=data.n,
            quantile=self.quantile,
            resamples=self.resamples,
            interval=INTERVAL,
            skipped=None,
        )
        return MethodResult(summary, tuple(importances))

    def _one(
        self, codes: np.ndarray, elite: np.ndarray, rng: np.random.Generator
    ) -> tuple[float, float | None, float | None]:
        table = _tables(codes, elite)
        mutual, entropy, bias = information(table)
        point = float(np.clip((mutual - bias) / entropy, 0.0, 1.0))
        if self.resamples < 2:
            return point, None, None
        draws = rng.multinomial(int(table.sum()), (table / table.sum()).ravel(), size=self.resamples)
        rep_mutual, rep_entropy, _ = information(draws.reshape(self.resamples, *table.shape))
        with np.errstate(divide="ignore", invalid="ignore"):
            replicates = rep_mutual / rep_entropy
        replicates = replicates[np.isfinite(replicates)]
        if len(replicates) < 2:
            return point, None, None
        low, high = reflected_interval(np.array([point]), replicates[None, :])
        low_value = float(np.clip(min(low[0], point), 0.0, 1.0))
        high_value = float(np.clip(max(high[0], point), 0.0, 1.0))
        return point, low_value, high_value
