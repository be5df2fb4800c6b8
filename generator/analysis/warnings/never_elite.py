"""Detector of levels no elite used, where that is unlikely to be luck."""

from __future__ import annotations

from collections.abc import Sequence

from scipy.stats import hypergeom

from generator.analysis.correction import adjust
from generator.analysis.warnings.evidence import AnalysisEvidence
from generator.model.effects import EliteLevel
from generator.model.findings import Finding
from generator.model.vocabulary import Severity, WarningCode

NEVER_ELITE_ALPHA = 0.05
"""Fallback family-wise level for ``level_never_elite`` when no significance summary is given
(the report passes its own ``--alpha``)."""


def expected_elites(level: EliteLevel) -> float:
    """Elites the level would get if the branch's elites fell on its trials at random."""
    return level.n * level.n_branch_elites / level.n_branch


def depletion_p(level: EliteLevel) -> float:
    """One-sided hypergeometric p of depletion: the chance of at most the observed elites at
    the level if the branch's elites were drawn at random from its trials (for a level with
    no elite, the chance of none).

    The population is the branch's trials (``n_branch``), the successes the level's trials
    (``n``), the draws the branch's elites (``n_branch_elites``).
    """
    return float(hypergeom.cdf(level.n_elite, level.n_branch, level.n, level.n_branch_elites))


def never_elite_warnings(levels: Sequence[EliteLevel], correction: str, alpha: float) -> list[Finding]:
    """Levels no elite used, where that is unlikely to be luck after correcting for every level checked.

    Every level whose expected elite count is at least one is checked with ``depletion_p``.
    The family is all levels checked, not only those with no elite: choosing the family by
    its outcome would understate q. Only levels with no elite and q below ``alpha`` warn.
    """
    checked = [lv for lv in levels if lv.n_branch and expected_elites(lv) >= 1]
    if not checked:
        return []
    ps = [depletion_p(lv) for lv in checked]
    qs = adjust(ps, correction).tolist()
    found = []
    for lv, p, q in zip(checked, ps, qs, strict=True):
        if lv.n_elite == 0 and q < alpha:
            values = {
                "level": lv.level,
                "n": lv.n,
                "n_branch": lv.n_branch,
                "n_branch_elites": lv.n_branch_elites,
                "expected": expected_elites(lv),
                "p_chance": p,
                "p": p,
                "q": q,
                "m": len(checked),
                "correction": correction,
                "alpha": alpha,
            }
            found.append(Finding(WarningCode.LEVEL_NEVER_ELITE, Severity.WARNING, (lv.param,), values))
    return found


def level_never_elite(e: AnalysisEvidence) -> list[Finding]:
    """``never_elite_warnings`` at the report's level and correction (the elite analysis's own
    correction when no significance summary exists)."""
    if e.elites is None:
        return []
    alpha = e.significance.alpha if e.significance is not None else NEVER_ELITE_ALPHA
    correction = e.significance.correction if e.significance is not None else e.elites.correction
    return never_elite_warnings(e.elites.levels, correction, alpha)
