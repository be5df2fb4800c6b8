"""Bootstrap intervals shared by the importance methods."""

from __future__ import annotations

import numpy as np
from scipy import stats

LEVEL = 0.95


def reflected_interval(
    center: np.ndarray, replicates: np.ndarray, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """The basic ("reflected") bootstrap interval around ``center``.

    ``replicates`` (params x resamples) are the statistic recomputed on resamples; the
    interval is ``center - spread * (q - mean)`` for the upper and lower quantiles ``q``, so
    with ``center = 2 * estimate - mean`` it is Davison & Hinkley's basic interval
    ``[2θ̂ - q_hi, 2θ̂ - q_lo]``. Reflecting (rather than reading the quantiles directly) is
    what corrects a skewed statistic: a share estimated from noisy main effects is biased
    upward, its resamples more so, and the reflection moves the interval back down, so a
    parameter with no effect gets an interval that reaches zero. ``spread`` rescales
    subsample deviations to the full sample (1 for the bootstrap).
    """
    alpha = (1 - LEVEL) / 2
    mean = replicates.mean(axis=1)
    q_low, q_high = np.quantile(replicates, [alpha, 1 - alpha], axis=1)
    return center - spread * (q_high - mean), center - spread * (q_low - mean)


def normal_interval(center: np.ndarray, replicates: np.ndarray, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``center ± z * spread * sd(replicates)``: for few replicates (tens), whose 2.5% and
    97.5% quantiles would be little more than their extremes."""
    half = stats.norm.ppf(0.5 + LEVEL / 2) * spread * replicates.std(axis=1, ddof=1)
    return center - half, center + half


def normalized_shares(
    estimate: np.ndarray, replicates: np.ndarray, bias_correct: bool, spread: float = 1.0, normal: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares summing to 1, with 95% intervals, from non-negative per-parameter amounts.

    ``estimate`` (params,) and ``replicates`` (params x resamples) are unnormalized amounts
    (variances, divergences); each is normalized to shares first, then the interval is taken on
    the shares: the basic interval, or with ``normal`` the normal one. With ``bias_correct``
    the point is the bootstrap bias-corrected share ``2Ŝ - mean(S*)``. Negative corrected
    shares (a parameter with no effect, minus noise) become 0, and point and interval are
    rescaled together so the points sum to exactly 1 (the corrected shares sum to 1 before
    clipping, so the factor is at most 1).
    """
    shares = _shares(estimate[:, None])[:, 0]
    rep_shares = _shares(replicates)
    rep_shares = rep_shares[:, np.isfinite(rep_shares).all(axis=0)]
    if rep_shares.shape[1] < 2:
        return shares, shares.copy(), shares.copy()
    center = 2 * shares - rep_shares.mean(axis=1) if bias_correct else shares
    if normal:
        low, high = normal_interval(center, rep_shares, spread)
    else:
        low, high = reflected_interval(center, rep_shares, spread)
    point = np.clip(center, 0.0, None)
    total = point.sum()
    factor = 1.0 / total if total > 0 else 1.0
    return point * factor, np.clip(low * factor, 0.0, 1.0), np.clip(high * factor, 0.0, 1.0)


def _shares(amounts: np.ndarray) -> np.ndarray:
    totals = amounts.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, amounts / np.where(totals > 0, totals, 1.0), np.nan)
