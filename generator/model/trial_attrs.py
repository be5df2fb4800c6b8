"""Findings about what the trials record beside the objective value (``analysis/trial_attrs.py``).

The trainer (and many user objectives) store a chance baseline and class names on the study,
per-class accuracies, parameter counts and throughput on each trial, and a champion's
retraining over seeds on the study. These objects carry those numbers, each with its n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.vocabulary import Tier


@dataclass(frozen=True)
class BaselineComparison:
    """The best value against the chance baseline."""

    best: float
    baseline: float
    source: str
    """flag, user_attr:baseline or user_attr:n_classes."""
    ratio: float | None
    """best / baseline (null for a zero baseline)."""
    headroom_used: float | None
    """(best - baseline) / (1 - baseline) for accuracy-like objectives, else null."""
    better: bool
    """The best value is beyond the baseline in the study's direction."""
    low: bool
    """As the ``low_performance`` warning: no better than chance, or under half the way to 1."""
    n: int
    """Complete trials with a finite value the best was taken from."""


@dataclass(frozen=True)
class ClassAccuracy:
    """One class's accuracy (recall) over the complete trials that report it."""

    name: str
    best: float | None
    """The best trial's accuracy on this class (null when it does not report it)."""
    n: int
    """Complete trials (finite objective) reporting this class."""
    min: float
    median: float
    max: float
    n_above_chance: int
    """Trials whose accuracy on this class is above ``class_chance``."""
    n_elites: int
    """Elites reporting this class."""
    elite_min: float | None
    elite_median: float | None
    elite_max: float | None
    n_elites_above_chance: int
    learned: str
    """``none``: no trial above chance (never learned); ``all``: every trial above chance;
    ``some``: only some trials above chance."""


@dataclass(frozen=True)
class ClassLevel:
    """One level of a categorical parameter: the trials using it and their accuracy on a class."""

    level: Any
    n: int
    median: float
    n_above_chance: int


@dataclass(frozen=True)
class ClassDependence:
    """Does a class's accuracy differ between the levels of a categorical parameter?

    Mann-Whitney U (rank-biserial r with its score interval; positive: ``level_a`` higher) for two
    levels, Kruskal-Wallis (epsilon-squared, no interval) for more; levels used by fewer than two
    reporting trials are left out. q is corrected over every class x parameter test (one family)."""

    name: str
    """The class."""
    param: str
    test: str
    """``mann_whitney`` or ``kruskal_wallis``."""
    n: int
    levels: tuple[ClassLevel, ...]
    statistic: float
    p: float
    p_method: str
    q: float
    effect_measure: str
    """``rank_biserial`` or ``epsilon_squared``."""
    effect: float
    ci_low: float | None
    ci_high: float | None
    tier: Tier
    """From q; strong/suggestive only when a rank-biserial interval also excludes 0."""
    level_a: Any = None
    level_b: Any = None


@dataclass(frozen=True)
class PerClass:
    attr: str
    """The trial user attribute read (``per_class_acc``)."""
    class_names: tuple[str, ...]
    class_chance: float
    """1 / number of classes: the per-class accuracy (recall) of uniform guessing."""
    best_number: int | None
    n: int
    """Complete trials with a finite value reporting per-class accuracies."""
    n_elites: int
    """Elites reporting per-class accuracies."""
    classes: tuple[ClassAccuracy, ...]
    never_learned: tuple[str, ...]
    """Classes at or below ``class_chance`` in every reporting trial."""
    sometimes_learned: tuple[str, ...]
    """Classes above chance in some trials but not all."""
    by_config: tuple[ClassDependence, ...] = ()
    """Every class x categorical parameter test, by q then class then parameter."""


@dataclass(frozen=True)
class ChampionScore:
    """The best trial retrained over seeds (study user attribute ``champion_validation``)."""

    trial: int | None
    trial_value: float | None
    """The sweep's validation score of that trial (what selected it)."""
    epochs: int | None
    """Epochs of each retraining run."""
    sweep_epochs: int | None
    """Epochs the sweep trial ran (its ``epochs_run`` user attribute), when recorded."""
    n: int
    """Seeds (retraining runs) behind the test score."""
    test_mean: float
    test_std: float | None
    """Sample standard deviation (ddof = 1); null for one seed."""
    test_ci_low: float | None
    """95% t-interval of the mean test score (n - 1 degrees of freedom); null for one seed."""
    test_ci_high: float | None
    test_min: float | None
    test_max: float | None
    val_mean: float | None
    """The retrained runs' mean validation score."""
    val_std: float | None
    val_n: int | None
    gap: float | None
    """test_mean - trial_value: negative when the sweep's score was optimistic."""
    gap_ci_low: float | None
    """The t-interval of the gap (trial_value is one fixed number)."""
    gap_ci_high: float | None
    same_training: bool | None
    """The retraining ran as many epochs as the sweep trial: the gap is then selection bias plus
    seed noise; otherwise it also holds the effect of training longer. Null when unknown."""
    baseline: float | None
    """The chance baseline of the champion record (or the study's)."""
    source: str
    """``runs`` (recomputed from each seed's score) or ``summary`` (the record's mean, std, n)."""
    test_per_class: dict[str, float] | None = None
    """Test accuracy per class over all seeds (the record's ``test_per_class_acc``), when recorded."""


@dataclass(frozen=True)
class AttributeCorrelation:
    """Spearman's rho of one numeric trial user attribute against the objective."""

    attr: str
    n: int
    """Complete trials with a finite value and a finite numeric attribute."""
    n_missing: int
    """Complete trials with a finite value that lack the attribute (or hold a non-number)."""
    rho: float | None
    """Signed so that a positive rho means larger attribute values go with better objective values."""
    p: float | None
    p_method: str | None
    q: float | None
    """Holm (or the report's correction) over this table's tests: their own family."""
    ci_low: float | None
    """Fisher-z 95% interval of rho (Bonett-Wright variance), signed like rho."""
    ci_high: float | None
    tier: Tier
    untested_reason: str | None = None
    """constant (one value over the trials) or too_few_trials."""


@dataclass(frozen=True)
class CostQuality:
    """A cost attribute (parameter count, throughput, seconds) against the objective."""

    attr: str
    cheaper: str
    """``lower`` or ``higher``: which values of the attribute are cheaper."""
    correlation: AttributeCorrelation
    best_number: int | None
    best_cost: float | None
    """The best trial's value of the attribute."""
    tolerance: float
    """Near-best: within this fraction of |best value| of the best value."""
    threshold: float | None
    """The objective value a near-best trial must reach."""
    n_near_best: int
    """Near-best complete trials that record the attribute."""
    cheapest_number: int | None
    """The cheapest near-best trial."""
    cheapest_value: float | None
    cheapest_cost: float | None


@dataclass(frozen=True)
class TrialAttributes:
    """What the trials carry beside the value; each part null or empty when the study lacks it."""

    baseline: BaselineComparison | None = None
    class_names: tuple[str, ...] = ()
    per_class: PerClass | None = None
    champion: ChampionScore | None = None
    cost: tuple[CostQuality, ...] = ()
    correlations: tuple[AttributeCorrelation, ...] = ()
    """Every numeric user attribute shared by the complete trials, against the objective."""
    correction: str = "holm"
    """The correction applied to ``correlations`` (one family)."""
