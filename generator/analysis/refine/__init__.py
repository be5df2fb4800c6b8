"""The recommended next sweep: empirical ranges, an aggressive and a conservative refined
space, and the expected gain of each, from the statistics already computed.

Pure analysis: typed results (``generator/model/next_sweep.py``), no YAML and no wording;
``generator/render/next_sweep.py`` turns them into sweep-config YAML through
``generator.sweep_config`` and ``templates/next_sweep/_reasons.j2`` words each rule.

- ``empirical.py``: per parameter, observed and elite min/max, declared bounds, levels seen.
- ``rules.py``: one small function per refinement rule, thresholds from ``AnalysisConfig``.
- ``strategies.py``: the two configs composed from the rules; branches, carried knobs, budget.
- ``sampling.py`` and ``gain.py``: the surrogate's estimate of what each space would score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from generator.analysis.refine.empirical import empirical_ranges
from generator.analysis.refine.entries import declared_entry
from generator.analysis.refine.evidence import gather
from generator.analysis.refine.gain import expected_gain
from generator.analysis.refine.strategies import carried_knobs, refined_space
from generator.analysis.sample import AnalysedSample
from generator.config import AnalysisConfig
from generator.model.effects import EliteAnalysis
from generator.model.findings import BoundaryHit, Directionality, TrialCounts
from generator.model.next_sweep import AGGRESSIVE, CONSERVATIVE, DECLARED, NextSweep


def next_sweep(
    analysed: AnalysedSample,
    config: AnalysisConfig,
    study_name: str,
    counts: TrialCounts,
    user_attrs: Mapping[str, Any],
    directionality: Iterable[Directionality],
    elites: EliteAnalysis | None,
    boundary_hits: Iterable[BoundaryHit],
) -> NextSweep:
    """Both refined spaces of the study, its empirical ranges and the expected gains."""
    sample, specs, direction = analysed.tests, analysed.specs, analysed.direction
    evidence = gather(specs, sample.params, sample.sign, tuple(directionality), elites, tuple(boundary_hits))
    knobs = carried_knobs(user_attrs, specs)
    spaces = {
        strategy: refined_space(strategy, study_name, direction, counts.total, evidence, knobs, config)
        for strategy in (AGGRESSIVE, CONSERVATIVE)
    }
    declared = tuple(declared_entry(spec) for _, spec in sorted(specs.items()))
    gain = expected_gain(
        analysed.importance,
        specs,
        {DECLARED: declared, AGGRESSIVE: spaces[AGGRESSIVE].params, CONSERVATIVE: spaces[CONSERVATIVE].params},
        config,
    )
    return NextSweep(
        n_complete=sample.n,
        n_elites=sample.n_elites,
        elite_quantile=config.elite_quantile,
        empirical_ranges=empirical_ranges(specs, sample.params),
        aggressive=spaces[AGGRESSIVE],
        conservative=spaces[CONSERVATIVE],
        expected_gain=gain,
    )


__all__ = ["next_sweep"]
