"""The shape of each numeric parameter's relation: increasing, decreasing, interior or none.

Spearman's rho (the primary test) measures a monotone trend. A learning rate whose best values
sit inside the range, with both ends worse, can still give a large rho when the peak is off
centre, and "larger values are better" would then be wrong. So every continuous, integer and
ordinal parameter also gets an interior test, and its shape is decided in this order:

1. ``interior`` when all of these hold:
   - the curvature test: an OLS fit of the objective's ranks (larger = better) on the
     standardized rank u of the parameter and u**2 has a negative u**2 coefficient with
     one-sided p, corrected over every parameter's curvature test with the report's
     correction, below ``alpha`` (the strong level);
   - the fitted maximum lies strictly inside the observed range;
   - each side of the peak on its own: Spearman rho rises towards the peak on the trials at or
     below it and falls after it on the trials at or above it, each with one-sided
     p < ``SIDE_P``, |rho| >= ``MIN_SIDE_RHO`` and at least ``MIN_SIDE_N`` trials (the split
     point comes from the same data, so these only confirm what the corrected curvature test
     decided);
   - the best range (the branch's elites, ``BEST_TRIM`` of them dropped at each end) lies
     strictly inside the observed range: trials below and above it exist and scored worse.
2. ``increasing`` / ``decreasing`` when the primary Spearman test is strong or suggestive: the
   sign of the signed effect (rho times the objective's direction), so ``increasing`` always
   means larger values are better, whatever the direction of the study.
3. ``none`` otherwise: not enough evidence of either (never "no effect").

Ranks on both axes: a noiseless monotone relation of any form (log, exp, saturating) is a
straight line in ranks, so the curvature test reacts to a relation that turns, not to one that
merely bends, and a log-declared parameter needs no transform. The one-sided OLS p on rank
data is the rank-transform regression test (Conover and Iman, 1981).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import stats
from statsmodels.regression.linear_model import OLS  # not statsmodels.api: a second of imports

from generator.analysis.correction import adjust
from generator.analysis.rank_tests import exact_spearman_p, permutations_at_most
from generator.analysis.sample import ParamSample, StudySample
from generator.config import AnalysisConfig
from generator.model.findings import Directionality
from generator.model.shape import ShapeTest
from generator.model.vocabulary import Shape, TestName, Tier

METHOD = "rank_quadratic"
MIN_SHAPE_N = 12
"""Fewest trials for the curvature test: three coefficients, and room for MIN_SIDE_N trials on
each side of a peak."""
MIN_DISTINCT = 3
"""A quadratic needs three distinct parameter values."""
MIN_SIDE_N = 5
"""Fewest trials on each side of the peak for its side test (at n = 4 a one-sided exact p
cannot go below 1/24, and one trial decides it)."""
SIDE_P = 0.10
"""One-sided level each side test must reach: the suggestive level of the statistical policy.
(In simulation, 40 uniform trials: a centred log-scale peak is called interior in about 70% of
studies at noise half its depth and in 98% at a quarter; pure noise or a linear trend in about
2%; a rise then a flat plateau in about 9%. A level of 0.05 halves the plateau's rate but costs a
quarter of the power, and missing an interior optimum is the error this test exists to prevent.)"""
MIN_SIDE_RHO = 0.1
"""Smallest |rho| a side test must show as well (Cohen's "small" correlation): with thousands of
trials a negligible dip after a plateau (rho -0.07 on 437 trials) reaches p < SIDE_P, but it
does not make that end worse in any sense a next sweep should act on. Below about 270 trials
per side, p < SIDE_P already implies it."""
BEST_TRIM = 0.10
"""Share of the branch's elites dropped at each end of the best range."""
MIN_BEST_ELITES = 3
"""Fewest elites in the branch to state a best range."""


def with_shapes(
    effects: Sequence[Directionality], sample: StudySample, config: AnalysisConfig
) -> tuple[Directionality, ...]:
    """``effects`` with ``shape`` and ``shape_test`` set on every tested numeric parameter."""
    tests: dict[str, ShapeTest] = {}
    for d in effects:
        ps = sample.params.get(d.param)
        if d.test == TestName.SPEARMAN and d.p is not None and ps is not None and ps.x is not None:
            t = shape_test(ps, sample.sign)
            if t is not None:
                tests[d.param] = t
    names = sorted(tests)
    qs = adjust([tests[name].p for name in names], config.correction)
    for name, q in zip(names, qs, strict=True):
        tests[name] = replace(tests[name], q=float(q))
    out = []
    for d in effects:
        if d.test != TestName.SPEARMAN or d.p is None:
            out.append(d)
            continue
        t = tests.get(d.param)
        out.append(replace(d, shape=decide(d, t, config.alpha), shape_test=t))
    return tuple(out)


def decide(d: Directionality, t: ShapeTest | None, alpha: float) -> Shape:
    """The shape, by the rule in the module docstring."""
    if t is not None and is_interior(t, alpha):
        return Shape.INTERIOR
    if d.tier in (Tier.STRONG, Tier.SUGGESTIVE) and d.effect:
        return Shape.INCREASING if d.effect > 0 else Shape.DECREASING
    return Shape.NONE


def is_interior(t: ShapeTest, alpha: float) -> bool:
    if t.q is None or t.q >= alpha or t.curvature >= 0 or t.peak is None:
        return False
    sides = (
        t.rho_below is not None
        and t.rho_above is not None
        and t.p_below is not None
        and t.p_above is not None
        and t.rho_below > 0
        and t.rho_above < 0
        and t.p_below < SIDE_P
        and t.p_above < SIDE_P
        and min(abs(t.rho_below), abs(t.rho_above)) >= MIN_SIDE_RHO
    )
    if not sides or t.best_low is None or t.best_high is None:
        return False
    assert t.observed_low is not None and t.observed_high is not None
    return t.observed_low < t.best_low and t.best_high < t.observed_high


def shape_test(ps: ParamSample, sign: float) -> ShapeTest | None:
    """The rank-quadratic fit and its side tests; None when there are too few trials or values."""
    assert ps.x is not None
    x, good = ps.x, sign * ps.y
    if ps.n < MIN_SHAPE_N or len(np.unique(x)) < MIN_DISTINCT or np.ptp(good) == 0:
        return None
    rx = stats.rankdata(x)
    u = (rx - rx.mean()) / rx.std()
    fit = OLS(stats.rankdata(good), np.column_stack([np.ones_like(u), u, u**2])).fit()
    b1, b2 = float(fit.params[1]), float(fit.params[2])
    p_two = float(fit.pvalues[2])
    if not math.isfinite(p_two):
        return None
    p = p_two / 2 if b2 < 0 else 1 - p_two / 2
    best_low, best_high, n_best, n_elites = best_range(ps)
    n_in_best = int(((x >= best_low) & (x <= best_high)).sum()) if best_low is not None and best_high is not None else 0
    base = ShapeTest(
        method=METHOD,
        n=ps.n,
        curvature=b2,
        p=p,
        best_low=best_low,
        best_high=best_high,
        n_best=n_best,
        n_elites=n_elites,
        observed_low=float(x.min()),
        observed_high=float(x.max()),
        n_in_best=n_in_best,
    )
    if b2 >= 0:
        return base
    u_peak = -b1 / (2 * b2)
    # sorted; a tie shares its average rank, so u is increasing in levels (and any copy's u is its level's)
    levels, first = np.unique(x, return_index=True)
    u_levels = u[first]
    if not u_levels[0] < u_peak < u_levels[-1]:
        return base
    log = bool(ps.spec.log and levels[0] > 0)
    scale = np.log10(levels) if log else levels
    peak = float(np.interp(u_peak, u_levels, scale))
    peak = float(10**peak) if log else peak
    below, above = x <= peak, x >= peak
    rho_below, p_below = side_test(x[below], good[below], "greater")
    rho_above, p_above = side_test(x[above], good[above], "less")
    return replace(
        base,
        peak=peak,
        rho_below=rho_below,
        p_below=p_below,
        n_below=int(below.sum()),
        rho_above=rho_above,
        p_above=p_above,
        n_above=int(above.sum()),
    )


def side_test(x: np.ndarray, y: np.ndarray, alternative: str) -> tuple[float | None, float | None]:
    """Spearman rho and its one-sided p on one side of the peak (exact for small n)."""
    if len(x) < MIN_SIDE_N or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None, None
    rho = float(stats.spearmanr(x, y).statistic)
    if permutations_at_most(len(x)):
        return rho, exact_spearman_p(x, y, alternative)
    return rho, float(stats.spearmanr(x, y, alternative=alternative).pvalue)


def best_range(ps: ParamSample) -> tuple[float | None, float | None, int, int]:
    """The elites' range in the branch, ``BEST_TRIM`` of them dropped at each end, with the
    number of elites inside it and in the branch."""
    assert ps.x is not None
    elites = np.sort(ps.x[ps.elite])
    m = len(elites)
    if m < MIN_BEST_ELITES:
        return None, None, 0, m
    k = int(math.floor(BEST_TRIM * m))
    low, high = float(elites[k]), float(elites[m - 1 - k])
    return low, high, int(((elites >= low) & (elites <= high)).sum()), m
