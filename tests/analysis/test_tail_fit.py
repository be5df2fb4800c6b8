"""The stacked tail fits are linregress's numbers, bit for bit (findings must not change)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from generator.analysis.tail_fit import t_quantile, tail_slopes


def test_tail_slopes_equal_linregress_exactly() -> None:
    rng = np.random.default_rng(3)
    tails = []
    for i in range(600):
        k = 3 + i % 3
        x = np.sort(rng.choice(200, size=k, replace=False)).astype(float)
        y = rng.normal(size=k) * 10.0 ** rng.integers(-3, 4) + (0.5 * x if i % 2 else 0.0)
        tails.append((x, y))
    # flat, exactly linear and falling tails, where r is clipped or 0/0
    tails += [
        (np.arange(4.0), np.full(4, 0.25)),
        (np.arange(3.0), 2.0 * np.arange(3.0)),
        (np.arange(5.0), -np.arange(5.0)),
    ]
    slopes, errors = tail_slopes(tails)
    for (x, y), slope, error in zip(tails, slopes, errors, strict=True):
        fit = stats.linregress(x, y)
        assert slope == fit.slope
        assert error == fit.stderr or (np.isnan(error) and np.isnan(fit.stderr))


def test_tail_slopes_keep_the_input_order_across_lengths() -> None:
    tails = [
        (np.arange(5.0), np.arange(5.0)),
        (np.arange(3.0), -2 * np.arange(3.0)),
        (np.arange(4.0), 3 * np.arange(4.0)),
    ]
    slopes, _ = tail_slopes(tails)
    assert slopes.tolist() == pytest.approx([1.0, -2.0, 3.0])


def test_t_quantile_is_scipys() -> None:
    assert t_quantile(0.975, 3) == float(stats.t.ppf(0.975, 3))
