"""Elites: where the best trials sit, with a test behind every "the elites chose X".

For every level of every discrete parameter (boolean, categorical, ordinal): its share among
the elites of its branch against its share of the branch, and a one-sided Fisher exact test
of enrichment (scipy.stats.fisher_exact). These tests are their own family, corrected with the
report's correction. For numeric parameters: elite min/max against explored and declared range.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from generator.analysis.boundary import declared_bounds
from generator.analysis.correction import adjust, tier
from generator.analysis.sample import StudySample, decode
from generator.config import AnalysisConfig
from generator.model.effects import EliteAnalysis, EliteLevel, EliteRange
from generator.model.vocabulary import ParamKind, Tier

CONVERGED_SHARE = 0.8
"""A level "converged" when at least this share of the branch's elites use it (and the
enrichment test is strong): the seed report fixed parameters on such evidence, without a test."""


def elite_analysis(sample: StudySample, config: AnalysisConfig) -> EliteAnalysis:
    raw: list[dict[str, Any]] = []
    ranges: list[EliteRange] = []
    for name, ps in sample.params.items():
        spec = ps.spec
        n_branch_elites = int(ps.elite.sum())
        if spec.kind in (ParamKind.BOOLEAN, ParamKind.CATEGORICAL, ParamKind.ORDINAL):
            levels = ps.levels()
            if len(levels) >= 2 and n_branch_elites:
                for level in levels:
                    at_level = ps.level_mask(level)
                    a = int((at_level & ps.elite).sum())
                    b = n_branch_elites - a
                    c = int((at_level & ~ps.elite).sum())
                    d = ps.n - n_branch_elites - c
                    odds, p = stats.fisher_exact([[a, b], [c, d]], alternative="greater")
                    raw.append(
                        dict(
                            param=name,
                            level=decode(level),
                            n=a + c,
                            n_elite=a,
                            n_branch=ps.n,
                            n_branch_elites=n_branch_elites,
                            share=(a + c) / ps.n,
                            elite_share=a / n_branch_elites,
                            odds_ratio=float(odds) if np.isfinite(odds) else None,
                            p=float(p),
                        )
                    )
        if spec.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL):
            assert ps.x is not None
            elite_x = ps.x[ps.elite]
            declared_low, declared_high = declared_bounds(spec)
            ranges.append(
                EliteRange(
                    param=name,
                    kind=spec.kind,
                    log=spec.log,
                    n=ps.n,
                    n_elite=n_branch_elites,
                    elite_min=float(elite_x.min()) if len(elite_x) else None,
                    elite_max=float(elite_x.max()) if len(elite_x) else None,
                    explored_min=float(ps.x.min()),
                    explored_max=float(ps.x.max()),
                    declared_low=declared_low,
                    declared_high=declared_high,
                )
            )
    qs = adjust([r["p"] for r in raw], config.correction)
    tested: list[EliteLevel] = []
    for r, q in zip(raw, qs.tolist(), strict=True):
        t = tier(q, config.alpha, config.suggestive_alpha)
        tested.append(EliteLevel(**r, q=q, tier=t, converged=t == Tier.STRONG and r["elite_share"] >= CONVERGED_SHARE))
    return EliteAnalysis(
        quantile=sample.elite_quantile,
        n_complete=sample.n,
        n_elites=sample.n_elites,
        threshold=sample.elite_threshold,
        correction=config.correction,
        levels=tuple(tested),
        ranges=tuple(ranges),
    )
