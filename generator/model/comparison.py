"""The comparison of two sweeps of one objective (``--compare-with``): typed, raw numbers.

``analysis/compare.py`` computes it, ``templates/comparison.md.j2`` words it, comparison.json
is its serialization and the site reads it back (``model.reader.load_model(path, Comparison)``).
Every difference is signed so that positive means NEW is better.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.findings import TrialCounts


@dataclass(frozen=True)
class Best:
    number: int
    value: float


@dataclass(frozen=True)
class Distribution:
    n: int
    mean: float
    std: float | None
    median: float
    q1: float
    q3: float
    min: float
    max: float


@dataclass(frozen=True)
class Side:
    """One sweep: who it is, where it lives (secrets redacted), its trials and its values."""

    study: str
    storage: str
    storage_kind: str
    direction: str
    trials: TrialCounts
    best: Best | None
    distribution: Distribution | None
    top_decile: Distribution | None
    """The best tenth (k = ceil(n / 10)) of complete trials with a finite value."""
    top_k: int
    sweep_config: str | None
    """``study_name`` of the sweep config it ran from (the ``sweep_config`` user attribute), if any."""


@dataclass(frozen=True)
class Shift:
    test: str
    statistic: float
    """U of NEW on the signed values (larger is better)."""
    p: float
    p_method: str
    effect: float
    """Rank-biserial r: P(NEW better) - P(OLD better) over all pairs of trials."""
    effect_measure: str
    ci_low: float | None
    ci_high: float | None
    ci_method: str | None
    median_difference: float
    """median(NEW) - median(OLD), times the direction's sign."""
    median_ci: tuple[float, float] | None
    mean_difference: float
    mean_ci: tuple[float, float] | None
    """Welch's t interval."""
    top_mean_difference: float
    """Mean of NEW's top decile minus OLD's, times the direction's sign."""
    top_mean_ci: tuple[float, float] | None
    ci_resamples: int
    alpha: float
    verdict: str
    """new_better, old_better or not_enough_evidence: a direction needs p < alpha and the
    effect's interval on the same side of 0."""


@dataclass(frozen=True)
class CurvePoint:
    n: int
    old: float | None
    old_low: float | None
    old_high: float | None
    new: float | None
    new_low: float | None
    new_high: float | None
    p_new_better: float
    """P(best of n i.i.d. draws from NEW beats best of n from OLD)."""
    p_tie: float


@dataclass(frozen=True)
class Target:
    name: str
    """old_top_decile (OLD's weakest top-decile value), old_best, new_best."""
    value: float
    old_trials: int | None
    """Complete trials OLD needed (in trial-number order) to reach ``value``; null if never."""
    new_trials: int | None
    old_expected: float | None
    """(N + 1) / (K + 1): trials needed on average over orders of the same trials."""
    new_expected: float | None
    fewer: str | None
    """old or new: which needs fewer trials in expectation over orders; null on a tie or when neither reaches it."""


@dataclass(frozen=True)
class BestSoFar:
    order: str
    band: str
    band_resamples: int
    assumption: str
    points: tuple[CurvePoint, ...]
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Space:
    kind: str
    low: float | None
    high: float | None
    log: bool
    step: float | None
    choices: tuple[Any, ...]


@dataclass(frozen=True)
class ParamRow:
    param: str
    agreement: str
    """agree, disagree, only_old, only_new, neither, not_in_old, not_in_new."""
    old_tier: str | None
    new_tier: str | None
    old_effect: float | None
    new_effect: float | None
    effect_measure: str | None
    old_q: float | None
    new_q: float | None
    old_ci: tuple[float, float] | None
    """95% interval of the effect, as in that sweep's report."""
    new_ci: tuple[float, float] | None
    old_n: int
    new_n: int
    old_space: Space | None
    new_space: Space | None
    space_changes: tuple[str, ...]
    """added, removed, kind, narrowed_low, widened_low, narrowed_high, widened_high, log, step,
    choices_removed, choices_added."""
    new_fixed: Any = None
    """The value NEW's sweep config fixed the parameter at, when it is not tuned there."""
    old_interior_q: float | None = None
    new_interior_q: float | None = None
    """The curvature q of an interior shape (best inside the range, both ends worse) in that sweep,
    null when its shape is not interior: the primary test is monotone, and a row that read "not
    enough evidence" beside a report leading with an interior optimum would contradict it."""


@dataclass(frozen=True)
class Realised:
    quantity: str
    """mean or top_decile."""
    predicted_gain: float
    predicted_low: float
    predicted_high: float
    predicted_level: float
    """The predicted value itself (mean or top-decile mean of the refined space)."""
    predicted_level_low: float
    predicted_level_high: float
    realised_gain: float
    """NEW minus OLD, in the objective's units (not signed)."""
    realised_low: float | None
    realised_high: float | None
    realised_level: float
    """NEW's own mean or top-decile mean."""
    within: bool
    """The realised gain lies inside the predicted interval."""
    intervals_overlap: bool | None = None
    """The realised gain's 95% CI and the predicted interval share a value (null without a realised
    CI): a realised point outside the prediction whose own interval reaches into it does not show
    the prediction wrong, and the report must not read "no" as a refutation."""


@dataclass(frozen=True)
class PredictedVsRealised:
    available: bool
    reason: str | None
    """no_sweep_config, not_from_old (the config was not generated from OLD), no_prediction
    (OLD's expected gain was not trustworthy: see ``skipped``); null when available."""
    config_study_name: str | None
    strategy: str | None
    skipped: str | None
    cv_r2: float | None
    best_difference: float | None
    """NEW's best minus OLD's best (not signed); descriptive, no interval (a maximum has none worth giving)."""
    rows: tuple[Realised, ...]


@dataclass(frozen=True)
class Comparison:
    old: Side
    new: Side
    objective: int
    direction: str
    shift: Shift | None
    """Null when either sweep has fewer than one complete trial with a finite value."""
    best_so_far: BestSoFar | None
    parameters: tuple[ParamRow, ...]
    predicted_vs_realised: PredictedVsRealised
