"""Boundary hits: the elites (or the best trial) sit in the outer tenth of a declared range.

That suggests the optimum may lie beyond the bound, so the next sweep should widen it. The
zone is measured on the parameter's own scale: log10 for log-declared parameters, so the outer
tenth of lr in [1e-5, 1e-1] is [1e-5, 2.5e-5], not [1e-5, 1e-2]. Declared ranges are the union
of every range declared during the study; ordinal parameters use their extreme choices, and
their zone is the extreme choice itself.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from generator.analysis.params import ParamSpec
from generator.analysis.sample import ParamSample, StudySample
from generator.model.findings import BoundaryHit
from generator.model.vocabulary import ParamKind, Side

ZONE = 0.10
"""The outer tenth of the range, per the statistical policy."""
BOUNDARY_ELITE_SHARE = 0.5
"""Elites "crowd" a zone when at least half of them sit in it: five times what uniform sampling
would put in a tenth of the range."""
MIN_ELITES_TO_CROWD = 2
"""One elite alone cannot crowd; a lone best trial at the edge is reported as such."""
MAX_LOG_DECADES = 1.0
"""Default cap, in decades, on how far a log parameter's suggested bound moves (``--refine-max-decades``)."""
EXPANSION = 0.5
"""Suggested widening: half the declared width, on the parameter's scale, beyond the bound hit."""
ORDINAL_ALPHA = 0.05
"""An ordinal parameter's zone is one whole choice (and a short integer range's one value), whose
share of the trials the sampler sets (a two-choice parameter always has one holding half the
elites): there the elites crowd it only when a one-sided Fisher test, at this level, says they sit
there more often than the other trials."""
_EPS = 1e-9


def boundary_hits(
    sample: StudySample, max_decades: float = MAX_LOG_DECADES, alpha: float = ORDINAL_ALPHA
) -> tuple[BoundaryHit, ...]:
    """``alpha``: the level an ordinal parameter's extreme choice must be enriched at (see
    ``_param_hits``)."""
    hits: list[BoundaryHit] = []
    for ps in sample.params.values():
        if ps.spec.numeric:
            hits.extend(_param_hits(ps, max_decades, alpha))
    return tuple(sorted(hits, key=lambda h: (h.param, h.side)))


def declared_bounds(spec: ParamSpec) -> tuple[float | None, float | None]:
    """The merged declared range for int/float parameters, the extreme choices for ordinal ones."""
    if spec.kind == ParamKind.ORDINAL:
        numbers = [float(c) for c in spec.choices]
        return min(numbers), max(numbers)
    return spec.low, spec.high


def declared_range(spec: ParamSpec) -> tuple[float, float] | None:
    """The declared bounds when they span a range (a zone needs a width)."""
    low, high = declared_bounds(spec)
    return (low, high) if low is not None and high is not None and high > low else None


def _scale(spec: ParamSpec, values: np.ndarray | float, low: float) -> np.ndarray:
    if spec.log and low > 0:
        return np.log10(np.asarray(values, dtype=float))
    return np.asarray(values, dtype=float)


def _unscale(spec: ParamSpec, value: float, low: float) -> float:
    return float(10**value) if spec.log and low > 0 else float(value)


def _param_hits(ps: ParamSample, max_decades: float, alpha: float = ORDINAL_ALPHA) -> list[BoundaryHit]:
    spec = ps.spec
    bounds = declared_range(spec)
    if bounds is None or ps.x is None:
        return []
    if ps.n and float(np.ptp(ps.y)) == 0.0:
        # Every trial scored the same: "elite" and "best" are tie-breaks by trial number,
        # so where they sit says nothing about the objective.
        return []
    low, high = bounds
    s_low, s_high = float(_scale(spec, low, low)), float(_scale(spec, high, low))
    position = (_scale(spec, ps.x, low) - s_low) / (s_high - s_low)
    n_elites = int(ps.elite.sum())
    best_values = ps.x[ps.best]
    hits = []
    ordinal = spec.kind == ParamKind.ORDINAL
    one_value = one_value_zone(spec.kind, low, high, spec.step or 1.0)
    for side in Side:
        if ordinal:
            # The zone of a parameter with a few numeric choices is its extreme choice: a linear
            # tenth of 10/100/1000 would hold 100 too, and call a trial at 100 "at the bound 10".
            in_zone = ps.x == (low if side == Side.LOW else high)
        else:
            in_zone = position <= ZONE + _EPS if side == Side.LOW else position >= 1 - ZONE - _EPS
        if in_zone.all():
            # Every trial sits there (one value tried, e.g. filters 32 of 32 / 64): the elites
            # and the best trial could sit nowhere else, so their place says nothing.
            continue
        n_in = int((in_zone & ps.elite).sum())
        elite_share = n_in / n_elites if n_elites else 0.0
        others_in = int((in_zone & ~ps.elite).sum())
        others = ps.n - n_elites
        _, p = stats.fisher_exact([[n_in, n_elites - n_in], [others_in, others - others_in]], alternative="greater")
        # The elites in the zone, not all elites, must be at least two: 1 of 2 is one elite alone.
        crowded = bool(
            n_in >= MIN_ELITES_TO_CROWD and elite_share >= BOUNDARY_ELITE_SHARE and (not one_value or p < alpha)
        )
        best_in_zone = bool((in_zone & ps.best).any())
        if not (crowded or best_in_zone):
            continue
        edge = s_low + ZONE * (s_high - s_low) if side == Side.LOW else s_high - ZONE * (s_high - s_low)
        if ordinal:
            edge = s_low if side == Side.LOW else s_high
        hits.append(
            BoundaryHit(
                param=spec.name,
                side=side,
                elite_share=elite_share,
                kind=spec.kind,
                log=spec.log,
                declared_low=low,
                declared_high=high,
                zone_edge=_unscale(spec, edge, low),
                n_elites=n_elites,
                n_elites_in_zone=n_in,
                share_in_zone=float(in_zone.mean()),
                best_in_zone=best_in_zone,
                best_value=float(best_values[0]) if len(best_values) else None,
                crowded=crowded,
                p_enrichment=float(p),
                suggested_bound=suggest_bound(spec, side, low, high, max_decades),
                condition=spec.condition,
            )
        )
    return hits


def one_value_zone(kind: str, low: float, high: float, step: float = 1.0) -> bool:
    """Whether a bound's zone is one whole value: an ordinal's extreme choice, or an integer range
    narrower than ten steps (0..2: the outer tenth is the value 0 or 2). Such a value's share of
    the trials is the sampler's, so half the elites there is no evidence without enrichment."""
    return kind == ParamKind.ORDINAL or (kind == ParamKind.INTEGER and ZONE * (high - low) < step)


def suggest_bound(
    spec: ParamSpec, side: Side, low: float, high: float, max_decades: float = MAX_LOG_DECADES
) -> float | None:
    """The bound to try next on ``side``; None when it cannot sensibly move.

    A log parameter moves by half its declared width in decades, but at most ``max_decades``:
    half of a 1e-6..0.1 weight-decay range would otherwise suggest 31.6.

    Bounds never cross zero: a range that starts at 0 (dropout, weight decay) is not widened
    below it, and a positive lower bound is halved instead of going to or below 0. A float
    range within [0, 1] that ends at 1 is taken for a fraction (subsample, keep probability)
    and not widened above 1.
    """
    if spec.kind == ParamKind.ORDINAL:
        return _next_choice(sorted(float(c) for c in spec.choices), side, spec)
    integer = spec.kind == ParamKind.INTEGER
    if spec.log and low > 0:
        factor = min((high / low) ** EXPANSION, 10.0**max_decades)
        value = high * factor if side == Side.HIGH else low / factor
        return float(math.ceil(value) if side == Side.HIGH else max(1, math.floor(value))) if integer else value
    if side == Side.HIGH and not integer and high == 1.0 and low >= 0:
        return None
    width = high - low
    if integer:
        step = spec.step or 1.0
        move = step * math.ceil(EXPANSION * width / step)
    else:
        move = EXPANSION * width
    if side == Side.HIGH:
        return high + move
    new_low = low - move
    if low == 0 and new_low < 0:
        return None
    if low > 0 and new_low <= 0:
        new_low = max(1.0, math.floor(low / 2)) if integer else low / 2
        return None if new_low == low else new_low
    return new_low


def _next_choice(choices: list[float], side: Side, spec: ParamSpec) -> float | None:
    """One more choice beyond the extreme: the same ratio (8/16/32/64 -> 4 or 128) when the
    choices are a geometric series of positive numbers, else the same step (or half a positive
    lowest choice when that step would reach 0).

    Choices of exactly 0 and 1 are a switch written as numbers (``[1, 0]``), with nothing beyond
    either end: both bounds are natural. Non-integer choices within [0, 1] are fractions (a
    discount factor 0.9/0.95/0.99) and, like a float range ending at 1, never move past 1.
    """
    integers = all(float(c).is_integer() for c in spec.choices if not isinstance(c, bool))
    if len(choices) < 2 or choices == [0.0, 1.0]:
        return None
    ratios = [b / a for a, b in zip(choices, choices[1:], strict=False) if a > 0]
    geometric = choices[0] > 0 and len(ratios) == len(choices) - 1 and max(ratios) - min(ratios) < 1e-9
    if geometric:
        r = ratios[0]
        value = choices[-1] * r if side == Side.HIGH else choices[0] / r
    else:
        value = (
            choices[-1] + (choices[-1] - choices[-2]) if side == Side.HIGH else choices[0] - (choices[1] - choices[0])
        )
        if choices[0] == 0 and value < 0:
            return None
        if choices[0] > 0 and value <= 0:
            # A positive lowest choice is halved, as a declared range's low bound is: 8 of
            # 8/16/128/256 can go to 4 (a step of 8 would reach 0, but 0 is not the only way down).
            value = max(1.0, math.floor(choices[0] / 2)) if integers else choices[0] / 2
            return None if value == choices[0] else value
    if integers:
        value = float(round(value))
        if value in choices or (side == Side.LOW and value <= 0 and choices[0] > 0):
            return None
    elif choices[0] >= 0 and choices[-1] <= 1 and value > 1:
        return None
    return value
