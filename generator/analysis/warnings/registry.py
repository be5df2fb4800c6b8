"""Every detector, keyed by the warning code it raises (in the order they run)."""

from __future__ import annotations

from collections.abc import Callable

from generator.analysis.warnings import boundary, never_elite, outcome, sample_size, study
from generator.analysis.warnings.evidence import AnalysisEvidence
from generator.analysis.warnings.study import StudyEvidence
from generator.model.findings import Finding
from generator.model.vocabulary import WarningCode

StudyDetector = Callable[[StudyEvidence], list[Finding]]
AnalysisDetector = Callable[[AnalysisEvidence], list[Finding]]

STUDY_DETECTORS: dict[WarningCode, StudyDetector] = {
    WarningCode.NO_COMPLETE_TRIALS: study.no_complete_trials,
    WarningCode.NO_FINITE_VALUES: study.no_finite_values,
    WarningCode.INFINITE_VALUES: study.infinite_values,
    WarningCode.MANY_FAILED: study.many_failed,
    WarningCode.MANY_PRUNED: study.many_pruned,
    WarningCode.UNFINISHED_TRIALS: study.unfinished_trials,
    WarningCode.MULTI_OBJECTIVE: study.multi_objective,
}

ANALYSIS_DETECTORS: dict[WarningCode, AnalysisDetector] = {
    WarningCode.LOW_SAMPLE_SIZE: sample_size.low_sample_size,
    WarningCode.CONDITIONAL_SMALL_N: sample_size.conditional_small_n,
    WarningCode.SINGLE_VALUE_PARAM: sample_size.single_value_param,
    WarningCode.BOUNDARY_HIT: boundary.boundary_hit,
    WarningCode.BOUNDARY_BEST_TRIAL: boundary.boundary_best_trial,
    WarningCode.LEVEL_NEVER_ELITE: never_elite.level_never_elite,
    WarningCode.LOW_PERFORMANCE: outcome.low_performance,
    WarningCode.NO_SIGNIFICANT_EFFECT: outcome.no_significant_effect,
    WarningCode.DYNAMIC_SEARCH_SPACE: sample_size.dynamic_search_space,
}
