"""Warning detectors: one small function per warning code, thresholds as named constants.

Each detector returns the ``Finding`` objects of its own code; the sentence for each code
lives in ``templates/messages.yaml``. ``STUDY_DETECTORS`` and ``ANALYSIS_DETECTORS`` list them
keyed by code, so a new warning is one function and one registry entry. Severity order (for
sorting) is error < warning < info.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from generator.analysis.warnings.boundary import widenable
from generator.analysis.warnings.evidence import AnalysisEvidence
from generator.analysis.warnings.never_elite import NEVER_ELITE_ALPHA, depletion_p, never_elite_warnings
from generator.analysis.warnings.registry import ANALYSIS_DETECTORS, STUDY_DETECTORS
from generator.analysis.warnings.sample_size import CONDITIONAL_SMALL_N, MIN_TRIALS_PER_PARAM
from generator.analysis.warnings.study import MANY_UNFINISHED_SHARE, StudyEvidence
from generator.model.findings import BoundaryHit, Directionality, Finding, Summary, TrialCounts
from generator.model.vocabulary import Severity

if TYPE_CHECKING:  # analysis imports the findings model; only the types flow back here
    from generator.analysis.baseline import Performance
    from generator.analysis.params import ParamSpec
    from generator.model.effects import EliteAnalysis, Significance

__all__ = [
    "ANALYSIS_DETECTORS",
    "CONDITIONAL_SMALL_N",
    "MANY_UNFINISHED_SHARE",
    "MIN_TRIALS_PER_PARAM",
    "NEVER_ELITE_ALPHA",
    "SEVERITY_ORDER",
    "STUDY_DETECTORS",
    "analysis_warnings",
    "depletion_p",
    "never_elite_warnings",
    "sort_findings",
    "study_warnings",
    "widenable",
]

SEVERITY_ORDER: dict[str, int] = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Severity first, then code, then the params concerned: a stable, reviewable order."""
    return tuple(sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.params)))


def study_warnings(counts: TrialCounts, summary: Summary, n_objectives: int) -> list[Finding]:
    """Warnings about the study as a whole (its trial states, its values, its objectives)."""
    evidence = StudyEvidence(counts, summary, n_objectives)
    return [finding for detect in STUDY_DETECTORS.values() for finding in detect(evidence)]


def analysis_warnings(
    effects: Sequence[Directionality],
    elites: EliteAnalysis | None,
    hits: Sequence[BoundaryHit],
    perf: Performance | None,
    significance: Significance | None,
    specs: Sequence[ParamSpec],
) -> list[Finding]:
    """Warnings about what the statistics can and cannot support; one detector per code."""
    evidence = AnalysisEvidence(tuple(effects), elites, tuple(hits), perf, significance, tuple(specs))
    return [finding for detect in ANALYSIS_DETECTORS.values() for finding in detect(evidence)]
