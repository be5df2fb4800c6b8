"""The linear-time rank bootstrap used for large samples equals scipy on the same resamples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from generator.analysis import rank_bootstrap as rb
from generator.analysis.rank_tests import kruskal_test, spearman_test, two_sample_test


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261127)


def test_spearman_of_each_resample_equals_scipy(rng: np.random.Generator) -> None:
    n = 250
    x = np.round(rng.uniform(size=n) * 8)  # heavy ties, like an integer parameter
    y = x + rng.normal(size=n)
    indices = rng.integers(0, n, size=(7, n))
    expected = [stats.spearmanr(x[i], y[i]).statistic for i in indices]
    np.testing.assert_allclose(rb.spearman_from_indices(x, y, indices), expected, rtol=0, atol=1e-12)


def test_rank_biserial_of_each_resample_equals_scipy(rng: np.random.Generator) -> None:
    a, b = np.round(rng.normal(size=120), 1), np.round(rng.normal(0.4, size=90), 1)
    idx_a, idx_b = rng.integers(0, 120, size=(7, 120)), rng.integers(0, 90, size=(7, 90))
    expected = [
        2 * stats.mannwhitneyu(a[i], b[j]).statistic / (120 * 90) - 1 for i, j in zip(idx_a, idx_b, strict=True)
    ]
    np.testing.assert_allclose(rb.rank_biserial_from_indices(a, b, idx_a, idx_b), expected, rtol=0, atol=1e-12)


def test_epsilon_squared_of_each_resample_equals_scipy(rng: np.random.Generator) -> None:
    groups = [np.round(rng.normal(0.2 * k, size=m), 1) for k, m in enumerate((60, 45, 80))]
    indices = [rng.integers(0, len(g), size=(7, len(g))) for g in groups]
    total = sum(len(g) for g in groups)
    expected = [
        stats.kruskal(*[g[idx[row]] for g, idx in zip(groups, indices, strict=True)]).statistic / (total - 1)
        for row in range(7)
    ]
    np.testing.assert_allclose(rb.epsilon_squared_from_indices(groups, indices), expected, rtol=0, atol=1e-12)


def test_interval_is_the_percentile_interval_of_scipy_statistics(rng: np.random.Generator) -> None:
    """Same generator state, same draws: the interval equals np.percentile of scipy's rhos."""
    n = 400
    x = rng.uniform(size=n)
    y = x + rng.normal(size=n)
    state = rng.bit_generator.state
    low, high = rb.spearman_interval(x, y, 256, rng)
    rng.bit_generator.state = state
    rhos = np.concatenate(
        [
            [stats.spearmanr(x[i], y[i]).statistic for i in rng.integers(0, n, size=(min(rb.BATCH, 256 - s), n))]
            for s in range(0, 256, rb.BATCH)
        ]
    )
    assert (low, high) == pytest.approx(tuple(np.percentile(rhos, [2.5, 97.5])), abs=1e-12)


def test_large_samples_switch_to_the_percentile_interval(rng: np.random.Generator) -> None:
    """Only epsilon-squared is bootstrapped (rho and r have analytic intervals, at any n)."""
    n = rb.LARGE_N
    x = rng.uniform(size=n)
    y = 0.3 * x + rng.normal(size=n)
    result = spearman_test(x, y)
    assert result.ci is not None and result.ci.method == "fisher_z"
    assert result.ci.low < result.rho < result.ci.high
    two = two_sample_test(y[x > 0.5], y[x <= 0.5])
    assert two.ci is not None and two.ci.method == "mann_whitney_score" and two.ci.low < two.rank_biserial < two.ci.high
    k = kruskal_test([y[x < 0.3], y[(x >= 0.3) & (x < 0.6)], y[x >= 0.6]], 500, rng)
    assert k.ci is not None and k.ci.method == "percentile" and k.ci.low <= k.epsilon_squared <= k.ci.high
    small = kruskal_test([y[:60][x[:60] < 0.5], y[:60][x[:60] >= 0.5], y[60:90]], 300, rng)
    assert small.ci is not None and small.ci.method in ("BCa", "percentile")


def test_capped_counts_decide_as_the_full_factorials() -> None:
    """The exact-test guards stop multiplying past the limit; they decide as the full counts do."""
    import itertools
    import math

    from generator.analysis.rank_tests import (
        EXACT_PERMUTATIONS,
        assignments,
        assignments_at_most,
        comb_at_most,
        permutations_at_most,
    )

    for n in range(30):
        assert permutations_at_most(n) == (math.factorial(n) <= EXACT_PERMUTATIONS)
        for k in range(n + 1):
            assert comb_at_most(n, k) == (math.comb(n, k) <= EXACT_PERMUTATIONS)
    for sizes in itertools.chain(itertools.product(range(9), repeat=3), itertools.product(range(1, 6), repeat=5)):
        assert assignments_at_most(sizes) == (assignments(sizes) <= EXACT_PERMUTATIONS)
    assert not permutations_at_most(20_000) and not comb_at_most(20_000, 3)


def test_kruskal_resamples_in_cache_sized_steps_equal_one_batch(rng: np.random.Generator) -> None:
    """Ranking a batch in smaller steps (``CACHE_CELLS``) gives the same H of each resample, bit for bit."""
    groups = [rng.normal(size=m) for m in (900, 1200, 3)]
    indices = [rng.integers(0, len(g), size=(rb.BATCH, len(g))) for g in groups]
    codes, n_distinct = rb._codes(np.concatenate(groups))
    starts = np.cumsum([0] + [len(g) for g in groups])
    whole = rb._epsilon_squared_codes(codes, n_distinct, starts, indices)
    assert n_distinct > rb.CACHE_CELLS // rb.BATCH  # so the public function does split the batch
    np.testing.assert_array_equal(rb.epsilon_squared_from_indices(groups, indices), whole)


@pytest.mark.parametrize(
    ("sizes", "shifts", "ties"),
    [
        ((2000, 2500, 2500), (0.0, 0.0, 0.0), None),  # no effect: H's distribution is skewed
        ((50, 2450, 2500), (0.3, 0.0, 0.05), None),  # a small level
        ((1500, 1500, 1000, 1000), (0.0, 0.2, 0.3, 0.5), 2),  # an effect, heavily tied values
    ],
)
def test_linearised_interval_is_within_the_bootstraps_monte_carlo_error(
    rng: np.random.Generator, sizes: tuple[int, ...], shifts: tuple[float, ...], ties: int | None
) -> None:
    """Each end of the linearised interval lies within 2.5 Monte Carlo standard deviations of a
    single 2,000-resample bootstrap from the mean of 8 of them (the rule its docstring states)."""
    groups = [rng.normal(shift, 1.0, size=size) for size, shift in zip(sizes, shifts, strict=True)]
    if ties:
        groups = [np.round(g * ties) / ties for g in groups]
    assert sum(sizes) >= rb.LINEARISED_N and min(sizes) >= rb.LINEARISED_MIN_GROUP
    boots = np.array([rb.epsilon_squared_interval(groups, 2000, np.random.default_rng(seed)) for seed in range(8)])
    linearised = rb.epsilon_squared_linearised_interval(groups, rb.LINEARISED_DRAWS, np.random.default_rng(0))
    mean, sd = boots.mean(axis=0), boots.std(axis=0, ddof=1)
    assert np.all(np.abs(np.array(linearised) - mean) <= 2.5 * sd), (linearised, mean, sd)
    result = kruskal_test(groups, 2000, np.random.default_rng(0))
    assert result.ci is not None and result.ci.method == rb.LINEARISED
