"""Multi-objective findings: the Pareto front, its hypervolume over the study, and one block of
single-objective findings per objective (``objectives``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.model.effects import EliteAnalysis, Highlight, Significance
from generator.model.next_sweep import NextSweep

if TYPE_CHECKING:  # model.py imports this module for its Findings fields
    from generator.model.findings import (
        BoundaryHit,
        Directionality,
        Finding,
        Importance,
        ImportanceMethod,
        Influence,
        Interaction,
        Summary,
    )


@dataclass(frozen=True)
class ParetoTrial:
    """One non-dominated trial: its number, its values (one per objective, in the study's order)
    and its parameters."""

    number: int
    values: tuple[float, ...]
    params: dict[str, Any]


@dataclass(frozen=True)
class HypervolumePoint:
    number: int
    """The trial after which the front reached this hypervolume (a step of the history)."""
    hypervolume: float
    front_size: int


@dataclass(frozen=True)
class HypervolumeHistory:
    """The hypervolume dominated by the front of trials 0..number, at each trial that changed it."""

    reference_point: tuple[float, ...]
    """In the objectives' own units and directions."""
    reference_rule: str
    """``worst_plus_margin``: each objective's worst value over the analysed trials, moved away
    from the front by ``margin`` of its range (so the trials at the worst value still count)."""
    margin: float
    points: tuple[HypervolumePoint, ...]
    final: float
    n: int
    """Trials the history covers (COMPLETE, every value finite, feasible)."""


@dataclass(frozen=True)
class MultiObjective:
    """How a study with several objectives was analysed."""

    n_objectives: int
    objective_names: tuple[str | None, ...]
    """The study's metric names (Optuna's ``study:metric_names``), null where none were set."""
    analysed: tuple[int, ...]
    """Objectives with a block in ``objectives``: all of them, unless ``--objective`` chose one."""
    elite_basis: str
    """``pareto_front`` (the non-dominated trials are the elites of ``pareto_elites``) or
    ``objective`` (``--objective`` chose one: elites are its top quantile)."""
    n: int
    """COMPLETE trials with every value finite (and feasible, under constraints): the front's pool."""
    n_infinite: int
    """COMPLETE trials left out of the front because a value is infinite."""
    constrained: bool
    n_infeasible: int
    pareto_elites: EliteAnalysis | None
    """Where the non-dominated trials sit (levels enriched among them, their ranges), with the
    report's correction as its own family; None when ``--objective`` chose one objective."""


@dataclass(frozen=True)
class ObjectiveFindings:
    """One objective analysed as a single-objective study: the keys of a single-objective report."""

    index: int
    name: str | None
    direction: str
    summary: Summary
    directionality: tuple[Directionality, ...] = ()
    importance: tuple[Importance, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    importance_methods: tuple[ImportanceMethod, ...] = ()
    boundary_hits: tuple[BoundaryHit, ...] = ()
    elites: EliteAnalysis | None = None
    significance: Significance | None = None
    executive_summary: tuple[Highlight, ...] = ()
    warnings: tuple[Finding, ...] = ()
    next_sweep: NextSweep | None = None
    influence: tuple[Influence, ...] = ()
