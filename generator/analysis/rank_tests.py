"""The primary tests on plain arrays: Spearman, Mann-Whitney U, Kruskal-Wallis, with effect CIs.

Every p-value and statistic comes from scipy.stats. Small samples get exact permutation
p-values (scipy.stats.permutation_test) instead of the large-sample approximations: with five
trials a perfect rank correlation has an exact two-sided p of 2/120, while Spearman's
t-approximation gives p = 0 and would rank a five-trial estimate above every 20-trial one.

Effect-size intervals are bootstrap intervals (scipy.stats.bootstrap, BCa, falling back to the
percentile interval of the same resamples where BCa is degenerate), drawn from a generator the
caller seeds from the data itself (see ``resampling.py``). From ``rank_bootstrap.LARGE_N``
observations on, the percentile interval of ``rank_bootstrap`` is used instead: BCa's jackknife
is O(n^2) in time and memory there, and its corrections no longer matter.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from generator.analysis import rank_bootstrap

EXACT_PERMUTATIONS = 50_000
"""Use an exact permutation p when the distinct permutations are at most this many
(Spearman: n <= 8; Mann-Whitney: e.g. 8 vs 9 trials); it costs well under a second."""
PERMUTATION_BATCH = 20_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str


@dataclass(frozen=True)
class Correlation:
    rho: float
    p: float
    p_method: str
    ci: Interval | None


@dataclass(frozen=True)
class TwoSample:
    u: float
    """U statistic of sample a."""
    p: float
    p_method: str
    rank_biserial: float
    """P(a > b) - P(a < b): positive when a's values tend to be larger."""
    ci: Interval | None
    mean_diff: float
    mean_diff_ci: tuple[float, float] | None


@dataclass(frozen=True)
class KSample:
    h: float
    p: float
    p_method: str
    epsilon_squared: float
    ci: Interval | None


def spearman_rho(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rho along ``axis`` (vectorized for the bootstrap): Pearson's r of the ranks.

    Hand-written because scipy.stats.spearmanr cannot take a batch of paired resamples; the
    tests check it equals spearmanr. A resample in which x or y is constant has no rank
    association; it counts as 0, which can only widen the interval toward 0.
    """
    rx = stats.rankdata(x, axis=axis)
    ry = stats.rankdata(y, axis=axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    ry = ry - ry.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rx * ry).sum(axis=axis) / np.sqrt((rx * rx).sum(axis=axis) * (ry * ry).sum(axis=axis))
    return np.nan_to_num(rho, nan=0.0)


def rank_biserial(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Rank-biserial correlation 2U/(n_a n_b) - 1 from scipy's U (vectorized for the bootstrap)."""
    u = stats.mannwhitneyu(a, b, axis=axis, method="asymptotic").statistic
    return 2.0 * u / (a.shape[axis] * b.shape[axis]) - 1.0


def epsilon_squared(*groups: np.ndarray, axis: int = -1) -> np.ndarray:
    """Epsilon-squared of Kruskal-Wallis, H / (n - 1) (Tomczak & Tomczak 2014), from scipy's H.

    All-tied resamples (H undefined) count as 0.
    """
    n = sum(g.shape[axis] for g in groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = stats.kruskal(*groups, axis=axis).statistic
    return np.nan_to_num(np.asarray(h, dtype=float) / (n - 1), nan=0.0)


def bootstrap_interval(
    data: Sequence[np.ndarray],
    statistic: Callable[..., np.ndarray],
    paired: bool,
    n_resamples: int,
    rng: np.random.Generator,
) -> Interval | None:
    """95% bootstrap interval: BCa, or the percentile interval of the same resamples."""
    if n_resamples <= 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DegenerateDataWarning: handled by the fallback below
        result = stats.bootstrap(
            tuple(data),
            statistic,
            paired=paired,
            vectorized=True,
            n_resamples=n_resamples,
            confidence_level=CONFIDENCE,
            method="BCa",
            rng=rng,
        )
        low, high = result.confidence_interval
        method = "BCa"
        if not (np.isfinite(low) and np.isfinite(high)):
            result = stats.bootstrap(
                tuple(data),
                statistic,
                paired=paired,
                vectorized=True,
                n_resamples=0,
                confidence_level=CONFIDENCE,
                method="percentile",
                bootstrap_result=result,
                rng=rng,
            )
            low, high = result.confidence_interval
            method = "percentile"
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    return Interval(float(low), float(high), method)


def spearman_test(x: np.ndarray, y: np.ndarray, n_resamples: int, rng: np.random.Generator) -> Correlation:
    """Spearman rho and p (exact permutation p for n <= 8), with a bootstrap CI of rho."""
    rho = float(stats.spearmanr(x, y).statistic)
    if math.factorial(len(x)) <= EXACT_PERMUTATIONS:
        p, p_method = exact_spearman_p(x, y), "exact permutation"
    else:
        p, p_method = float(stats.spearmanr(x, y).pvalue), "t approximation"
    if len(x) >= rank_bootstrap.LARGE_N and n_resamples > 0:
        ci: Interval | None = Interval(*rank_bootstrap.spearman_interval(x, y, n_resamples, rng), "percentile")
    else:
        ci = bootstrap_interval((x, y), spearman_rho, True, n_resamples, rng)
    return Correlation(rho, p, p_method, ci)


def exact_spearman_p(x: np.ndarray, y: np.ndarray) -> float:
    # Permuting y alone enumerates all n! pairings (permuting both would enumerate n!^2).
    result = stats.permutation_test(
        (y,),
        lambda yy, axis=-1: spearman_rho(x, yy, axis),
        permutation_type="pairings",
        n_resamples=np.inf,
        vectorized=True,
        batch=PERMUTATION_BATCH,
    )
    return float(result.pvalue)


def mann_whitney_method(n_a: int, n_b: int) -> tuple[str | stats.PermutationMethod, str]:
    """Exact permutation (ties allowed) when the splits are few, else scipy's default."""
    if math.comb(n_a + n_b, n_a) <= EXACT_PERMUTATIONS:
        return stats.PermutationMethod(n_resamples=np.inf, batch=PERMUTATION_BATCH), "exact permutation"
    return "auto", "scipy auto"


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float, str]:
    method, label = mann_whitney_method(len(a), len(b))
    result = stats.mannwhitneyu(a, b, alternative="two-sided", method=method)
    return float(result.statistic), float(result.pvalue), label


def two_sample_test(a: np.ndarray, b: np.ndarray, n_resamples: int, rng: np.random.Generator) -> TwoSample:
    """Mann-Whitney U with rank-biserial effect (bootstrap CI) and the mean difference (Welch CI)."""
    u, p, p_method = mann_whitney(a, b)
    effect = 2.0 * u / (len(a) * len(b)) - 1.0
    if len(a) + len(b) >= rank_bootstrap.LARGE_N and n_resamples > 0:
        ci: Interval | None = Interval(*rank_bootstrap.rank_biserial_interval(a, b, n_resamples, rng), "percentile")
    else:
        ci = bootstrap_interval((a, b), rank_biserial, False, n_resamples, rng)
    mean_ci = None
    if len(a) > 1 and len(b) > 1 and (np.ptp(a) > 0 or np.ptp(b) > 0):
        interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(CONFIDENCE)
        if np.isfinite(interval.low) and np.isfinite(interval.high):
            mean_ci = (float(interval.low), float(interval.high))
    return TwoSample(u, p, p_method, effect, ci, float(np.mean(a) - np.mean(b)), mean_ci)


def assignments(sizes: Sequence[int]) -> int:
    """Distinct ways to split the pooled trials into groups of these sizes (multinomial)."""
    total = math.factorial(sum(sizes))
    for size in sizes:
        total //= math.factorial(size)
    return total


def kruskal_test(groups: Sequence[np.ndarray], n_resamples: int, rng: np.random.Generator) -> KSample:
    """Kruskal-Wallis H and p (exact permutation p for few assignments), epsilon-squared with CI."""
    h = float(stats.kruskal(*groups).statistic)
    if assignments([len(g) for g in groups]) <= EXACT_PERMUTATIONS:
        result = stats.permutation_test(
            tuple(groups),
            lambda *g, axis=-1: stats.kruskal(*g, axis=axis).statistic,
            permutation_type="independent",
            alternative="greater",
            n_resamples=np.inf,
            vectorized=True,
            batch=PERMUTATION_BATCH,
        )
        p, p_method = float(result.pvalue), "exact permutation"
    else:
        p, p_method = float(stats.kruskal(*groups).pvalue), "chi-squared approximation"
    n = sum(len(g) for g in groups)
    if n >= rank_bootstrap.LARGE_N and n_resamples > 0:
        ci: Interval | None = Interval(*rank_bootstrap.epsilon_squared_interval(groups, n_resamples, rng), "percentile")
    else:
        ci = bootstrap_interval(groups, epsilon_squared, False, n_resamples, rng)
    return KSample(h, p, p_method, h / (n - 1), ci)
