"""Warning detectors: small functions, one concern each, thresholds as named constants.

Each returns ``Finding`` objects with a stable code; the sentence for each code lives in
``templates/messages.yaml``. Severity order (for sorting) is error < warning < info.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from scipy.stats import hypergeom

from generator.analysis.correction import adjust
from generator.model.effects import EliteAnalysis, EliteLevel, Significance
from generator.model.findings import BoundaryHit, Directionality, Finding, Summary, TrialCounts
from generator.model.vocabulary import Severity, WarningCode

if TYPE_CHECKING:  # analysis imports the findings model; only the types flow back here
    from generator.analysis.baseline import Performance
    from generator.analysis.params import ParamSpec

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

MANY_UNFINISHED_SHARE = 0.5
"""Pruned + failed above this share of finished trials is worth a warning."""


def study_warnings(counts: TrialCounts, summary: Summary, n_objectives: int) -> list[Finding]:
    found: list[Finding] = []
    if counts.complete == 0:
        found.append(Finding(WarningCode.NO_COMPLETE_TRIALS, Severity.ERROR, (), {"total": counts.total}))
    elif summary.n == 0:
        found.append(Finding(WarningCode.NO_FINITE_VALUES, Severity.ERROR, (), {"complete": counts.complete}))
    if summary.n_infinite:
        found.append(Finding(WarningCode.INFINITE_VALUES, Severity.WARNING, (), {"n_infinite": summary.n_infinite}))
    finished = counts.complete + counts.pruned + counts.fail
    if finished and counts.fail / finished > MANY_UNFINISHED_SHARE:
        found.append(
            Finding(WarningCode.MANY_FAILED, Severity.WARNING, (), {"fail": counts.fail, "finished": finished})
        )
    if finished and counts.pruned / finished > MANY_UNFINISHED_SHARE:
        found.append(
            Finding(WarningCode.MANY_PRUNED, Severity.INFO, (), {"pruned": counts.pruned, "finished": finished})
        )
    if counts.running or counts.waiting:
        found.append(
            Finding(
                WarningCode.UNFINISHED_TRIALS, Severity.INFO, (), {"running": counts.running, "waiting": counts.waiting}
            )
        )
    if n_objectives > 1:
        found.append(Finding(WarningCode.MULTI_OBJECTIVE, Severity.INFO, (), {"n_objectives": n_objectives}))
    return found


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Severity first, then code, then the params concerned: a stable, reviewable order."""
    return tuple(sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.params)))


MIN_TRIALS_PER_PARAM = 10
"""A common rule of thumb for sweeps: about ten complete trials per searched parameter before
per-parameter effects can be told apart from noise."""
CONDITIONAL_SMALL_N = 10
"""Conditional parameters measured on fewer trials than this are flagged (see directionality.SMALL_N)."""


def analysis_warnings(
    effects: Sequence[Directionality],
    elites: EliteAnalysis | None,
    hits: Sequence[BoundaryHit],
    perf: Performance | None,
    significance: Significance | None,
    specs: Sequence[ParamSpec],
) -> list[Finding]:
    """Warnings about what the statistics can and cannot support; one concern per code."""
    found: list[Finding] = []
    tested = [d for d in effects if d.p is not None]
    n_study = significance.n_study if significance else 0
    if tested and n_study < MIN_TRIALS_PER_PARAM * len(tested):
        found.append(
            Finding(
                WarningCode.LOW_SAMPLE_SIZE,
                Severity.WARNING,
                (),
                {
                    "n": n_study,
                    "n_params": len(tested),
                    "per_param": n_study / len(tested),
                    "recommended": MIN_TRIALS_PER_PARAM * len(tested),
                },
            )
        )
    for d in effects:
        if d.condition is not None and 0 < d.n < CONDITIONAL_SMALL_N:
            found.append(
                Finding(
                    WarningCode.CONDITIONAL_SMALL_N,
                    Severity.WARNING,
                    (d.param,),
                    {
                        "n": d.n,
                        "n_study": d.n_study,
                        "parent": d.condition.parent,
                        "value": d.condition.value,
                        "min_effect": d.power.min_effect if d.power else None,
                        "tier": d.tier,
                        # An untested parameter has no q and no rank: the sentence must not say
                        # it is "ranked by its own q".
                        "reason": "tested" if d.p is not None else "untested",
                    },
                )
            )
        if d.untested_reason == "single_value":
            found.append(Finding(WarningCode.SINGLE_VALUE_PARAM, Severity.INFO, (d.param,), {"n": d.n}))
    for h in hits:
        if not widenable(h):
            continue
        bound = h.declared_high if h.side == "high" else h.declared_low
        code, severity = (
            (WarningCode.BOUNDARY_HIT, Severity.WARNING)
            if h.crowded
            else (WarningCode.BOUNDARY_BEST_TRIAL, Severity.INFO)
        )
        found.append(
            Finding(
                code,
                severity,
                (h.param,),
                {
                    "side": h.side,
                    "bound": bound,
                    "elite_share": h.elite_share,
                    "n_elites_in_zone": h.n_elites_in_zone,
                    "n_elites": h.n_elites,
                    "best_in_zone": h.best_in_zone,
                    "suggested_bound": h.suggested_bound,
                },
            )
        )
    if elites is not None:
        alpha = significance.alpha if significance is not None else NEVER_ELITE_ALPHA
        correction = significance.correction if significance is not None else elites.correction
        found.extend(never_elite_warnings(elites.levels, correction, alpha))
    if perf is not None and perf.low:
        found.append(
            Finding(
                WarningCode.LOW_PERFORMANCE,
                Severity.WARNING,
                (),
                {
                    "best": perf.best,
                    "baseline": perf.baseline.value,
                    "source": perf.baseline.source,
                    "ratio": perf.ratio,
                    "headroom_used": perf.headroom_used,
                },
            )
        )
    # Other tests may still have found structure the primary tests cannot see (an interior
    # optimum, a level the elites converged on); then "cannot tell which parameters matter"
    # would contradict them, and the executive summary says what they found instead.
    other_evidence = any(d.shape == "interior" for d in effects) or (
        elites is not None and any(lv.tier == "strong" for lv in elites.levels)
    )
    if significance is not None and significance.m and significance.n_strong == 0 and not other_evidence:
        min_q = min(d.q for d in tested if d.q is not None)
        found.append(
            Finding(
                WarningCode.NO_SIGNIFICANT_EFFECT,
                Severity.WARNING,
                (),
                {
                    "m": significance.m,
                    "correction": significance.correction,
                    "alpha": significance.alpha,
                    "min_q": min_q,
                    "n_suggestive": significance.n_suggestive,
                },
            )
        )
    for spec in specs:
        if spec.dynamic:
            found.append(
                Finding(
                    WarningCode.DYNAMIC_SEARCH_SPACE,
                    Severity.INFO,
                    (spec.name,),
                    {
                        "n_distributions": spec.n_distributions,
                        "low": spec.low,
                        "high": spec.high,
                        "n_choices": len(spec.choices),
                    },
                )
            )
    return found


NEVER_ELITE_ALPHA = 0.05
"""Fallback family-wise level for ``level_never_elite`` when no significance summary is given
(the report passes its own ``--alpha``)."""


def widenable(hit: BoundaryHit) -> bool:
    """Whether a boundary row asks for a wider bound, so a warning may say "widen".

    Warnings must say what the boundary table says: a bound the table keeps (no suggested
    bound: zero, a fraction's 1, a choice with nothing beyond) cannot move, and the choices
    of a categorical or boolean parameter have no "beyond" at all.
    """
    return hit.kind not in ("boolean", "categorical") and hit.suggested_bound is not None


def never_elite_warnings(levels: Sequence[EliteLevel], correction: str, alpha: float) -> list[Finding]:
    """Levels no elite used, where that is unlikely to be luck after correcting for every level checked.

    Every level whose expected elite count is at least one is checked, with a one-sided
    hypergeometric test of depletion: p is the chance of at most the observed elites at the
    level if elites fell on trials at random (for a level with no elite: the chance of none).
    The family is all levels checked, not only those with no elite: choosing the family by
    its outcome would understate q. Only levels with no elite and q below ``alpha`` warn.
    """
    checked = [lv for lv in levels if lv.n_branch and lv.n * lv.n_branch_elites / lv.n_branch >= 1]
    if not checked:
        return []
    ps = [float(hypergeom.cdf(lv.n_elite, lv.n_branch, lv.n, lv.n_branch_elites)) for lv in checked]
    qs = adjust(ps, correction).tolist()
    found = []
    for lv, p, q in zip(checked, ps, qs, strict=True):
        if lv.n_elite == 0 and q < alpha:
            found.append(
                Finding(
                    WarningCode.LEVEL_NEVER_ELITE,
                    Severity.WARNING,
                    (lv.param,),
                    {
                        "level": lv.level,
                        "n": lv.n,
                        "n_branch": lv.n_branch,
                        "n_branch_elites": lv.n_branch_elites,
                        "expected": lv.n * lv.n_branch_elites / lv.n_branch,
                        "p_chance": p,
                        "p": p,
                        "q": q,
                        "m": len(checked),
                        "correction": correction,
                        "alpha": alpha,
                    },
                )
            )
    return found
