"""The shape of a numeric parameter's relation to the objective (``Directionality.shape``).

The values and the evidence behind them; how they are decided is ``generator/analysis/shape.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.vocabulary import Shape

# The vocabulary's members under the names the analysis and the pages have always used.
INCREASING = Shape.INCREASING
DECREASING = Shape.DECREASING
INTERIOR = Shape.INTERIOR
NO_SHAPE = Shape.NONE
SHAPES = tuple(Shape)


@dataclass(frozen=True)
class ShapeTest:
    """The test behind an ``interior`` call: a quadratic fit of the objective's ranks on the
    parameter's ranks, plus a one-sided Spearman test on each side of the fitted peak.

    Ranks on both axes make the fit blind to any monotone transform (a log scale, a convex or
    saturating but monotone curve): a noiseless monotone relation gives a straight rank line,
    so curvature in ranks means the relation turns, not merely that it bends. Correlations are
    signed like ``Directionality.effect``: positive means larger values are better.
    """

    method: str
    """``rank_quadratic``."""
    n: int
    curvature: float
    """Coefficient of the squared standardized parameter rank (objective ranks, larger = better);
    negative means the fitted curve has a maximum."""
    p: float
    """One-sided p of the curvature being negative (OLS t test of the squared term)."""
    q: float | None = None
    """p corrected over every parameter's curvature test in the report (the report's correction)."""
    peak: float | None = None
    """Parameter value at the fitted maximum (its own scale; interpolated between observed values
    on the rank axis); null when the fit has no maximum inside the observed range."""
    rho_below: float | None = None
    """Signed Spearman rho on the trials at or below the peak (positive: rising towards it)."""
    p_below: float | None = None
    """One-sided p for rho_below > 0 (exact permutation for n <= 8)."""
    n_below: int = 0
    rho_above: float | None = None
    """Signed Spearman rho on the trials at or above the peak (negative: falling after it)."""
    p_above: float | None = None
    """One-sided p for rho_above < 0."""
    n_above: int = 0
    best_low: float | None = None
    """Low end of the best range: the branch's elites, the outer tenth of them dropped at each
    end so one stray elite does not stretch it (the parameter's own units)."""
    best_high: float | None = None
    n_best: int = 0
    """Elites inside [best_low, best_high]."""
    n_elites: int = 0
    """Elites in the parameter's branch."""
    observed_low: float | None = None
    """Smallest and largest value the branch's trials took."""
    observed_high: float | None = None
    n_in_best: int = 0
    """All of the branch's trials inside [best_low, best_high]: the base rate "n_best of n_elites
    elites in that range" needs (the range is the elites' own, so 7 of 7 is by construction)."""
