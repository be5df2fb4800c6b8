"""Typed results of the statistics engine: per-level tables, post-hoc tests, power, elites.

Part of the findings model (``model.py`` imports these): raw numbers and kinds only, no
prose. Levels are the parameter's own values (JSON scalars: str, int, float, bool, None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.vocabulary import ParamKind, Tier


@dataclass(frozen=True)
class LevelStats:
    """The objective over the trials (of the parameter's branch) at one level."""

    level: Any
    n: int
    mean: float
    median: float
    std: float | None
    """Sample standard deviation (ddof=1); null for a single trial."""
    n_elite: int
    share: float
    """Share of the branch's trials at this level."""
    elite_share: float | None
    """Share of the branch's elites at this level; null when the branch has no elite."""


@dataclass(frozen=True)
class PairwiseTest:
    """Post-hoc Mann-Whitney U between two levels, Holm-corrected within the parameter."""

    level_a: Any
    level_b: Any
    n_a: int
    n_b: int
    statistic: float
    """U of level_a."""
    p: float
    p_method: str
    q: float
    effect: float
    """Rank-biserial correlation signed by the objective: positive means level_a is better."""


@dataclass(frozen=True)
class Power:
    """What this test could detect, and what it would take to confirm what it saw.

    ``alpha`` is the per-test level the correction demands of a lone real effect among
    nulls (alpha / m for every correction but ``none``; see ``analysis/power.py``).
    """

    alpha: float
    power: float
    min_effect: float | None
    """Smallest |effect| (in the test's own measure) detectable at ``power`` with this n."""
    n_needed: int | None
    """Trials of the branch needed to confirm the observed effect at ``power`` (suggestive, or
    interval_disagrees, only)."""
    trials_needed: int | None
    """Study trials needed for ``n_needed`` branch trials at the branch's current share."""


@dataclass(frozen=True)
class EliteLevel:
    """Is one level over-represented among the elites? One-sided Fisher exact test."""

    param: str
    level: Any
    n: int
    """Branch trials at this level."""
    n_elite: int
    """Elites at this level."""
    n_branch: int
    n_branch_elites: int
    share: float
    elite_share: float
    odds_ratio: float | None
    p: float
    q: float
    tier: Tier
    converged: bool
    """Elite share at least CONVERGED_SHARE and q below alpha: a level the elites settled on."""


@dataclass(frozen=True)
class EliteRange:
    """Where a numeric parameter's elites lie, against what was explored and declared."""

    param: str
    kind: ParamKind
    log: bool
    n: int
    n_elite: int
    elite_min: float | None
    elite_max: float | None
    explored_min: float
    explored_max: float
    declared_low: float | None
    declared_high: float | None


@dataclass(frozen=True)
class EliteAnalysis:
    quantile: float
    n_complete: int
    """COMPLETE trials with a finite value (the pool the elites are drawn from)."""
    n_elites: int
    threshold: float | None
    """Objective value of the weakest elite."""
    correction: str
    levels: tuple[EliteLevel, ...]
    """One Fisher enrichment test per level of every discrete parameter: its own family."""
    ranges: tuple[EliteRange, ...]


@dataclass(frozen=True)
class Significance:
    """The family of primary tests, summarized: what the report can and cannot claim."""

    correction: str
    alpha: float
    suggestive_alpha: float
    m: int
    """Primary tests in the family."""
    alpha_per_test: float | None
    n_strong: int
    n_suggestive: int
    n_not_enough: int
    n_untested: int
    n_study: int
    """Complete trials with a finite value."""
    min_rho_full_n: float | None
    """Smallest |rho| detectable at 80% power with every trial (an unconditional parameter)."""
    n_interval_disagrees: int = 0
    """Tests whose q alone would be strong or suggestive but whose interval includes the null
    (counted in ``n_not_enough``)."""


@dataclass(frozen=True)
class Highlight:
    """One executive-summary item; ``kind`` picks its sentence in ``_executive.md.j2``."""

    kind: str
    params: tuple[str, ...]
    values: dict[str, Any]
