"""Typed results of the learning-curve and compute analyses (``analysis/curves.py``, ``analysis/compute.py``).

Part of the findings model (``model.py`` imports these): raw numbers only, no prose. Slopes are
signed so that positive means "getting better" in the study's direction.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrialCurve:
    """One trial's intermediate values (finite ones), summarized: a row of
    ``artifacts/learning_curves.csv``, and of ``LearningCurves.elite_curves``."""

    number: int
    state: str
    n_steps: int
    """Finite intermediate values the trial reported."""
    first_step: int
    last_step: int
    best_step: int
    """Step of the trial's best intermediate value (the earliest, on ties)."""
    first_value: float
    last_value: float
    best_value: float
    step_95: int
    """First step at which the trial had made 95% of its own improvement from its first value to
    its best (direction-aware); its first step when it never improved."""
    slope: float | None
    """Least-squares slope of the value over the trial's last ``tail_steps`` steps, per step, signed
    so that positive means improving; null with fewer than ``MIN_TAIL_STEPS`` points."""
    slope_ci_low: float | None
    slope_ci_high: float | None
    """95% t interval of the slope (n - 2 degrees of freedom)."""
    tail_steps: int
    """Points behind the slope."""
    still_improving: bool | None
    """The slope's interval lies above 0 and the last value is the curve's best (null when no
    slope could be fitted)."""
    elite: bool


@dataclass(frozen=True)
class ShareEstimate:
    """``count`` of ``of`` with a Wilson 95% interval of the share."""

    count: int
    of: int
    share: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class StepCorrelation:
    """Spearman rho of the value at ``step`` against the final value, over the complete trials that
    reported ``step``; Fisher-z interval with the Bonett-Wright variance (null below n = 4)."""

    step: int
    rho: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


@dataclass(frozen=True)
class PrunedTrialCheck:
    """A pruned trial whose value at its last step was at least as good as the weakest elite's
    value at that step (each elite's latest value at or before the step)."""

    number: int
    step: int
    value: float
    weakest_elite_value: float
    n_elites_at_step: int


@dataclass(frozen=True)
class LearningCurves:
    """What the intermediate values say about training length and pruning; absent without curves."""

    trials_with_curves: int
    complete_with_curves: int
    pruned_with_curves: int
    max_step: int
    tail_steps: int
    """k: the last k steps of each curve give its final slope."""
    elites_with_curves: int
    elites_still_improving: ShareEstimate
    under_trained: bool
    recommended_steps: int | None
    """The step by which ``gain_quantile`` of the elites' combined improvement (first value to best)
    was made; when ``recommended_open`` it is the longest elite curve's last step and the budget
    should be more than it."""
    recommended_open: bool
    recommended_ci_low: int | None
    recommended_ci_high: int | None
    """Percentile bootstrap interval over elites (null when there are too few elites or resamples)."""
    gain_quantile: float
    median_step_95_elites: float | None
    rank_correlation: tuple[StepCorrelation, ...]
    fate_known_step: int | None
    """Earliest step from which every step's rho interval lies above ``fate_rho`` (null when the
    last step's does not)."""
    fate_rho: float
    median_complete_steps: float | None
    """Median count of intermediate values of the complete trials."""
    steps_saved_by_pruning: int
    """Sum over pruned trials of the steps they did not run against the median complete trial."""
    steps_run: int
    saved_share: float | None
    """steps_saved / (steps_saved + steps_run): the share of the study's step budget pruning saved."""
    pruned_possibly_wrongly: tuple[int, ...]
    pruned_checks: tuple[PrunedTrialCheck, ...]
    under_trained_likely: bool = False
    """``under_trained`` and the Wilson interval's lower end also reaches the threshold share: only
    then do the report's words say training was likely too short (else: may have been)."""
    elite_curves: tuple[TrialCurve, ...] = ()
    """The first elites' curves by trial number (``analysis/curves.py`` ``SHOWN_ELITE_CURVES``):
    the report's table. Every trial's curve summary is in ``artifacts/learning_curves.csv``
    (findings.json held them all as ``trials`` until a 20,000-trial study made that 6 MB;
    ``model/reader.py`` still reads such a file)."""


@dataclass(frozen=True)
class DeviceUse:
    device: str
    trials: int
    time_s: float


@dataclass(frozen=True)
class ParamCount:
    """Model parameter counts (the trainer's ``n_params`` user attribute) over the trials that record it."""

    n: int
    min: float
    median: float
    max: float


@dataclass(frozen=True)
class Compute:
    """Where the study's time and steps went, by trial state."""

    total_trial_s: float | None
    """Sum of trial durations (trials with a start and an end, any state)."""
    complete_s: float
    pruned_s: float
    failed_s: float
    pruned_share_time: float | None
    failed_share_time: float | None
    steps: int
    """Intermediate values reported, all trials."""
    complete_steps: int
    pruned_steps: int
    failed_steps: int
    pruned_share_steps: float | None
    failed_share_steps: float | None
    n_timed: int
    """Trials with a duration."""
    devices: tuple[DeviceUse, ...] = ()
    n_params: ParamCount | None = None


@dataclass(frozen=True)
class PrunedAnalysis:
    """``--include-pruned``: pruned trials analysed at their last reported value."""

    included: bool
    n_complete: int
    """Complete trials with a finite value in the analysis."""
    n_pruned: int
    """Pruned trials analysed (those with a finite last value)."""
    numbers: tuple[int, ...] = ()
    """The pruned trials analysed."""
