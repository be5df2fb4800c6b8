"""The findings: typed, frozen objects that every renderer reads and nothing else writes.

Findings carry raw numbers and kinds, never formatted prose; templates do the wording.
``findings.json`` is these objects serialized (see ``serialize.py``), validated by the JSON
Schema in ``generator/schema/findings.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.curves import Compute, LearningCurves, PrunedAnalysis
from generator.model.effects import (
    EliteAnalysis,
    Highlight,
    LevelStats,
    PairwiseTest,
    Power,
    Significance,
)
from generator.model.multi import HypervolumeHistory, MultiObjective, ObjectiveFindings, ParetoTrial
from generator.model.next_sweep import NextSweep
from generator.model.shape import ShapeTest
from generator.model.trial_attrs import TrialAttributes
from generator.model.vocabulary import ParamKind, Severity, Shape, Side, TestName, Tier, WarningCode

JSONScalar = str | int | float | bool | None


@dataclass(frozen=True)
class TrialCounts:
    complete: int
    pruned: int
    fail: int
    running: int
    waiting: int
    total: int


@dataclass(frozen=True)
class StudyInfo:
    name: str
    slug: str
    directions: tuple[str, ...]
    objective: int
    """Index of the analysed objective."""
    direction: str
    """Direction of the analysed objective: ``maximize`` or ``minimize``."""
    n_trials: TrialCounts
    params: tuple[str, ...]
    """Every parameter name seen in any trial, sorted."""
    user_attrs: dict[str, Any]


@dataclass(frozen=True)
class BestTrial:
    number: int
    value: float
    params: dict[str, Any]
    datetime_complete: str | None


@dataclass(frozen=True)
class WorstTrial:
    number: int
    value: float


@dataclass(frozen=True)
class Summary:
    """The objective's distribution over COMPLETE trials with a finite value."""

    n: int
    n_infinite: int
    best: BestTrial | None
    worst: WorstTrial | None
    mean: float | None
    std: float | None
    median: float | None
    q1: float | None
    q3: float | None
    iqr: float | None
    first_start: str | None
    last_complete: str | None
    wall_clock_s: float | None
    """From the first trial's start to the last trial's end."""
    total_trial_time_s: float | None
    """Sum of the durations of all finished trials (any state)."""
    median_trial_time_s: float | None
    n_with_intermediate: int
    intermediate_steps: int
    """Intermediate values reported, over all trials: the epochs (steps) of work done."""


@dataclass(frozen=True)
class StatsPolicy:
    alpha: float
    suggestive_alpha: float
    correction: str
    elite_quantile: float
    include_pruned: bool = False
    """Pruned trials analysed at their last reported value (``--include-pruned``)."""


@dataclass(frozen=True)
class Condition:
    parent: str
    value: Any


@dataclass(frozen=True)
class Directionality:
    param: str
    kind: ParamKind
    test: TestName
    n: int
    statistic: float | None
    p: float | None
    q: float | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    condition: Condition | None
    tier: Tier
    """strong / suggestive / not enough evidence (from q), or not tested."""
    effect_measure: str | None = None
    """rho (signed), rank_biserial (signed, level_a vs level_b) or epsilon_squared (unsigned)."""
    p_method: str | None = None
    """How p was computed: the library's default, or an exact permutation test for small n."""
    ci_method: str | None = None
    """How the effect's 95% interval was built: fisher_z (rho), mann_whitney_score (rank-biserial r),
    or a bootstrap of epsilon-squared (BCa, or percentile where BCa is degenerate or n is large,
    or the linearised bootstrap from 5,000 trials: ``rank_bootstrap.epsilon_squared_linearised_interval``)."""
    rank: int | None = None
    """Position by evidence (q, then p, then larger n) among tested parameters; 1 is the strongest."""
    n_study: int = 0
    """Complete trials with a finite value in the study; n < n_study for conditional params."""
    small_n: bool = False
    log: bool = False
    """Declared on a log scale (rank tests are unchanged by it: log is monotone)."""
    dynamic: bool = False
    """The declared range changed during the study; bounds are the union."""
    untested_reason: str | None = None
    """single_value, too_few_trials or constant_objective when no test was run."""
    level_a: Any = None
    """Two-level tests: the first level (True for booleans, else the first declared); levels[0]."""
    level_b: Any = None
    mean_diff: float | None = None
    """mean(objective | level_a) - mean(objective | level_b), in objective units."""
    mean_diff_ci_low: float | None = None
    mean_diff_ci_high: float | None = None
    levels: tuple[LevelStats, ...] = ()
    posthoc: tuple[PairwiseTest, ...] = ()
    power: Power | None = None
    confounded_with: tuple[str, ...] = ()
    """Parameters whose values moved (near-)identically with this one over the analysed trials
    (``analysis/confounding.py``): their effects cannot be told apart, so they are one finding."""
    q_tier: Tier | None = None
    """The tier q alone gives (strong / suggestive / not enough evidence); None when untested."""
    interval_disagrees: bool = False
    """q alone says strong or suggestive but the 95% interval includes the null (0; for epsilon-squared
    a lower end of 0): ``tier`` is then "not enough evidence" (see ``analysis.directionality``)."""
    shape: Shape | None = None
    """increasing, decreasing, interior or none (``generator/model/shape.py``); null for boolean and
    categorical parameters and for untested ones."""
    shape_test: ShapeTest | None = None
    """The interior test (rank quadratic, side tests, best range); null when it could not run."""


@dataclass(frozen=True)
class Importance:
    """One parameter's importance under one method (see ``ImportanceMethod`` for its scale)."""

    param: str
    method: str
    importance: float
    ci_low: float | None
    ci_high: float | None
    condition: Condition | None = None
    """The branch the parameter exists in; its importance is measured within that branch."""
    n: int | None = None
    """Analysed trials in which the parameter exists."""
    confounded_with: tuple[str, ...] = ()
    """Confounded parameters (see ``Directionality.confounded_with``): their shares are one
    effect seen through several parameters and must not be added up as separate credit."""


@dataclass(frozen=True)
class ImportanceMethod:
    """How one importance method was run, or why it was not."""

    method: str
    scale: str
    """``normalized`` (values sum to 1 over parameters), ``variance_fraction``, or
    ``elite_entropy_fraction`` (each value in [0, 1], not summing to 1: mutual information with
    "is an elite" over that indicator's entropy; method ``elite_mutual_info``)."""
    n: int
    """Complete trials with a finite value that the method saw."""
    quantile: float | None
    """The top fraction of trials whose importance is measured (top-quantile methods)."""
    resamples: int
    """Replicates behind the 95% intervals (0: no intervals)."""
    interval: str | None
    """How the intervals were obtained: ``multiplier_bootstrap``, ``subsampling`` or ``multinomial_bootstrap``."""
    skipped: str | None
    """Why no values were computed (a reason code, e.g. ``no_predictive_power``), or None when they were."""
    fit_r2: float | None = None
    """Share of the objective's variance the surrogate explains out of sample (exact leave-one-out)."""
    cv_r2: float | None = None
    """The same surrogate's K-fold R², refitted on every fold (the expected gain's number); the
    shares need it above the floor too. None when not computed."""


@dataclass(frozen=True)
class Interaction:
    """Strength of the joint (second-order) effect of two parameters on the objective.

    Produced by the importance analysis; the charts pick their contour pairs from it.
    """

    param_a: str
    param_b: str
    method: str
    strength: float
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class BoundaryHit:
    param: str
    side: Side
    elite_share: float
    """Share of the branch's elites inside the outer tenth on ``side``."""
    kind: ParamKind = ParamKind.CONTINUOUS
    log: bool = False
    declared_low: float = 0.0
    declared_high: float = 0.0
    zone_edge: float = 0.0
    """Inner edge of the outer tenth (on the param's own scale, shown in its units)."""
    n_elites: int = 0
    n_elites_in_zone: int = 0
    share_in_zone: float = 0.0
    """Share of all branch trials inside the zone (what sampling alone put there)."""
    best_in_zone: bool = False
    best_value: Any = None
    """The best trial's value of this parameter (null when the best trial lacks it)."""
    crowded: bool = False
    """Elites crowd the zone (elite_share >= BOUNDARY_ELITE_SHARE), not only the best trial."""
    p_enrichment: float | None = None
    """One-sided Fisher exact p: elites more often in the zone than the other trials (uncorrected)."""
    suggested_bound: float | None = None
    """Where to move the bound on ``side``; null when it cannot move (e.g. a floor of 0)."""
    condition: Condition | None = None


@dataclass(frozen=True)
class Influence:
    """A finding a few trials drive (``analysis/influence.py``): without ``trials`` the
    parameter's importance drops below its interval and its rank falls, or its strong or
    suggestive effect becomes "not enough evidence" (or its direction flips). The ``*_without`` numbers are the estimates without them."""

    param: str
    removal: str
    """Which trials were removed: ``worst`` or ``best`` objective values, or the ``largest`` or
    ``smallest`` values of ``removal_param``."""
    removal_param: str | None
    trials: tuple[int, ...]
    """Trial numbers removed (sorted)."""
    n: int
    """Analysed trials (COMPLETE, finite value) before removal."""
    changes: tuple[str, ...]
    """What moved: ``importance_rank``, ``tier``, ``direction``."""
    importance: float | None
    importance_rank: int | None
    importance_without: float | None
    importance_rank_without: int | None
    effect: float | None
    tier: Tier | None
    effect_without: float | None
    tier_without: Tier | None


@dataclass(frozen=True)
class Finding:
    """A warning or notable fact: stable code, severity, the params it concerns, its numbers.

    No prose here: the sentence for each code lives in ``templates/messages.yaml`` and is
    added when findings.json and the pages are rendered.
    """

    code: WarningCode
    severity: Severity
    params: tuple[str, ...]
    values: dict[str, Any]


@dataclass(frozen=True)
class Provenance:
    generator_version: str
    optuna_version: str
    storage_kind: str
    storage: str
    schema_version: str
    input_hash: str
    config_hash: str
    command: str
    storage_fingerprint: str | None = None
    """A cheap digest of the storage taken before it was read (``generator.storage.study_fingerprint``):
    an unchanged re-run matches it without reading the study. Null when none could be taken."""


@dataclass(frozen=True)
class Findings:
    schema_version: str
    study: StudyInfo
    summary: Summary
    stats: StatsPolicy
    directionality: tuple[Directionality, ...] = ()
    importance: tuple[Importance, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    importance_methods: tuple[ImportanceMethod, ...] = ()
    boundary_hits: tuple[BoundaryHit, ...] = ()
    elites: EliteAnalysis | None = None
    significance: Significance | None = None
    executive_summary: tuple[Highlight, ...] = ()
    warnings: tuple[Finding, ...] = ()
    provenance: Provenance | None = None
    next_sweep: NextSweep | None = None
    """The recommended next sweep (refined spaces, empirical ranges, expected gain)."""
    influence: tuple[Influence, ...] = ()
    """Findings that a few trials drive (warning ``driven_by_few_trials``)."""
    learning_curves: LearningCurves | None = None
    """What the intermediate values say (``analysis/curves.py``); null when no trial reported any."""
    compute: Compute | None = None
    """Where trial time and steps went, by state (``analysis/compute.py``)."""
    pruned_analysis: PrunedAnalysis | None = None
    """With ``--include-pruned``: the complete and pruned trials analysed; null otherwise."""
    trial_attributes: TrialAttributes | None = None
    """What the trials carry beside the value (baseline, per-class accuracy, champion, cost,
    numeric user attributes; ``analysis/trial_attrs.py``); null when the study records none of it."""
    pareto_front: tuple[ParetoTrial, ...] = ()
    """Multi-objective studies: the non-dominated COMPLETE trials (Optuna's ``study.best_trials``)."""
    hypervolume_history: HypervolumeHistory | None = None
    multi_objective: MultiObjective | None = None
    objectives: tuple[ObjectiveFindings, ...] = ()
    """Multi-objective studies: one block per analysed objective, each its own correction family."""
