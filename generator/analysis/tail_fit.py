"""Least-squares slopes of many short curve tails at once (``analysis/curves.py``).

``scipy.stats.linregress`` costs about half a millisecond a call in argument handling alone, so a
study with 20,000 trials spent seconds fitting five-point tails one by one. Tails of the same
length are stacked and fitted together here with the same arithmetic, step for step, as
linregress (``np.cov(x, y, bias=1)``: centre on the mean, one matrix product, times 1/k; the same
clipping of r and the same formula for the slope's standard error), so every slope and standard
error is bit-for-bit linregress's (``tests/analysis/test_tail_fit.py`` checks it)."""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import stats


@cache
def t_quantile(q: float, df: int) -> float:
    """Student's t quantile; cached, as only a few degrees of freedom (tail lengths) occur."""
    return float(stats.t.ppf(q, df))


def tail_slopes(tails: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Slope and its standard error of each (x, y) pair (at least 3 points, x not constant), as
    ``linregress`` gives them; nan standard error where linregress gives nan (a flat y whose
    cross term is exactly 0)."""
    slopes = np.empty(len(tails))
    errors = np.empty(len(tails))
    by_length: dict[int, list[int]] = {}
    for i, (x, _) in enumerate(tails):
        by_length.setdefault(len(x), []).append(i)
    for k, rows in by_length.items():
        x = np.array([tails[i][0] for i in rows], dtype=float)
        y = np.array([tails[i][1] for i in rows], dtype=float)
        centred = np.stack([x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)], axis=1)
        cov = (centred @ centred.transpose(0, 2, 1)) * np.true_divide(1, k)
        ssxm, ssxym, ssym = cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.clip(ssxym / np.sqrt(ssxm * ssym), -1.0, 1.0)
            r = np.where((ssxm == 0.0) | (ssym == 0.0), np.where(ssxym == 0, np.nan, 0.0), r)
            slopes[rows] = ssxym / ssxm
            errors[rows] = np.sqrt((1 - r**2) * ssym / ssxm / (k - 2))
    return slopes, errors
