"""Detectors of what the sample can support: trials per parameter, small branches, constant
parameters, search spaces that changed."""

from __future__ import annotations

from generator.analysis.warnings.evidence import AnalysisEvidence
from generator.model.findings import Finding
from generator.model.vocabulary import Severity, WarningCode

MIN_TRIALS_PER_PARAM = 10
"""A common rule of thumb for sweeps: about ten complete trials per searched parameter before
per-parameter effects can be told apart from noise."""
CONDITIONAL_SMALL_N = 10
"""Conditional parameters measured on fewer trials than this are flagged (see directionality.SMALL_N)."""


def low_sample_size(e: AnalysisEvidence) -> list[Finding]:
    tested = e.tested
    n_study = e.significance.n_study if e.significance else 0
    recommended = MIN_TRIALS_PER_PARAM * len(tested)
    if not tested or n_study >= recommended:
        return []
    values = {"n": n_study, "n_params": len(tested), "per_param": n_study / len(tested), "recommended": recommended}
    return [Finding(WarningCode.LOW_SAMPLE_SIZE, Severity.WARNING, (), values)]


def conditional_small_n(e: AnalysisEvidence) -> list[Finding]:
    found = []
    for d in e.effects:
        if d.condition is None or not 0 < d.n < CONDITIONAL_SMALL_N:
            continue
        values = {
            "n": d.n,
            "n_study": d.n_study,
            "parent": d.condition.parent,
            "value": d.condition.value,
            "min_effect": d.power.min_effect if d.power else None,
            "tier": d.tier,
            # An untested parameter has no q and no rank: the sentence must not say it is
            # "ranked by its own q".
            "reason": "tested" if d.p is not None else "untested",
        }
        found.append(Finding(WarningCode.CONDITIONAL_SMALL_N, Severity.WARNING, (d.param,), values))
    return found


def single_value_param(e: AnalysisEvidence) -> list[Finding]:
    return [
        Finding(WarningCode.SINGLE_VALUE_PARAM, Severity.INFO, (d.param,), {"n": d.n})
        for d in e.effects
        if d.untested_reason == "single_value"
    ]


def dynamic_search_space(e: AnalysisEvidence) -> list[Finding]:
    return [
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
        for spec in e.specs
        if spec.dynamic
    ]
