"""Rows of comparison.md computed from the typed ``Comparison``: the template words them."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.comparison import BestSoFar, Comparison, CurvePoint

EVERY_POINT_UP_TO = 10
"""The best-so-far table lists every n up to here, where a single trial still moves the curve."""
MILESTONES = (15, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
"""Beyond ``EVERY_POINT_UP_TO``, only these n (and the last): a table of every trial would bury
the few sizes a reader plans a sweep with."""


@dataclass(frozen=True)
class ComparisonView:
    best_so_far_points: tuple[CurvePoint, ...]
    """The best-so-far curve points the table shows (empty without a curve)."""


def shown_points(best_so_far: BestSoFar | None) -> tuple[CurvePoint, ...]:
    """Every n up to ``EVERY_POINT_UP_TO``, then the ``MILESTONES`` and the curve's last n."""
    if best_so_far is None or not best_so_far.points:
        return ()
    last = best_so_far.points[-1].n
    return tuple(p for p in best_so_far.points if p.n <= EVERY_POINT_UP_TO or p.n in MILESTONES or p.n == last)


def comparison_view(comparison: Comparison) -> ComparisonView:
    return ComparisonView(best_so_far_points=shown_points(comparison.best_so_far))
