"""Typed results of the next-sweep analysis: empirical ranges, two refined spaces, expected gain.

Part of the findings model (``model.py`` imports these): raw numbers and rule codes only, no
prose. Each decision about a parameter is a sequence of :class:`Step`\\ s, each naming the rule
that applied and the numbers it rests on; ``templates/next_sweep/_reasons.j2`` holds one sentence per
rule code, used both in the YAML configs' ``reason`` fields and in findings.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.model.vocabulary import ParamKind, Tier

if TYPE_CHECKING:  # model.py imports this module; the annotation needs no runtime import
    from generator.model.findings import Condition

TUNE = "tune"
FIX = "fix"
DROP = "drop"
ACTIONS = (TUNE, FIX, DROP)
KNOB = "knob"
"""Kind of a fixed setting carried over from the study's own sweep config (not a study parameter)."""

SWEEP_CONFIG_ATTR = "sweep_config"
"""Study user attribute in which ``train-sweep`` records the config that ran the study (its
fixed settings are carried into the next sweep; findings.md then names ``train-sweep``)."""

AGGRESSIVE = "aggressive"
CONSERVATIVE = "conservative"
DECLARED = "declared"
"""The old space as the study declared it (merged over the study), the baseline of the gain."""


@dataclass(frozen=True)
class LevelCount:
    """How often one value of a discrete parameter was seen among complete trials and elites."""

    value: Any
    n: int
    n_elites: int


@dataclass(frozen=True)
class EmpiricalRange:
    """What the complete trials (with a finite value) explored, against what was declared."""

    param: str
    kind: ParamKind
    n: int
    """Complete trials with a finite value in which the parameter exists."""
    n_elites: int
    """Elites of the study among those trials."""
    condition: Condition | None
    log: bool
    declared_low: float | None
    declared_high: float | None
    declared_step: float | None
    declared_choices: tuple[Any, ...]
    observed_min: float | None
    """Numeric parameters (continuous, integer, ordinal): smallest value over the n trials."""
    observed_max: float | None
    elite_min: float | None
    elite_max: float | None
    levels: tuple[LevelCount, ...]
    """Discrete parameters (ordinal, boolean, categorical): every value seen, in level order."""


@dataclass(frozen=True)
class Step:
    """One rule that shaped a parameter's entry, with the numbers it rests on.

    ``rule`` picks the sentence in ``templates/next_sweep/_reasons.j2``; ``values`` fills it.
    """

    rule: str
    values: dict[str, Any]


@dataclass(frozen=True)
class RefinedParam:
    """One parameter of a next-sweep space: tuned over a range or choices, fixed, or dropped."""

    name: str
    kind: str
    """continuous, integer, ordinal, boolean, categorical (a ``ParamKind``); ``knob`` for a fixed
    setting carried over from the study's own sweep config (not an Optuna parameter of the study).
    Plain ``str``: ``knob`` is no kind of parameter the analysis classifies, so it has no place in
    ``ParamKind``, and a second enum repeating ParamKind's five members would be a second vocabulary."""
    action: str
    """tune, fix or drop."""
    dist: str | None
    """Sweep-config type of a tuned parameter: float, int or categorical."""
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()
    value: Any = None
    """The fixed value (action fix)."""
    condition: Condition | None = None
    """The parent value(s) under which it exists in the new space."""
    steps: tuple[Step, ...] = ()
    tier: Tier | None = None
    """Evidence tier of the parameter's primary test (directionality), for the decisions table."""


@dataclass(frozen=True)
class RefinedSpace:
    """A next-sweep config: the sweep-config format's fields plus the rules behind each entry."""

    strategy: str
    """aggressive or conservative."""
    study_name: str
    direction: str
    n_trials: int
    n_trials_step: Step
    params: tuple[RefinedParam, ...]
    """Sorted by name: carried knobs and the study's parameters alike."""


@dataclass(frozen=True)
class SpaceEstimate:
    """The surrogate's predictions over configurations sampled from one space (a model estimate)."""

    space: str
    """declared, aggressive or conservative."""
    n_samples: int
    mean: float
    mean_low: float
    mean_high: float
    top: float
    """Mean predicted objective of the best tenth of the sampled configurations."""
    top_low: float
    top_high: float
    gain_mean: float | None
    """mean - the declared space's mean (in the objective's units; null for the declared space)."""
    gain_mean_low: float | None
    gain_mean_high: float | None
    gain_top: float | None
    gain_top_low: float | None
    gain_top_high: float | None
    share_clipped: float
    """Share of sampled configurations with a value outside the old declared space, which the
    surrogate predicts as at the nearest old bound (it cannot extrapolate)."""


@dataclass(frozen=True)
class ExpectedGain:
    """Expected gain of each refined space over the old one, measured by a surrogate."""

    model: str
    """fanova_main_effects: the additive surrogate behind the importance section."""
    n: int
    """Complete trials with a finite value the model was fitted to."""
    cv_folds: int
    cv_r2: float | None
    """Out-of-fold R^2 of the surrogate (each fold refitted from scratch); null when not fitted."""
    min_r2: float
    trustworthy: bool
    """cv_r2 >= min_r2; otherwise ``estimates`` is empty and the report says why."""
    skipped: str | None
    """Why no estimate is given: too_few_trials, no_parameters, no_varying_parameters,
    constant_objective, poor_fit; null when estimates are given."""
    samples: int
    resamples: int
    interval: str | None
    """multiplier_bootstrap: 95% basic intervals over replicates of the surrogate's coefficients and intercept."""
    top_fraction: float
    estimates: tuple[SpaceEstimate, ...]


@dataclass(frozen=True)
class NextSweep:
    """Everything the "Recommended next sweep" section and the YAML artifacts are made of."""

    n_complete: int
    n_elites: int
    elite_quantile: float
    empirical_ranges: tuple[EmpiricalRange, ...]
    aggressive: RefinedSpace
    conservative: RefinedSpace
    expected_gain: ExpectedGain
