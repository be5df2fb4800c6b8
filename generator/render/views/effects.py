"""Rows of the effects and significance sections: which parameters were tested, in rank
order, and the partitions the significance section lists by tier."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.effects import EliteLevel
from generator.model.findings import Directionality, Findings
from generator.model.vocabulary import Shape, TestName, Tier

SHAPES_NAMED = (Shape.INTERIOR, Shape.INCREASING, Shape.DECREASING)
"""Shapes the effects section names parameters by, in this order."""


def tested_by_rank(findings: Findings) -> tuple[Directionality, ...]:
    """Parameters whose primary test ran, by their evidence rank."""
    return tuple(sorted((d for d in findings.directionality if d.rank), key=lambda d: d.rank or 0))


@dataclass(frozen=True)
class EffectsView:
    tested: tuple[Directionality, ...]
    untested: tuple[Directionality, ...]
    """Reported, not tested (no rank), in the findings' order."""
    shaped: tuple[Directionality, ...]
    """Tested parameters with a shape (continuous, integer and ordinal ones)."""
    by_shape: tuple[tuple[str, tuple[Directionality, ...]], ...]
    """The shaped parameters with a shape other than none, by shape (interior, increasing,
    decreasing), shapes without one left out."""
    n_no_shape: int
    """Shaped parameters whose shape is none (not established)."""


def effects_view(findings: Findings) -> EffectsView:
    tested = tested_by_rank(findings)
    shaped = tuple(d for d in tested if d.shape)
    groups = ((shape.value, tuple(d for d in shaped if d.shape == shape)) for shape in SHAPES_NAMED)
    return EffectsView(
        tested=tested,
        untested=tuple(d for d in findings.directionality if not d.rank),
        shaped=shaped,
        by_shape=tuple((shape, rows) for shape, rows in groups if rows),
        n_no_shape=sum(d.shape == Shape.NONE for d in shaped),
    )


@dataclass(frozen=True)
class SignificanceView:
    strong: tuple[Directionality, ...]
    suggestive: tuple[Directionality, ...]
    interval_disagrees: tuple[Directionality, ...]
    small_n: tuple[Directionality, ...]
    confirm: tuple[Directionality, ...]
    """Effects worth confirming: the suggestive ones, then those whose interval disagrees
    with their q (a parameter may be listed in both groups, as the table has always shown it)."""


def significance_view(findings: Findings) -> SignificanceView:
    tested = tested_by_rank(findings)
    suggestive = tuple(d for d in tested if d.tier == Tier.SUGGESTIVE)
    disagrees = tuple(d for d in tested if d.interval_disagrees)
    return SignificanceView(
        strong=tuple(d for d in tested if d.tier == Tier.STRONG),
        suggestive=suggestive,
        interval_disagrees=disagrees,
        small_n=tuple(d for d in tested if d.small_n),
        confirm=suggestive + disagrees,
    )


@dataclass(frozen=True)
class LevelTable:
    """One boolean, categorical or ordinal parameter's per-level table."""

    effect: Directionality
    tested: bool


@dataclass(frozen=True)
class LevelsView:
    two_levels: tuple[Directionality, ...]
    """Parameters tested with Mann-Whitney U (exactly two levels)."""
    tables: tuple[LevelTable, ...]


def levels_view(findings: Findings) -> LevelsView:
    return LevelsView(
        two_levels=tuple(d for d in findings.directionality if d.test == TestName.MANN_WHITNEY_U),
        tables=tuple(LevelTable(d, d.test != TestName.NONE) for d in findings.directionality if d.levels),
    )


def enriched_levels(findings: Findings) -> tuple[EliteLevel, ...]:
    """Levels the elites use more often than the other trials, strong or suggestive (the elite
    analysis's own family of Fisher tests), in the elite table's order."""
    if findings.elites is None:
        return ()
    return tuple(lv for lv in findings.elites.levels if lv.tier in (Tier.STRONG, Tier.SUGGESTIVE))
