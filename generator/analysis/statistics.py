"""Run the statistics engine over the study sample and collect its part of the findings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from generator.analysis.baseline import chance_baseline, performance
from generator.analysis.boundary import boundary_hits
from generator.analysis.confounding import Confounding, confounded_pairs, confounding_warnings
from generator.analysis.directionality import directionality
from generator.analysis.elites import elite_analysis
from generator.analysis.highlights import executive_summary, significance_summary
from generator.analysis.sample import AnalysedSample
from generator.analysis.shape import with_shapes
from generator.analysis.warnings import analysis_warnings
from generator.config import AnalysisConfig
from generator.model.effects import EliteAnalysis, Highlight, Significance
from generator.model.findings import BoundaryHit, Directionality, Finding, Summary
from generator.model.vocabulary import ParamKind, Side


@dataclass(frozen=True)
class StatisticsFindings:
    directionality: tuple[Directionality, ...]
    boundary_hits: tuple[BoundaryHit, ...]
    elites: EliteAnalysis
    significance: Significance
    executive_summary: tuple[Highlight, ...]
    warnings: tuple[Finding, ...]
    confounding: Confounding = Confounding()


def build_statistics(
    analysed: AnalysedSample,
    config: AnalysisConfig,
    summary: Summary,
    user_attrs: dict[str, Any],
) -> StatisticsFindings:
    """The tests run on ``analysed.tests``; the confounding check reads the trial-aligned
    parameter values of ``analysed.importance``."""
    sample = analysed.tests
    direction = analysed.direction
    confounding = confounded_pairs(analysed.importance)
    partners = confounding.partners()
    effects = with_shapes(
        tuple(
            replace(d, confounded_with=partners[d.param]) if d.param in partners else d
            for d in directionality(sample, config)
        ),
        sample,
        config,
    )
    hits = boundary_hits(sample, config.refine_max_decades, config.alpha)
    elites = elite_analysis(sample, config)
    hits = corrected_ordinal_hits(hits, elites, config.alpha)
    significance = significance_summary(effects, config.correction, config.alpha, config.suggestive_alpha, sample.n)
    baseline = chance_baseline(config.baseline, user_attrs, direction)
    perf = None
    if summary.best is not None and summary.worst is not None:
        extremes = (summary.best.value, summary.worst.value)
        perf = performance(summary.best.value, min(extremes), max(extremes), baseline, direction)
    highlights = executive_summary(effects, elites, hits, perf, significance, sample.sign)
    specs = [ps.spec for ps in sample.params.values()]
    warnings = analysis_warnings(effects, elites, hits, perf, significance, specs)
    warnings += confounding_warnings(confounding)
    return StatisticsFindings(effects, hits, elites, significance, highlights, tuple(warnings), confounding)


def corrected_ordinal_hits(
    hits: tuple[BoundaryHit, ...], elites: EliteAnalysis | None, alpha: float
) -> tuple[BoundaryHit, ...]:
    """An ordinal's zone is its extreme choice, so its boundary Fisher test is that level's
    enrichment test in the elite table, where it is corrected with the rest of the family: the
    bound is crowded only when that q is significant too, so the boundary table, its warning and
    the configs never call "crowded" what the elite table calls "not enough evidence" (DQN
    freq_steps_train 256: p = 0.020 here, q = 0.59 there)."""
    if elites is None:
        return hits
    q_of: dict[tuple[str, float], float] = {}
    for level in elites.levels:
        try:
            q_of[(level.param, float(level.level))] = level.q
        except (TypeError, ValueError):
            continue
    out = []
    for h in hits:
        bound = h.declared_high if h.side == Side.HIGH else h.declared_low
        q = q_of.get((h.param, float(bound))) if h.kind == ParamKind.ORDINAL else None
        out.append(replace(h, crowded=False) if h.crowded and q is not None and q >= alpha else h)
    return tuple(out)
