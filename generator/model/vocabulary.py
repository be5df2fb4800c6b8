"""The findings' vocabulary, defined once: every tier, severity, side, kind, shape, test and warning code.

``StrEnum`` members are their strings (``Tier.STRONG == "strong"``), so findings.json, the
templates and any reader that compares with the plain string keep working unchanged; code
names the member instead of retyping the string, and mypy catches a misspelt one.
"""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    """How strongly a corrected test supports an effect (``StatsPolicy`` holds the thresholds)."""

    STRONG = "strong"
    """q < alpha, and the 95% interval excludes the null."""
    SUGGESTIVE = "suggestive"
    """q < suggestive_alpha (not < alpha), and the 95% interval excludes the null."""
    NOT_ENOUGH_EVIDENCE = "not enough evidence"
    NOT_TESTED = "not tested"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Side(StrEnum):
    """Which declared bound of a numeric parameter."""

    LOW = "low"
    HIGH = "high"


class ParamKind(StrEnum):
    """How a parameter is analysed (``analysis/params.py`` decides from its distribution)."""

    CONTINUOUS = "continuous"
    INTEGER = "integer"
    ORDINAL = "ordinal"
    """A categorical whose levels are all numbers: ranked, so trend tests apply."""
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"


class Shape(StrEnum):
    """A numeric parameter's relation to the objective (``Directionality.shape``; decided in
    ``analysis/shape.py``)."""

    INCREASING = "increasing"
    """Larger values are better: a monotone trend backed by the primary Spearman test (tier strong or
    suggestive) with a positive signed effect (rho signed by the objective's direction)."""
    DECREASING = "decreasing"
    """Smaller values are better: as INCREASING with a negative signed effect."""
    INTERIOR = "interior"
    """The best values lie strictly inside the observed range and both ends are worse."""
    NONE = "none"
    """Not enough evidence of a trend or of an interior optimum (never "no effect")."""


class TestName(StrEnum):
    """The primary test of a parameter's effect (``analysis/directionality.py``)."""

    __test__ = False  # not a pytest test class, despite the name

    SPEARMAN = "spearman"
    MANN_WHITNEY_U = "mann-whitney-u"
    KRUSKAL_WALLIS = "kruskal-wallis"
    NONE = "none"
    """Reported, not tested (``untested_reason`` says why)."""


class WarningCode(StrEnum):
    """Every warning's stable code; ``templates/messages.yaml`` holds the sentence for each."""

    NO_COMPLETE_TRIALS = "no_complete_trials"
    NO_FINITE_VALUES = "no_finite_values"
    INFINITE_VALUES = "infinite_values"
    MANY_FAILED = "many_failed"
    MANY_PRUNED = "many_pruned"
    UNFINISHED_TRIALS = "unfinished_trials"
    MULTI_OBJECTIVE = "multi_objective"
    MULTI_OBJECTIVE_ALL = "multi_objective_all"
    LOW_SAMPLE_SIZE = "low_sample_size"
    CONDITIONAL_SMALL_N = "conditional_small_n"
    SINGLE_VALUE_PARAM = "single_value_param"
    BOUNDARY_HIT = "boundary_hit"
    BOUNDARY_BEST_TRIAL = "boundary_best_trial"
    LEVEL_NEVER_ELITE = "level_never_elite"
    LOW_PERFORMANCE = "low_performance"
    NO_SIGNIFICANT_EFFECT = "no_significant_effect"
    DYNAMIC_SEARCH_SPACE = "dynamic_search_space"
    IMPORTANCE_TOO_FEW_TRIALS = "importance_too_few_trials"
    IMPORTANCE_NO_PARAMETERS = "importance_no_parameters"
    IMPORTANCE_NO_VARYING_PARAMETERS = "importance_no_varying_parameters"
    IMPORTANCE_CONSTANT_OBJECTIVE = "importance_constant_objective"
    IMPORTANCE_NO_SIGNAL = "importance_no_signal"
    INTERACTIONS_TOO_FEW_TRIALS = "interactions_too_few_trials"
    INTERACTIONS_NO_PAIRS = "interactions_no_pairs"
    TOP_QUANTILE_TOO_FEW_TRIALS = "top_quantile_too_few_trials"
    CONFOUNDED_PARAMS = "confounded_params"
    DRIVEN_BY_FEW_TRIALS = "driven_by_few_trials"
    IMPORTANCE_NO_PREDICTIVE_POWER = "importance_no_predictive_power"
    IMPORTANCE_EFFECT_DISAGREE = "importance_effect_disagree"
    UNDER_TRAINED = "under_trained"
    CLASSES_NEVER_LEARNED = "classes_never_learned"
