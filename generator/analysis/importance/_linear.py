"""Penalized least squares for a functional-ANOVA design, with a multiplier bootstrap.

Kept apart from the statistics so the algebra can be read (and tested) on its own: the
design is a sparse basis with each component centered within its branch, the fit is ridge
regression with the penalty chosen by exact leave-one-out error, and the bootstrap
perturbs each trial's residual instead of refitting, so a thousand replicates cost one
sparse product. scikit-learn's RidgeCV would refit densely per penalty and cannot return the
inverse we need for the bootstrap, hence the few lines of linear algebra here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

_PENALTIES = 10.0 ** np.linspace(-7, 3, 41)
"""Candidate penalties, relative to the design's mean eigenvalue."""
_MAX_DF_SHARE = 0.5
"""At most half the trials' worth of degrees of freedom: GCV alone lets 12 trials be
interpolated (its error estimate goes to 0/0), which would leave the bootstrap no residual
noise and give intervals of zero width."""
_ROW_CHUNK = 4096
_RESAMPLE_CHUNK = 100


@dataclass(frozen=True)
class Component:
    """A block of columns whose fitted function is one ANOVA component (a main effect or a pair)."""

    name: str
    columns: slice
    cov: np.ndarray
    """Covariance of the block's basis under the declared measure, within its branch."""
    weight: float
    """Probability of the component's branch under the declared measure."""
    mean: np.ndarray
    """Mean of the block's basis under the declared measure (what centering subtracts)."""

    def variance(self, coef: np.ndarray) -> np.ndarray:
        """Variance the component contributes to the objective: weight * cᵀ cov c (per column of ``coef``)."""
        block = coef[self.columns]
        return self.weight * np.einsum("i...,i...->...", block, np.tensordot(self.cov, block, axes=1))


@dataclass(frozen=True)
class Design:
    """``X = basis - presence @ means``: each component's columns minus their declared mean on
    the rows where it is active, zero elsewhere (so a conditional effect averages to zero
    within its branch and the branch's mean shift belongs to the parent).

    ``basis`` is sparse for main effects (two non-zeros per piecewise-linear parameter, one
    per categorical) and dense for pairwise terms, whose centered tensor rows are full.
    """

    basis: sp.csr_matrix | np.ndarray
    presence: sp.csr_matrix
    means: np.ndarray
    components: tuple[Component, ...]

    @property
    def n(self) -> int:
        return int(self.basis.shape[0])

    @property
    def width(self) -> int:
        return int(self.basis.shape[1])

    @cached_property
    def column_means(self) -> np.ndarray:
        ones = np.ones(self.n)
        return (self.basis.T @ ones - self.means.T @ (self.presence.T @ ones)) / self.n

    def gram(self) -> np.ndarray:
        """(X - 1 x̄ᵀ)ᵀ (X - 1 x̄ᵀ): the intercept is fitted by centering, unpenalized."""
        b, q, m = self.basis, self.presence, self.means
        bq = _dense(b.T @ q)
        gram = _dense(b.T @ b) - bq @ m - m.T @ bq.T + m.T @ _dense(q.T @ q) @ m
        return gram - self.n * np.outer(self.column_means, self.column_means)

    def rmatmul(self, v: np.ndarray) -> np.ndarray:
        """(X - 1 x̄ᵀ)ᵀ v for a vector or a matrix of columns."""
        out = self.basis.T @ v - self.means.T @ (self.presence.T @ v)
        return out - np.multiply.outer(self.column_means, v.sum(axis=0))

    def matmul(self, coef: np.ndarray) -> np.ndarray:
        return self.basis @ coef - self.presence @ (self.means @ coef) - self.column_means @ coef

    def rows(self, start: int, stop: int) -> np.ndarray:
        return _dense(self.basis[start:stop]) - self.presence[start:stop] @ self.means - self.column_means


def _dense(matrix: sp.spmatrix | np.ndarray) -> np.ndarray:
    if isinstance(matrix, np.ndarray):
        return matrix
    return np.asarray(matrix.toarray())


@dataclass(frozen=True)
class RidgeFit:
    coef: np.ndarray
    residuals: np.ndarray
    inverse: np.ndarray
    """(XᵀX + λI)⁻¹ at the chosen penalty."""
    df: float
    r2: float
    """1 - leave-one-out error / variance of y: the share of variance the fit explains out of
    sample (exact for ridge at the chosen penalty)."""


def ridge_gcv(design: Design, y: np.ndarray) -> RidgeFit:
    """Ridge fit whose penalty minimizes the exact leave-one-out error (PRESS).

    Named for the generalized cross-validation it used to run: GCV puts the average leverage
    in place of each trial's own, so a fit that interpolates a few high-leverage trials (an
    outlier alone on its knot) scored R² 0.97 by GCV while predicting held-out trials worse than
    their mean (exact leave-one-out -0.09, 5-fold -2290: the real ``ensemble`` study); choosing
    the penalty by each trial's own leverage gave that study 0.52 and left the others as they were.
    """
    centered = y - y.mean()
    gram = design.gram()
    eigenvalues, vectors = np.linalg.eigh(gram)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    xty = design.rmatmul(centered)
    projected = vectors.T @ xty
    total = float(centered @ centered)
    scale = max(float(eigenvalues.mean()), 1e-12)
    penalties = _PENALTIES * scale
    dfs = (eigenvalues[:, None] / (eigenvalues[:, None] + penalties[None, :])).sum(axis=0)
    allowed = dfs <= _MAX_DF_SHARE * design.n
    if allowed.any():
        penalties, dfs = penalties[allowed], dfs[allowed]
        press = _press(design, vectors, eigenvalues, projected, centered, penalties)
        k = int(np.argmin(press))
        penalty, df, error = float(penalties[k]), float(dfs[k]), float(press[k])
    else:  # too flexible at every penalty: take the strongest
        penalty = float(_PENALTIES[-1] * scale)
        df, error = float((eigenvalues / (eigenvalues + penalty)).sum()), total
    inverse = (vectors / (eigenvalues + penalty)) @ vectors.T
    coef = inverse @ xty
    residuals = centered - design.matmul(coef)
    return RidgeFit(coef, residuals, inverse, df, 1.0 - error / total if total > 0 else 0.0)


def _press(
    design: Design,
    vectors: np.ndarray,
    eigenvalues: np.ndarray,
    projected: np.ndarray,
    centered: np.ndarray,
    penalties: np.ndarray,
) -> np.ndarray:
    """Sum of squared leave-one-out residuals ``r_i / (1 - h_ii)`` at each penalty, exact for
    ridge with an unpenalized intercept (scikit-learn's ``RidgeCV`` computes the same), row chunk
    by row chunk (never the n x n hat matrix)."""
    shrink = 1.0 / (eigenvalues[:, None] + penalties[None, :])
    out = np.zeros(len(penalties))
    for start in range(0, design.n, _ROW_CHUNK):
        rotated = design.rows(start, min(start + _ROW_CHUNK, design.n)) @ vectors
        hat = 1.0 / design.n + (rotated**2) @ shrink  # the unpenalized intercept's 1/n included
        residuals = centered[start : start + len(rotated), None] - rotated @ (projected[:, None] * shrink)
        out += ((residuals / np.clip(1.0 - hat, 1e-9, None)) ** 2).sum(axis=0)
    return out


def leverages(design: Design, fit: RidgeFit) -> np.ndarray:
    """Diagonal of the hat matrix, row chunk by row chunk (never the n x n matrix)."""
    out = np.empty(design.n)
    for start in range(0, design.n, _ROW_CHUNK):
        rows = design.rows(start, min(start + _ROW_CHUNK, design.n))
        out[start : start + len(rows)] = np.einsum("ij,ij->i", rows @ fit.inverse, rows)
    return out


def rademacher(rng: np.random.Generator, n: int, resamples: int) -> np.ndarray:
    """Random signs, one row per trial (canonical order) and one column per replicate, as int8:
    an eighth of the memory of floats (320 MB at 100,000 trials and 400 replicates), and a
    product with a float is the same float."""
    return (2 * rng.integers(0, 2, size=(n, resamples), dtype=np.int8) - 1).astype(np.int8)


def multiplier_bootstrap(design: Design, fit: RidgeFit, signs: np.ndarray) -> np.ndarray:
    """Coefficient replicates (width x resamples) of the multiplier bootstrap.

    The fit solves ``A c = Xᵀy``; a replicate perturbs that estimating equation with each
    trial's residual times a random sign (a column of ``signs``): ``c* = c + A⁻¹ Xᵀ(ξ ∘ r)``.
    Its covariance is the heteroskedasticity-robust sandwich ``A⁻¹ Xᵀ diag(r²) X A⁻¹``, so
    trials with large residuals (interactions the main effects miss) count as they should,
    and no refit is needed: a thousand replicates cost one sparse product. Residuals are
    divided by ``1 - leverage`` (the jackknife / HC3 correction), without which a fit with
    nearly as many coefficients as trials would understate its own noise. Sharing ``signs``
    between the main effects and the pairs makes the replicates one joint bootstrap.
    """
    adjusted = fit.residuals / np.clip(1.0 - leverages(design, fit), 0.05, None)
    out = np.empty((design.width, signs.shape[1]))
    for start in range(0, signs.shape[1], _RESAMPLE_CHUNK):
        block = signs[:, start : start + _RESAMPLE_CHUNK] * adjusted[:, None]
        out[:, start : start + block.shape[1]] = fit.inverse @ design.rmatmul(block)
    return fit.coef[:, None] + out
