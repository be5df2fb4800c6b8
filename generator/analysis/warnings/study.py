"""Detectors of the study-wide warnings: trial states, values and objectives."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import Finding, Summary, TrialCounts
from generator.model.vocabulary import Severity, WarningCode

MANY_UNFINISHED_SHARE = 0.5
"""Pruned (or failed) above this share of finished trials is worth a warning."""


@dataclass(frozen=True)
class StudyEvidence:
    """What the study-wide detectors read."""

    counts: TrialCounts
    summary: Summary
    n_objectives: int

    @property
    def finished(self) -> int:
        return self.counts.complete + self.counts.pruned + self.counts.fail


def no_complete_trials(e: StudyEvidence) -> list[Finding]:
    if e.counts.complete:
        return []
    return [Finding(WarningCode.NO_COMPLETE_TRIALS, Severity.ERROR, (), {"total": e.counts.total})]


def no_finite_values(e: StudyEvidence) -> list[Finding]:
    """Complete trials exist, yet none has a finite value (``no_complete_trials`` covers none at all)."""
    if e.counts.complete == 0 or e.summary.n != 0:
        return []
    return [Finding(WarningCode.NO_FINITE_VALUES, Severity.ERROR, (), {"complete": e.counts.complete})]


def infinite_values(e: StudyEvidence) -> list[Finding]:
    if not e.summary.n_infinite:
        return []
    return [Finding(WarningCode.INFINITE_VALUES, Severity.WARNING, (), {"n_infinite": e.summary.n_infinite})]


def many_failed(e: StudyEvidence) -> list[Finding]:
    if not e.finished or e.counts.fail / e.finished <= MANY_UNFINISHED_SHARE:
        return []
    return [Finding(WarningCode.MANY_FAILED, Severity.WARNING, (), {"fail": e.counts.fail, "finished": e.finished})]


def many_pruned(e: StudyEvidence) -> list[Finding]:
    if not e.finished or e.counts.pruned / e.finished <= MANY_UNFINISHED_SHARE:
        return []
    values = {"pruned": e.counts.pruned, "finished": e.finished}
    return [Finding(WarningCode.MANY_PRUNED, Severity.INFO, (), values)]


def unfinished_trials(e: StudyEvidence) -> list[Finding]:
    if not (e.counts.running or e.counts.waiting):
        return []
    values = {"running": e.counts.running, "waiting": e.counts.waiting}
    return [Finding(WarningCode.UNFINISHED_TRIALS, Severity.INFO, (), values)]


def multi_objective(e: StudyEvidence) -> list[Finding]:
    """One objective of several is analysed (``assemble`` turns it into ``multi_objective_all``
    when every objective is)."""
    if e.n_objectives <= 1:
        return []
    return [Finding(WarningCode.MULTI_OBJECTIVE, Severity.INFO, (), {"n_objectives": e.n_objectives})]
