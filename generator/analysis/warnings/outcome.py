"""Detectors of what the sweep achieved: a poor best value, no parameter with an effect."""

from __future__ import annotations

from generator.analysis.warnings.evidence import AnalysisEvidence
from generator.model.findings import Finding
from generator.model.vocabulary import Severity, Tier, WarningCode


def low_performance(e: AnalysisEvidence) -> list[Finding]:
    perf = e.perf
    if perf is None or not perf.low:
        return []
    values = {
        "best": perf.best,
        "baseline": perf.baseline.value,
        "source": perf.baseline.source,
        "ratio": perf.ratio,
        "headroom_used": perf.headroom_used,
    }
    return [Finding(WarningCode.LOW_PERFORMANCE, Severity.WARNING, (), values)]


def other_evidence(e: AnalysisEvidence) -> bool:
    """Whether tests beside the primary ones found structure (an interior optimum, a level the
    elites converged on): then "cannot tell which parameters matter" would contradict them, and
    the executive summary says what they found instead."""
    return any(d.shape == "interior" for d in e.effects) or (
        e.elites is not None and any(lv.tier == Tier.STRONG for lv in e.elites.levels)
    )


def no_significant_effect(e: AnalysisEvidence) -> list[Finding]:
    s = e.significance
    if s is None or not s.m or s.n_strong != 0 or other_evidence(e):
        return []
    values = {
        "m": s.m,
        "correction": s.correction,
        "alpha": s.alpha,
        "min_q": min(d.q for d in e.tested if d.q is not None),
        "n_suggestive": s.n_suggestive,
    }
    return [Finding(WarningCode.NO_SIGNIFICANT_EFFECT, Severity.WARNING, (), values)]
