"""The primary tests on plain arrays: Spearman, Mann-Whitney U, Kruskal-Wallis, with effect CIs.

Every p-value and statistic comes from scipy.stats. Small samples get exact permutation
p-values (scipy.stats.permutation_test) instead of the large-sample approximations: with five
trials a perfect rank correlation has an exact two-sided p of 2/120, while Spearman's
t-approximation gives p = 0 and would rank a five-trial estimate above every 20-trial one.
A level seen in a single trial cannot go through scipy's independent-samples permutation
test (it needs two observations per sample); the same exact p then comes from permuting the
objective against the fixed labels (all n! pairings, each split equally often), and from the
large-sample approximation where n! is too many.

Effect-size intervals are built to agree with the tests, because the report tiers a finding
only when its test and its interval agree (``directionality.interval_excludes_null``):
- Spearman rho: Fisher's z interval with the Bonett & Wright (2000) variance
  (1 + rho^2 / 2) / (n - 3), for n >= 4. It is the interval Bonett & Wright recommend for
  Spearman's rho; a bootstrap of rho at small n puts most resamples on the tied or perfect
  orderings and gave intervals reaching 0 beside q = 0.015.
- rank-biserial r: the score interval that inverts Mann-Whitney's normal approximation: the
  r0 with |r - r0| <= z * se(r0), where se(r0)^2 is the Hanley & McNeil (1982) variance of
  the AUC (1 + r0) / 2, times 4, times the tie correction factor of U's variance. At r0 = 0 it
  is exactly U's tie-corrected null variance, so the interval excludes 0 exactly when the
  asymptotic two-sided Mann-Whitney test (no continuity correction) rejects at 5%; away from
  0 the variance shrinks as Hanley & McNeil's does, so the interval stays inside [-1, 1]
  (the construction of Newcombe 2006, his method 5 without the small-sample N*). The
  percentile bootstrap it replaces gave [-0.04, 1] beside a strong q for 27 trials against 2.
- epsilon-squared: bootstrap (scipy.stats.bootstrap, BCa, falling back to the percentile
  interval of the same resamples where BCa is degenerate), drawn from a generator the
  caller seeds from the data itself (see ``resampling.py``). From ``rank_bootstrap.LARGE_N``
  observations on, or when a level has a single trial (scipy's bootstrap needs two per
  sample), the percentile interval of ``rank_bootstrap`` is used instead: BCa's jackknife is
  O(n^2) in time and memory there, and its corrections no longer matter. From
  ``rank_bootstrap.LINEARISED_N`` observations with every level at least
  ``LINEARISED_MIN_GROUP``, the same bootstrap distribution is drawn from its linearisation
  (``epsilon_squared_linearised_interval``, method "linearised_bootstrap"), which agrees with
  the resampling one within its Monte Carlo error at a hundredth of the cost. epsilon-squared is
  never negative, so its interval "excludes the null" when its lower end is above 0; that is
  a weak check (resamples rarely reach H = 0), and Kruskal-Wallis findings rest on their p.
All intervals are 95%.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from generator.analysis import rank_bootstrap

EXACT_PERMUTATIONS = 50_000
"""Use an exact permutation p when the distinct permutations are at most this many
(Spearman: n <= 8; Mann-Whitney: e.g. 8 vs 9 trials); it costs well under a second."""
PERMUTATION_BATCH = 20_000
CONFIDENCE = 0.95
FISHER_Z = "fisher_z"
"""Interval method: Fisher z with the Bonett-Wright variance (Spearman)."""
MANN_WHITNEY_SCORE = "mann_whitney_score"
"""Interval method: the score interval inverting the Mann-Whitney normal approximation."""


def permutations_at_most(n: int, limit: int = EXACT_PERMUTATIONS) -> bool:
    """Whether n! <= ``limit``, without computing n! (at 20,000 trials that alone took 5 ms a test)."""
    total = 1
    for i in range(2, n + 1):
        total *= i
        if total > limit:
            return False
    return True


def comb_at_most(n: int, k: int, limit: int = EXACT_PERMUTATIONS) -> bool:
    """Whether C(n, k) <= ``limit``: the partial products C(n - k + i, i) grow with i, so the
    product stops as soon as one exceeds the limit."""
    k = min(k, n - k)
    total = 1
    for i in range(1, k + 1):
        total = total * (n - k + i) // i
        if total > limit:
            return False
    return True


def assignments_at_most(sizes: Sequence[int], limit: int = EXACT_PERMUTATIONS) -> bool:
    """Whether ``assignments(sizes)`` <= ``limit``: the multinomial is a product of binomials
    C(s_1 + ... + s_j, s_j), each at least 1, so any partial product over the limit decides."""
    total, pooled = 1, 0
    for size in sizes:
        pooled += size
        k = min(size, pooled - size)
        factor = 1
        for i in range(1, k + 1):
            factor = factor * (pooled - k + i) // i
            if factor * total > limit:
                return False
        total *= factor
    return True


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


def spearman_test(x: np.ndarray, y: np.ndarray) -> Correlation:
    """Spearman rho and p (exact permutation p for n <= 8), with the Fisher-z interval of rho."""
    result = stats.spearmanr(x, y)
    rho = float(result.statistic)
    if permutations_at_most(len(x)):
        p, p_method = exact_spearman_p(x, y), "exact permutation"
    else:
        p, p_method = float(result.pvalue), "t approximation"
    return Correlation(rho, p, p_method, fisher_z_interval(rho, len(x)))


def fisher_z_interval(
    rho: float, n: int, confidence: float = CONFIDENCE, perfect_as_next: bool = False
) -> Interval | None:
    """Fisher's z interval of Spearman's rho with the Bonett & Wright (2000) variance; n >= 4.

    atanh(rho) +- z * sqrt((1 + rho^2 / 2) / (n - 3)), mapped back with tanh. A perfect
    ordering (|rho| = 1) has an infinite z and the interval [rho, rho]; with ``perfect_as_next``
    its inner end is instead that of the nearest attainable rho (one adjacent pair swapped,
    1 - 12 / (n (n^2 - 1))), so six trials in perfect order do not print a certain [1, 1].
    """
    if n <= 3 or not math.isfinite(rho):
        return None
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * math.sqrt((1 + rho * rho / 2) / (n - 3))
    if abs(rho) >= 1 and perfect_as_next:
        nearest = math.copysign(1 - 12 / (n * (n * n - 1)), rho)
        inner = math.tanh(math.atanh(nearest) - math.copysign(half, rho))
        return Interval(inner, rho, FISHER_Z) if rho > 0 else Interval(rho, inner, FISHER_Z)
    if abs(rho) >= 1:
        return Interval(rho, rho, FISHER_Z)
    z = math.atanh(rho)
    return Interval(math.tanh(z - half), math.tanh(z + half), FISHER_Z)


def exact_spearman_p(x: np.ndarray, y: np.ndarray, alternative: str = "two-sided") -> float:
    # Permuting y alone enumerates all n! pairings (permuting both would enumerate n!^2).
    result = stats.permutation_test(
        (y,),
        lambda yy, axis=-1: spearman_rho(x, yy, axis),
        permutation_type="pairings",
        n_resamples=np.inf,
        vectorized=True,
        batch=PERMUTATION_BATCH,
        alternative=alternative,
    )
    return float(result.pvalue)


def relabel_p(groups: Sequence[np.ndarray], statistic: Callable[..., np.ndarray], alternative: str) -> float | None:
    """Exact permutation p of ``statistic(*groups)`` by permuting the pooled values against fixed labels.

    All n! orderings of the pooled values, each split into groups of the original sizes (every
    split occurs equally often, so this is the exact independent-samples permutation p). For
    groups of a single trial, which scipy's "independent" permutation test refuses. None when
    n! exceeds EXACT_PERMUTATIONS.
    """
    pooled = np.concatenate(list(groups))
    if not permutations_at_most(len(pooled)):
        return None
    bounds = np.cumsum([0] + [len(g) for g in groups])

    def permuted(yy: np.ndarray, axis: int = -1) -> np.ndarray:
        yy = np.moveaxis(yy, axis, -1)
        return statistic(*(yy[..., bounds[i] : bounds[i + 1]] for i in range(len(groups))), axis=-1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-tied permutations: H is NaN there, scipy warns
        result = stats.permutation_test(
            (pooled,),
            permuted,
            permutation_type="pairings",
            alternative=alternative,
            n_resamples=np.inf,
            vectorized=True,
            batch=PERMUTATION_BATCH,
        )
    return float(result.pvalue)


def mann_whitney_method(n_a: int, n_b: int) -> tuple[str | stats.PermutationMethod, str]:
    """Exact permutation (ties allowed) when the splits are few, else scipy's default."""
    if comb_at_most(n_a + n_b, n_a):
        return stats.PermutationMethod(n_resamples=np.inf, batch=PERMUTATION_BATCH), "exact permutation"
    return "auto", "scipy auto"


def _u_statistic(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return stats.mannwhitneyu(a, b, axis=axis, method="asymptotic").statistic


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float, str]:
    """U of a, two-sided p and how p was computed; any group sizes of at least one trial."""
    if min(len(a), len(b)) >= 2:
        method, label = mann_whitney_method(len(a), len(b))
        result = stats.mannwhitneyu(a, b, alternative="two-sided", method=method)
        return float(result.statistic), float(result.pvalue), label
    u = float(_u_statistic(a, b))
    p = relabel_p((a, b), _u_statistic, "two-sided")
    if p is not None:
        return u, min(p, 1.0), "exact permutation"
    return u, float(stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").pvalue), "asymptotic"


def rank_biserial_interval(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> Interval | None:
    """Score interval of the rank-biserial r of a vs b (Hanley-McNeil variance, tie-corrected).

    See the module docstring: the r0 with (r - r0)^2 <= z^2 var(r0); var(0) is U's
    tie-corrected null variance, so 0 is outside exactly when the asymptotic test rejects.
    """
    n_a, n_b = len(a), len(b)
    total = n_a + n_b
    if n_a == 0 or n_b == 0 or total < 3:
        return None
    _, counts = np.unique(np.concatenate([a, b]), return_counts=True)
    ties = 1.0 - float(np.sum(counts.astype(float) ** 3 - counts)) / (total**3 - total)
    if ties <= 0:
        return None
    r = float(2.0 * _u_statistic(a, b) / (n_a * n_b) - 1.0)
    z = float(stats.norm.ppf(0.5 + confidence / 2))

    def variance(r0: float) -> float:
        auc = (1.0 + r0) / 2.0
        q1 = auc / (2.0 - auc)
        q2 = 2.0 * auc * auc / (1.0 + auc)
        v = auc * (1 - auc) + (n_a - 1) * (q1 - auc * auc) + (n_b - 1) * (q2 - auc * auc)
        return 4.0 * max(v, 0.0) / (n_a * n_b) * ties

    def excess(r0: float) -> float:
        return (r - r0) ** 2 - z * z * variance(r0)

    def bound(end: float) -> float:
        """The root of ``excess`` between r and ``end`` (-1 or 1), where excess(end) = (r - end)^2."""
        if r == end:
            return end
        # At complete separation (r = +-1) the variance, so excess, is 0 at r itself; start the
        # bracket just inside, where the variance has grown faster than (r - r0)^2.
        inner = r if variance(r) > 0 else r + math.copysign(1e-9, end - r)
        if excess(inner) >= 0:
            return r
        return float(optimize.brentq(excess, *sorted((inner, end)), xtol=1e-12))

    return Interval(bound(-1.0), bound(1.0), MANN_WHITNEY_SCORE)


def two_sample_test(a: np.ndarray, b: np.ndarray) -> TwoSample:
    """Mann-Whitney U with rank-biserial effect (score CI) and the mean difference (Welch CI)."""
    u, p, p_method = mann_whitney(a, b)
    effect = 2.0 * u / (len(a) * len(b)) - 1.0
    mean_ci = None
    if len(a) > 1 and len(b) > 1 and (np.ptp(a) > 0 or np.ptp(b) > 0):
        interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(CONFIDENCE)
        if np.isfinite(interval.low) and np.isfinite(interval.high):
            mean_ci = (float(interval.low), float(interval.high))
    ci = rank_biserial_interval(a, b)
    return TwoSample(u, p, p_method, effect, ci, float(np.mean(a) - np.mean(b)), mean_ci)


def assignments(sizes: Sequence[int]) -> int:
    """Distinct ways to split the pooled trials into groups of these sizes (multinomial)."""
    total = math.factorial(sum(sizes))
    for size in sizes:
        total //= math.factorial(size)
    return total


def _h_statistic(*groups: np.ndarray, axis: int = -1) -> np.ndarray:
    return stats.kruskal(*groups, axis=axis).statistic


def kruskal_test(groups: Sequence[np.ndarray], n_resamples: int, rng: np.random.Generator) -> KSample:
    """Kruskal-Wallis H and p (exact permutation p for few assignments), epsilon-squared with CI."""
    h = float(stats.kruskal(*groups).statistic)
    singleton = min(len(g) for g in groups) < 2
    exact = relabel_p(groups, _h_statistic, "greater") if singleton else None
    if exact is not None:
        p, p_method = exact, "exact permutation"
    elif not singleton and assignments_at_most([len(g) for g in groups]):
        result = stats.permutation_test(
            tuple(groups),
            _h_statistic,
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
    smallest = min(len(g) for g in groups)
    if n >= rank_bootstrap.LINEARISED_N and smallest >= rank_bootstrap.LINEARISED_MIN_GROUP and n_resamples > 0:
        draws = max(n_resamples, rank_bootstrap.LINEARISED_DRAWS)
        low, high = rank_bootstrap.epsilon_squared_linearised_interval(groups, draws, rng)
        ci: Interval | None = Interval(low, high, rank_bootstrap.LINEARISED)
    elif (n >= rank_bootstrap.LARGE_N or singleton) and n_resamples > 0:
        ci = Interval(*rank_bootstrap.epsilon_squared_interval(groups, n_resamples, rng), "percentile")
    else:
        ci = bootstrap_interval(groups, epsilon_squared, False, n_resamples, rng)
    return KSample(h, p, p_method, h / (n - 1), ci)
