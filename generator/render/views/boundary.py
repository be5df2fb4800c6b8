"""Rows of the boundary section: each hit with its bound, and where a parameter's own shape
agrees with (a trend beyond the bound) or explains (an interior optimum) the hit."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import BoundaryHit, Directionality, Findings
from generator.model.shape import ShapeTest
from generator.model.vocabulary import Side


def declared_bound(hit: BoundaryHit) -> float | None:
    """The declared bound at the side the hit presses against."""
    return hit.declared_high if hit.side == Side.HIGH else hit.declared_low


@dataclass(frozen=True)
class BoundaryRow:
    hit: BoundaryHit
    bound: float | None
    low_side: bool


@dataclass(frozen=True)
class TrendBeyondBound:
    """A hit whose parameter's monotone trend points beyond the bound it hits."""

    hit: BoundaryHit
    effect: Directionality
    bound: float | None
    larger_better: bool


@dataclass(frozen=True)
class InteriorHit:
    """A hit on a parameter whose optimum is interior: no trend beyond the bound."""

    param: str
    shape_test: ShapeTest | None


@dataclass(frozen=True)
class BoundaryView:
    rows: tuple[BoundaryRow, ...]
    trends: tuple[TrendBeyondBound, ...]
    interiors: tuple[InteriorHit, ...]
    """One per parameter, in the order of its first hit."""


def boundary_view(findings: Findings) -> BoundaryView:
    shapes = {d.param: d for d in findings.directionality}
    trends = []
    interiors: dict[str, InteriorHit] = {}
    for h in findings.boundary_hits:
        d = shapes.get(h.param)
        if d is None:
            continue
        if (d.shape == "increasing" and h.side == Side.HIGH) or (d.shape == "decreasing" and h.side == Side.LOW):
            trends.append(TrendBeyondBound(h, d, declared_bound(h), d.shape == "increasing"))
        if d.shape == "interior" and h.param not in interiors:
            interiors[h.param] = InteriorHit(h.param, d.shape_test)
    return BoundaryView(
        rows=tuple(BoundaryRow(h, declared_bound(h), h.side == Side.LOW) for h in findings.boundary_hits),
        trends=tuple(trends),
        interiors=tuple(interiors.values()),
    )
