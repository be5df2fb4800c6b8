"""Percentile bootstrap of rank statistics in linear time per resample, for large samples.

Why not scipy.stats.bootstrap here: it re-ranks every resample (a sort each time), and its
BCa interval needs a jackknife of n statistics over n - 1 points, which is O(n^2) in time
and memory. At 12,000 complete trials that is several n-by-n arrays of over 1 GB each and
minutes per parameter: a 20,000-trial study was killed for memory. scipy remains the engine
below ``LARGE_N`` (see ``rank_tests.bootstrap_interval``); above it, BCa's bias and
acceleration corrections are O(1/sqrt(n)) refinements that no longer matter, and the
percentile interval is the standard choice.

The trick: a bootstrap resample only repeats original points, so its ranks follow from how
many copies of each distinct value it holds. With the distinct values in order, an element's
average rank is (copies of smaller values) + (copies of its own value + 1) / 2, exactly the
midrank scipy.stats.rankdata gives, and counting copies is a bincount: no sort. The
statistics then follow their textbook formulas on those ranks (Spearman = Pearson of ranks,
U from the rank sum, Kruskal-Wallis H with its tie correction); tests check every resampled
statistic against scipy on the same resample indices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

LARGE_N = 1000
"""At or above this many observations, intervals come from this module (percentile)."""
BATCH = 64
"""Resamples drawn together: bounds memory to a few BATCH-by-n arrays."""
CACHE_CELLS = 2**17
"""Kruskal-Wallis resamples are ranked this many (resample x distinct value) cells at a time,
so the counts being scattered into stay in the CPU cache: at 20,000 distinct values a whole
BATCH of counts is 10 MB and the scatter ran at main-memory speed (2 to 3 times slower).
Only the grouping of the arithmetic changes: every rank sum is a sum of half-integers far
below 2**53, so exact, and each resample's H is computed as before, bit for bit."""
CONFIDENCE = 0.95


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's position among the sorted distinct values, and how many distinct values."""
    distinct, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1), len(distinct)


def resampled_ranks(codes: np.ndarray, n_distinct: int) -> tuple[np.ndarray, np.ndarray]:
    """Midranks of each row of ``codes`` (resamples x n) and the copies of each distinct value."""
    rows, _ = codes.shape
    offsets = (np.arange(rows) * n_distinct)[:, None]
    counts = np.bincount((codes + offsets).ravel(), minlength=rows * n_distinct).reshape(rows, n_distinct)
    midrank = np.cumsum(counts, axis=1) - counts + (counts + 1) / 2.0
    return np.take_along_axis(midrank, codes, axis=1), counts


def _pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.nan_to_num(r, nan=0.0)  # a constant resample has no rank association


def spearman_from_indices(x: np.ndarray, y: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Spearman rho of each paired resample ``(x[i], y[i])`` for each row ``i`` of ``indices``."""
    return _spearman_codes(_codes(x), _codes(y), indices)


def _spearman_codes(x: tuple[np.ndarray, int], y: tuple[np.ndarray, int], indices: np.ndarray) -> np.ndarray:
    rx, _ = resampled_ranks(x[0][indices], x[1])
    ry, _ = resampled_ranks(y[0][indices], y[1])
    return _pearson_rows(rx, ry)


def rank_biserial_from_indices(a: np.ndarray, b: np.ndarray, idx_a: np.ndarray, idx_b: np.ndarray) -> np.ndarray:
    """Rank-biserial r = 2 U_a / (n_a n_b) - 1 of each pair of independent resamples."""
    codes, n_distinct = _codes(np.concatenate([a, b]))
    pooled = np.concatenate([codes[: len(a)][idx_a], codes[len(a) :][idx_b]], axis=1)
    ranks, _ = resampled_ranks(pooled, n_distinct)
    n_a, n_b = idx_a.shape[1], idx_b.shape[1]
    u_a = ranks[:, :n_a].sum(axis=1) - n_a * (n_a + 1) / 2.0
    return 2.0 * u_a / (n_a * n_b) - 1.0


def epsilon_squared_from_indices(groups: Sequence[np.ndarray], indices: Sequence[np.ndarray]) -> np.ndarray:
    """Kruskal-Wallis H (tie-corrected, as scipy) / (N - 1) of each set of group resamples."""
    codes, n_distinct = _codes(np.concatenate(list(groups)))
    starts = np.cumsum([0] + [len(g) for g in groups])
    rows = indices[0].shape[0]
    step = int(np.clip(CACHE_CELLS // n_distinct, 4, BATCH))
    return np.concatenate(
        [
            _epsilon_squared_codes(codes, n_distinct, starts, [idx[first : first + step] for idx in indices])
            for first in range(0, rows, step)
        ]
    )


def _epsilon_squared_codes(
    codes: np.ndarray, n_distinct: int, starts: np.ndarray, indices: Sequence[np.ndarray]
) -> np.ndarray:
    pooled = np.concatenate([codes[starts[i] : starts[i + 1]][idx] for i, idx in enumerate(indices)], axis=1)
    ranks, counts = resampled_ranks(pooled, n_distinct)
    total = pooled.shape[1]
    h = np.zeros(pooled.shape[0])
    position = 0
    for idx in indices:
        size = idx.shape[1]
        h += ranks[:, position : position + size].sum(axis=1) ** 2 / size
        position += size
    h = 12.0 / (total * (total + 1)) * h - 3.0 * (total + 1)
    ties = 1.0 - (counts.astype(float) ** 3 - counts).sum(axis=1) / (total**3 - total)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(ties > 0, h / ties, 0.0)
    return h / (total - 1)


def _interval(samples: np.ndarray) -> tuple[float, float]:
    tail = (1.0 - CONFIDENCE) / 2.0 * 100.0
    low, high = np.percentile(samples, [tail, 100.0 - tail])
    return float(low), float(high)


def spearman_interval(x: np.ndarray, y: np.ndarray, n_resamples: int, rng: np.random.Generator) -> tuple[float, float]:
    n = len(x)
    cx, cy = _codes(x), _codes(y)
    samples = [
        _spearman_codes(cx, cy, rng.integers(0, n, size=(min(BATCH, n_resamples - start), n)))
        for start in range(0, n_resamples, BATCH)
    ]
    return _interval(np.concatenate(samples))


def rank_biserial_interval(
    a: np.ndarray, b: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    samples = []
    for start in range(0, n_resamples, BATCH):
        rows = min(BATCH, n_resamples - start)
        idx_a = rng.integers(0, len(a), size=(rows, len(a)))
        idx_b = rng.integers(0, len(b), size=(rows, len(b)))
        samples.append(rank_biserial_from_indices(a, b, idx_a, idx_b))
    return _interval(np.concatenate(samples))


def epsilon_squared_interval(
    groups: Sequence[np.ndarray], n_resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    samples = []
    for start in range(0, n_resamples, BATCH):
        rows = min(BATCH, n_resamples - start)
        indices = [rng.integers(0, len(g), size=(rows, len(g))) for g in groups]
        samples.append(epsilon_squared_from_indices(groups, indices))
    return _interval(np.concatenate(samples))


LINEARISED_N = 5000
"""From this many observations, with every group at least ``LINEARISED_MIN_GROUP``, the
epsilon-squared interval comes from ``epsilon_squared_linearised_interval``: the resampling
bootstrap costs 2,000 x n rank counts (1.5 s a parameter at 12,000 trials, 7 s at 100,000)."""
LINEARISED_MIN_GROUP = 50
LINEARISED_DRAWS = 20_000
"""Draws of the linearised bootstrap distribution: a k-dimensional normal, so many draws are
cheap, and its own Monte Carlo error is a third of that of 2,000 resamples."""
LINEARISED = "linearised_bootstrap"
"""Interval method of ``epsilon_squared_linearised_interval``."""


def epsilon_squared_linearised_interval(
    groups: Sequence[np.ndarray], n_draws: int, rng: np.random.Generator
) -> tuple[float, float]:
    """95% percentile interval of the bootstrap distribution of epsilon-squared (resampling
    within each group, as ``epsilon_squared_interval``), with each group's rank sum
    linearised in the resampling weights instead of recomputed per resample: O(k n log n).

    A group's rank sum is R_g = sum over its members i and all j of phi(x_i, x_j) + n_g / 2
    (phi = 1 below, 1/2 tied), and its pairs within the group always sum to n_g^2 / 2. With
    resampling weights 1 + d_i, the cross-group sums move by sum_i d_i v_i to first order,
    where member i of group g has v_i[g] = (pooled minus own group's members below x_i, ties
    half) and v_i[h] = (members of h above x_i, ties half) for every other group h. So the
    resampled rank sums are approximately normal, with mean R and covariance the sum over
    groups of n_g times the covariance of its v_i (multinomial weights); H follows exactly
    from the drawn rank sums (tie correction of the observed sample), and the interval is
    the percentile interval of those H / (N - 1). The neglected second-order term has mean 0
    and a standard deviation about 1 / sqrt(n_h) of the first-order one.

    Measured against ``epsilon_squared_interval`` (2,000 resamples, 8 to 16 seeds each) at
    n = 5,000 to 20,000, groups of 50 to 10,000, no effect to epsilon-squared 0.03, heavy
    ties, and this project's 20,000-trial benchmark: every end within 1.4 (mostly 0.9) of the
    bootstrap's own Monte Carlo standard deviation of its mean, in 0.02 s instead of 1.5 s
    (numbers in tests/analysis/test_rank_bootstrap.py and the issue 16 notes).
    """
    sizes = np.array([len(g) for g in groups], dtype=float)
    total = int(sizes.sum())
    pooled = np.concatenate(list(groups)).astype(float)
    below = np.empty((len(groups), total))  # below[h, j]: members of h below pooled x_j, ties half
    for h, g in enumerate(groups):
        ordered = np.sort(g)
        low = np.searchsorted(ordered, pooled, "left")
        below[h] = low + (np.searchsorted(ordered, pooled, "right") - low) / 2.0
    below_all = below.sum(axis=0)
    starts = np.concatenate([[0], np.cumsum([len(g) for g in groups])])
    rank_sums = np.empty(len(groups))
    covariance = np.zeros((len(groups), len(groups)))
    for k in range(len(groups)):
        rows = slice(starts[k], starts[k + 1])
        v = (sizes[:, None] - below[:, rows]).T
        v[:, k] = below_all[rows] - below[k, rows]
        v -= v.mean(axis=0)
        covariance += v.T @ v
        rank_sums[k] = float((below_all[rows] + 0.5).sum())
    values, vectors = np.linalg.eigh((covariance + covariance.T) / 2.0)
    # The rank sums add up to N (N + 1) / 2 in every resample: one eigenvalue is 0 (up to rounding).
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    drawn = rank_sums + rng.standard_normal((n_draws, len(groups))) @ root.T
    _, counts = np.unique(pooled, return_counts=True)
    ties = 1.0 - float((counts.astype(float) ** 3 - counts).sum()) / (total**3 - total)
    h = 12.0 / (total * (total + 1)) * (drawn**2 / sizes).sum(axis=1) - 3.0 * (total + 1)
    return _interval(h / ties / (total - 1) if ties > 0 else np.zeros(n_draws))
