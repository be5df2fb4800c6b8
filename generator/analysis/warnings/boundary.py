"""Detectors of bounds the elites or the best trial press against."""

from __future__ import annotations

from generator.analysis.warnings.evidence import AnalysisEvidence
from generator.model.findings import BoundaryHit, Finding
from generator.model.vocabulary import ParamKind, Severity, Side, WarningCode


def widenable(hit: BoundaryHit) -> bool:
    """Whether a boundary row asks for a wider bound, so a warning may say "widen".

    Warnings must say what the boundary table says: a bound the table keeps (no suggested
    bound: zero, a fraction's 1, a choice with nothing beyond) cannot move, and the choices
    of a categorical or boolean parameter have no "beyond" at all.
    """
    return hit.kind not in (ParamKind.BOOLEAN, ParamKind.CATEGORICAL) and hit.suggested_bound is not None


def _hit_finding(h: BoundaryHit, code: WarningCode, severity: Severity) -> Finding:
    values = {
        "side": h.side,
        "bound": h.declared_high if h.side == Side.HIGH else h.declared_low,
        "elite_share": h.elite_share,
        "n_elites_in_zone": h.n_elites_in_zone,
        "n_elites": h.n_elites,
        "best_in_zone": h.best_in_zone,
        "suggested_bound": h.suggested_bound,
    }
    return Finding(code, severity, (h.param,), values)


def boundary_hit(e: AnalysisEvidence) -> list[Finding]:
    """A widenable bound the elites crowd (their Fisher test backs it)."""
    return [_hit_finding(h, WarningCode.BOUNDARY_HIT, Severity.WARNING) for h in e.hits if widenable(h) and h.crowded]


def boundary_best_trial(e: AnalysisEvidence) -> list[Finding]:
    """A widenable bound hit without crowding (the best trial or a few elites sit there): a hint."""
    return [
        _hit_finding(h, WarningCode.BOUNDARY_BEST_TRIAL, Severity.INFO)
        for h in e.hits
        if widenable(h) and not h.crowded
    ]
