"""Empirical ranges: what the complete trials and the elites actually explored, per parameter.

The raw material of every refinement, written as ``artifacts/empirical_ranges.yaml`` so a
reader can check a narrowed range against the values it came from. Counted over COMPLETE
trials with a finite value (the analysed trials), within each parameter's branch.
"""

from __future__ import annotations

import json

from generator.analysis.boundary import declared_bounds
from generator.analysis.params import ParamSpec
from generator.analysis.refine.evidence import DISCRETE, NUMERIC, RANGED
from generator.analysis.sample import ParamSample
from generator.model.next_sweep import EmpiricalRange, LevelCount
from generator.model.vocabulary import ParamKind


def empirical_ranges(specs: dict[str, ParamSpec], samples: dict[str, ParamSample]) -> tuple[EmpiricalRange, ...]:
    """One entry per declared parameter (sorted by name); n = 0 for one no analysed trial has."""
    return tuple(empirical_range(spec, samples.get(name)) for name, spec in sorted(specs.items()))


def empirical_range(spec: ParamSpec, sample: ParamSample | None) -> EmpiricalRange:
    low, high = declared_bounds(spec) if spec.kind in NUMERIC else (None, None)
    observed_min = observed_max = elite_min = elite_max = None
    levels: tuple[LevelCount, ...] = ()
    n = n_elites = 0
    if sample is not None:
        n, n_elites = sample.n, int(sample.elite.sum())
        if sample.x is not None and n:
            observed_min, observed_max = float(sample.x.min()), float(sample.x.max())
            elite_x = sample.x[sample.elite]
            if len(elite_x):
                elite_min, elite_max = float(elite_x.min()), float(elite_x.max())
        if spec.kind in DISCRETE:
            levels = tuple(
                LevelCount(
                    value=json.loads(level),
                    n=sum(1 for label in sample.labels if label == level),
                    n_elites=sum(
                        1 for label, elite in zip(sample.labels, sample.elite, strict=True) if elite and label == level
                    ),
                )
                for level in sample.levels()
            )
    whole = spec.kind == ParamKind.INTEGER or (
        spec.kind == ParamKind.ORDINAL and all(isinstance(c, int) and not isinstance(c, bool) for c in spec.choices)
    )
    if whole:  # integers as integers (3, not 3.0) wherever the parameter only takes integers
        low, high, observed_min, observed_max, elite_min, elite_max = (
            None if v is None else int(v) for v in (low, high, observed_min, observed_max, elite_min, elite_max)
        )
    return EmpiricalRange(
        param=spec.name,
        kind=spec.kind,
        n=n,
        n_elites=n_elites,
        condition=spec.condition,
        log=spec.log,
        declared_low=low,
        declared_high=high,
        declared_step=(int(spec.step or 1) if spec.kind == ParamKind.INTEGER else spec.step)
        if spec.kind in RANGED
        else None,
        declared_choices=spec.choices if spec.kind in DISCRETE else (),
        observed_min=observed_min,
        observed_max=observed_max,
        elite_min=elite_min,
        elite_max=elite_max,
        levels=levels,
    )
