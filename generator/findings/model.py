"""The findings: typed, frozen objects that every renderer reads and nothing else writes.

Findings carry raw numbers and kinds, never formatted prose; templates do the wording.
``findings.json`` is these objects serialized (see ``serialize.py``), validated by the JSON
Schema in ``generator/schema/findings.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Condition:
    parent: str
    value: Any


@dataclass(frozen=True)
class Directionality:
    param: str
    kind: str
    test: str
    n: int
    statistic: float | None
    p: float | None
    q: float | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    condition: Condition | None
    tier: str


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


@dataclass(frozen=True)
class ImportanceMethod:
    """How one importance method was run, or why it was not."""

    method: str
    scale: str
    """``normalized`` (values sum to 1 over parameters) or ``variance_fraction``."""
    n: int
    """Complete trials with a finite value that the method saw."""
    quantile: float | None
    """The top fraction of trials whose importance is measured (top-quantile methods)."""
    resamples: int
    """Replicates behind the 95% intervals (0: no intervals)."""
    interval: str | None
    """How the intervals were obtained: ``multiplier_bootstrap`` or ``subsampling``."""
    skipped: str | None
    """Why no values were computed (a reason code), or None when they were."""
    fit_r2: float | None = None
    """Share of the objective's variance the surrogate explains (generalized cross-validation)."""


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
    side: str
    elite_share: float


@dataclass(frozen=True)
class Finding:
    """A warning or notable fact: stable code, severity, the params it concerns, its numbers.

    No prose here: the sentence for each code lives in ``templates/messages.yaml`` and is
    added when findings.json and the pages are rendered.
    """

    code: str
    severity: str
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
    warnings: tuple[Finding, ...] = ()
    provenance: Provenance | None = None
    extra: dict[str, Any] = field(default_factory=dict)
