"""Power: the smallest effect each test could detect with its n, and the n to confirm an effect.

Choices, stated once:
- Per-test alpha. Under a correction, a lone real effect among nulls must clear the strictest
  step: alpha / m (Bonferroni, Holm's first step, Sidak to within 1%, and Benjamini-Hochberg
  when a single hypothesis is rejected). So power is computed at alpha / m for every
  correction except ``none`` (alpha). It is the conservative bar: effects that share the
  family with other real effects face a lower one under Holm or FDR.
- Spearman: Fisher's z with the variance 1.06 / (n - 3) that Fieller, Hartley & Pearson
  (1957) give for Spearman's rho (Pearson's r has 1 / (n - 3)); normal quantiles from scipy.
- Mann-Whitney and Kruskal-Wallis: statsmodels' power of the two-sample t-test and the one-way
  ANOVA F-test, at the rank tests' asymptotic relative efficiency 3/pi under normality (a rank
  test with n trials is as powerful as the parametric test with 3n/pi). The t effect d maps to
  rank-biserial r = 2 Phi(d / sqrt 2) - 1 (probability of superiority of two normal groups),
  the F effect f to epsilon-squared f^2 / (1 + f^2).
The n to confirm an effect uses the observed effect as if it were the true one; observed
effects that only just pass a threshold tend to be overestimates, so treat it as a floor.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.power import FTestAnovaPower, TTestIndPower

POWER = 0.80
SPEARMAN_Z_VARIANCE = 1.06
RANK_ARE = 3.0 / math.pi
_MAX_EFFECT = 50.0
_MAX_N = 10**8
_STEP = 1.5
_MAX_STEPS = 100
_REFINE_GRID = 33
_REFINE_DEPTH = 3


def per_test_alpha(alpha: float, correction: str, m: int) -> float:
    return alpha if correction == "none" or m <= 1 else alpha / m


def _z_sum(alpha: float, power: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def min_rho(n: int, alpha: float, power: float = POWER) -> float | None:
    """Smallest |rho| a two-sided Spearman test with n pairs detects with ``power``."""
    if n <= 3:
        return None
    return math.tanh(_z_sum(alpha, power) * math.sqrt(SPEARMAN_Z_VARIANCE / (n - 3)))


def n_for_rho(rho: float, alpha: float, power: float = POWER) -> int | None:
    """Pairs needed to detect |rho| with ``power`` (Fisher z, Spearman variance)."""
    r = min(abs(rho), 0.999)
    if r == 0:
        return None
    return math.ceil(3 + SPEARMAN_Z_VARIANCE * (_z_sum(alpha, power) / math.atanh(r)) ** 2)


def _solve(func, guess: float, low: float, high: float) -> float | None:
    """Root of an increasing function within [low, high], or None when it has none there.

    Brackets the root by stepping geometrically from ``guess`` (a normal-approximation
    answer, so a step or two suffices), then refines with brentq. NaNs are stepped over:
    statsmodels' power functions return NaN where the noncentral distributions underflow
    (power within about 1e-12 of 0 or 1), far from the 80% sought here, though not only at
    the ends: with 3 and 4 trials the t-test's power is NaN at scattered effects between
    ones where it is finite (see ``_refine``).
    """
    point = min(max(guess, low), high)
    value = func(point)
    upward = not (math.isfinite(value) and value >= 0)
    previous = None
    for _ in range(_MAX_STEPS):
        if math.isfinite(value):
            if upward and value >= 0:
                return _refine(func, previous, point) if previous else point
            if not upward and value < 0:
                return _refine(func, point, previous) if previous else None
            previous = point
        if (upward and point >= high) or (not upward and point <= low):
            return None
        point = min(point * _STEP, high) if upward else max(point / _STEP, low)
        value = func(point)
    return None


def _refine(func, below: float, above: float, depth: int = _REFINE_DEPTH) -> float:
    """The root between ``below`` (func < 0) and ``above`` (func >= 0), NaN-safe.

    brentq stops at the first NaN it meets inside the bracket. Then a grid over the bracket
    narrows it to two neighbouring finite points of opposite sign, and brentq tries again; if
    NaNs still block it, ``above`` (where the power is known to be reached) is the answer: a
    slightly conservative one, within the grid's step.
    """
    try:
        return float(optimize.brentq(func, below, above, xtol=1e-10))
    except ValueError:
        if depth == 0:
            return above
    grid = np.linspace(below, above, _REFINE_GRID)
    values = [func(x) for x in grid]
    finite = [(x, v) for x, v in zip(grid, values, strict=True) if math.isfinite(v)]
    upper = next(((x, v) for x, v in finite if v >= 0), (above, 0.0))
    lower = max(((x, v) for x, v in finite if v < 0 and x < upper[0]), default=(below, -1.0))
    return _refine(func, lower[0], upper[0], depth - 1)


@lru_cache(maxsize=4096)
def min_rank_biserial(n_a: int, n_b: int, alpha: float, power: float = POWER) -> float | None:
    """Smallest |rank-biserial r| a two-sided Mann-Whitney test with these groups detects."""
    n1 = n_a * RANK_ARE
    if n1 + n_b * RANK_ARE <= 3:
        return None
    analysis = TTestIndPower()
    guess = _z_sum(alpha, power) * math.sqrt(1 / n1 + 1 / (n_b * RANK_ARE))
    d = _solve(lambda e: analysis.power(e, n1, alpha, ratio=n_b / n_a) - power, guess, 1e-6, _MAX_EFFECT)
    return None if d is None else 2 * float(stats.norm.cdf(d / math.sqrt(2))) - 1


def n_for_rank_biserial(r: float, n_a: int, n_b: int, alpha: float, power: float = POWER) -> int | None:
    """Total trials (same split as now) to detect rank-biserial |r| with ``power``."""
    share = min(abs(r), 0.999)
    if share == 0:
        return None
    d = math.sqrt(2) * float(stats.norm.ppf((share + 1) / 2))
    ratio = n_b / n_a
    analysis = TTestIndPower()
    guess = (_z_sum(alpha, power) / d) ** 2 * (1 + 1 / ratio)
    n1 = _solve(lambda n: analysis.power(d, n, alpha, ratio=ratio) - power, guess, 2.0, _MAX_N)
    return None if n1 is None else math.ceil(n1 * (1 + ratio) / RANK_ARE)


@lru_cache(maxsize=4096)
def min_epsilon_squared(n: int, k: int, alpha: float, power: float = POWER) -> float | None:
    """Smallest epsilon-squared a Kruskal-Wallis test over k groups and n trials detects."""
    nobs = n * RANK_ARE
    if nobs <= k:
        return None
    analysis = FTestAnovaPower()
    guess = _z_sum(alpha, power) / math.sqrt(nobs)
    f = _solve(lambda e: analysis.power(e, nobs, alpha, k_groups=k) - power, guess, 1e-6, _MAX_EFFECT)
    return None if f is None else f * f / (1 + f * f)


def n_for_epsilon_squared(eps2: float, k: int, alpha: float, power: float = POWER) -> int | None:
    """Total trials to detect epsilon-squared with ``power`` over k groups."""
    e = min(max(eps2, 0.0), 0.999)
    if e == 0:
        return None
    f = math.sqrt(e / (1 - e))
    analysis = FTestAnovaPower()
    guess = max(k + 1.0, (_z_sum(alpha, power) / f) ** 2)
    nobs = _solve(lambda n: analysis.power(f, n, alpha, k_groups=k) - power, guess, k + 1.0, float(_MAX_N))
    return None if nobs is None else math.ceil(nobs / RANK_ARE)
