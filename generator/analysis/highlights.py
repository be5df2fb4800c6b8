"""The executive summary: the few findings that matter most, in order of evidence.

Priority: strong effects (by q, then p, then larger n: never by |effect| across different n;
an interior optimum, decided at the strong level by its own test, counts as one),
then elite levels whose enrichment is strong, then boundaries the elites crowd (and are
enriched at, Fisher p < alpha), then a low absolute performance, then suggestive effects.
When nothing is strong, saying so comes first; when fewer than three items remain, what the
study cannot detect, then the next effects by evidence, each with its tier.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.analysis import power as pw
from generator.analysis.baseline import Performance
from generator.analysis.directionality import evidence_key
from generator.model.effects import EliteAnalysis, EliteLevel, Highlight, Significance
from generator.model.findings import BoundaryHit, Directionality
from generator.model.vocabulary import ParamKind, Shape, Side, Tier

MAX_HIGHLIGHTS = 5
MIN_HIGHLIGHTS = 3
"""Below this, the summary is filled with what the study could not detect (power), then the
next effects by evidence, each marked with its tier."""
MAX_BOUNDARY_FIRST = 1
MAX_STRONG_FIRST = 3
"""Strong effects listed before the other kinds, so a boundary hit or a low absolute
performance is not crowded out by a sixth strong effect."""


def executive_summary(
    effects: Sequence[Directionality],
    elites: EliteAnalysis | None,
    hits: Sequence[BoundaryHit],
    perf: Performance | None,
    significance: Significance | None,
    sign: float,
) -> tuple[Highlight, ...]:
    """``sign``: +1 when larger objective values are better, -1 otherwise."""
    # A confounded group is one finding: only its member with the strongest evidence is
    # credited; the others' effects, elite levels and boundary hits are the same evidence.
    hidden = _not_credited(effects)
    effects = [d for d in effects if d.param not in hidden]
    hits = [h for h in hits if h.param not in hidden]
    ranked = sorted((d for d in effects if d.p is not None), key=evidence_key)
    # Only boundaries where the elites are over-represented beyond what sampling put there
    # (TPE often samples near a bound, so the elites sit there too without any evidence).
    alpha = significance.alpha if significance is not None else 0.05
    # An ordinal's zone is one choice, and its Fisher test is that level's enrichment test in the
    # elite table, corrected there: a summary item must not stand on a p whose q says "not enough".
    level_q = {(lv.param, _number(lv.level)): lv.q for lv in elites.levels} if elites is not None else {}
    crowded = sorted(
        (
            h
            for h in hits
            if h.crowded
            and h.p_enrichment is not None
            and h.p_enrichment < alpha
            and (h.kind != ParamKind.ORDINAL or level_q.get((h.param, _bound(h)), 0.0) < alpha)
        ),
        key=lambda h: (h.p_enrichment, -h.elite_share, h.param),
    )
    edge = {h.param: h for h in reversed(crowded)}  # the best-supported hit of each param
    # A standalone summary item tells the reader to act on a bound; one that cannot move (a floor
    # of 0, an index, the 1 of a fraction) has no "beyond" and stays in the boundary table only.
    movable = [h for h in crowded if h.suggested_bound is not None]
    # An interior optimum is decided at the strong level (its curvature q < alpha), whatever the
    # monotone test says: it is listed with the strong effects, by the stronger of its two q.
    strong_effects = sorted(
        (d for d in ranked if d.tier == Tier.STRONG or d.shape == Shape.INTERIOR), key=_shape_evidence_key
    )
    # An interior optimum's ends are worse: a crowded bound of it is no call to widen.
    strong = [
        _effect(d, sign, None if d.shape == Shape.INTERIOR else edge.get(d.param), _trend_hit(d, hits))
        for d in strong_effects
    ]
    suggestive = [
        _effect(d, sign, edge.get(d.param), _trend_hit(d, hits))
        for d in ranked
        if d.tier == Tier.SUGGESTIVE and d.shape != Shape.INTERIOR
    ]
    items: list[Highlight] = []
    if significance is not None and significance.m and not significance.n_strong:
        n_interior = sum(1 for d in effects if d.shape == Shape.INTERIOR)
        n_levels = sum(1 for lv in elites.levels if lv.tier == Tier.STRONG and lv.param not in hidden) if elites else 0
        items.append(_no_strong(significance, n_interior, n_levels))
    items += strong[:MAX_STRONG_FIRST]
    covered = {p for h in items for p in h.params}
    if elites is not None:
        enriched = sorted((lv for lv in elites.levels if lv.tier == Tier.STRONG), key=lambda lv: (lv.q, lv.p, lv.param))
        items += [_elite(lv) for lv in enriched if lv.param not in covered | hidden][:1]
    # A boundary hit of a parameter already listed (or listed below as a suggestive effect)
    # travels with its effect (see _effect).
    covered = {p for h in items for p in h.params} | {p for h in suggestive for p in h.params}
    items += [_boundary(h) for h in movable if h.param not in covered][:MAX_BOUNDARY_FIRST]
    if perf is not None and perf.low:
        items.append(_performance(perf))
    items += suggestive + strong[MAX_STRONG_FIRST:]
    covered = {p for h in items for p in h.params}
    items += [_boundary(h) for h in movable if h.param not in covered]
    if len(items) < MIN_HIGHLIGHTS and significance is not None and significance.n_not_enough and strong:
        items.append(_undetected(significance))
    weak = [
        _effect(d, sign, edge.get(d.param))
        for d in ranked
        if d.tier not in (Tier.STRONG, Tier.SUGGESTIVE) and d.shape != Shape.INTERIOR
    ]
    items += weak[: max(0, MIN_HIGHLIGHTS - len(items))]
    return tuple(items[:MAX_HIGHLIGHTS])


def _number(level: object) -> float | None:
    try:
        return float(level)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _bound(h: BoundaryHit) -> float:
    return float(h.declared_high if h.side == Side.HIGH else h.declared_low)


def _shape_evidence_key(d: Directionality) -> tuple[float, float, int, str]:
    """evidence_key, with an interior parameter's curvature q and p when they are smaller."""
    q, p, n, name = evidence_key(d)
    t = d.shape_test
    if d.shape == Shape.INTERIOR and t is not None and t.q is not None:
        return (min(q, t.q), min(p, t.p), n, name)
    return (q, p, n, name)


def _trend_hit(d: Directionality, hits: Sequence[BoundaryHit]) -> BoundaryHit | None:
    """The boundary hit on the side an increasing or decreasing shape points to, if any."""
    side = Side.HIGH if d.shape == Shape.INCREASING else Side.LOW if d.shape == Shape.DECREASING else None
    return next((h for h in hits if h.param == d.param and h.side == side), None)


def _effect(d: Directionality, sign: float, hit: BoundaryHit | None, trend_hit: BoundaryHit | None = None) -> Highlight:
    # The level with the best mean objective (what a Kruskal-Wallis result points to).
    best_level = max(d.levels, key=lambda lv: sign * lv.mean).level if d.levels else None
    return Highlight(
        kind="effect",
        params=(d.param,),
        values={
            "param": d.param,
            "kind": d.kind,
            "test": d.test,
            "effect_measure": d.effect_measure,
            "effect": d.effect,
            "ci_low": d.ci_low,
            "ci_high": d.ci_high,
            "p": d.p,
            "q": d.q,
            "tier": d.tier,
            "q_tier": d.q_tier,
            "interval_disagrees": d.interval_disagrees,
            "n": d.n,
            "n_study": d.n_study,
            "condition": d.condition,
            "small_n": d.small_n,
            "level_a": d.level_a,
            "level_b": d.level_b,
            "best_level": best_level,
            "boundary": None if hit is None else _boundary(hit).values,
            "confounded_with": d.confounded_with,
            "shape": d.shape,
            "shape_test": d.shape_test,
            # The bound the trend runs into (elites or the best trial there), crowded or not.
            "trend_boundary": None if trend_hit is None else _boundary(trend_hit).values,
        },
    )


def _not_credited(effects: Sequence[Directionality]) -> frozenset[str]:
    """Members of confounded groups other than the one credited: the tested member with the
    strongest evidence (see evidence_key), else the first by name."""
    order = {d.param: evidence_key(d) for d in effects}
    hidden: set[str] = set()
    for d in effects:
        group = [d.param, *d.confounded_with]
        lead = min(group, key=lambda p: (p not in order or order[p][0] > 1.0, order.get(p, ()), p))
        if lead != d.param:
            hidden.add(d.param)
    return frozenset(hidden)


def _elite(lv: EliteLevel) -> Highlight:
    return Highlight(
        kind="elite_level",
        params=(lv.param,),
        values={
            "param": lv.param,
            "level": lv.level,
            "n_elite": lv.n_elite,
            "n_branch_elites": lv.n_branch_elites,
            "elite_share": lv.elite_share,
            "share": lv.share,
            "p": lv.p,
            "q": lv.q,
            "converged": lv.converged,
        },
    )


def _boundary(h: BoundaryHit) -> Highlight:
    bound = h.declared_high if h.side == Side.HIGH else h.declared_low
    return Highlight(
        kind="boundary_hit",
        params=(h.param,),
        values={
            "param": h.param,
            "side": h.side,
            "bound": bound,
            "elite_share": h.elite_share,
            "n_elites_in_zone": h.n_elites_in_zone,
            "n_elites": h.n_elites,
            "share_in_zone": h.share_in_zone,
            "p_enrichment": h.p_enrichment,
            "suggested_bound": h.suggested_bound,
            "best_in_zone": h.best_in_zone,
        },
    )


def _performance(perf: Performance) -> Highlight:
    return Highlight(
        kind="low_performance",
        params=(),
        values={
            "best": perf.best,
            "baseline": perf.baseline.value,
            "source": perf.baseline.source,
            "ratio": perf.ratio,
            "headroom_used": perf.headroom_used,
        },
    )


def _no_strong(s: Significance, n_interior: int, n_elite_levels: int) -> Highlight:
    """No primary test is strong; ``n_interior`` interior optima and ``n_elite_levels`` strong
    elite levels are the structure other tests found all the same (listed after it)."""
    return Highlight(
        kind="no_strong_effect",
        params=(),
        values={
            "n_interior": n_interior,
            "n_elite_levels": n_elite_levels,
            "m": s.m,
            "correction": s.correction,
            "alpha": s.alpha,
            "n_suggestive": s.n_suggestive,
            "n_interval_disagrees": s.n_interval_disagrees,
            "n_study": s.n_study,
            "min_rho": s.min_rho_full_n,
            "alpha_per_test": s.alpha_per_test,
        },
    )


def _undetected(s: Significance) -> Highlight:
    return Highlight(
        kind="undetected",
        params=(),
        values={
            "n_not_enough": s.n_not_enough,
            "m": s.m,
            "n_study": s.n_study,
            "min_rho": s.min_rho_full_n,
            "alpha_per_test": s.alpha_per_test,
        },
    )


def significance_summary(
    effects: Sequence[Directionality], correction: str, alpha: float, suggestive_alpha: float, n_study: int
) -> Significance:
    tested = [d for d in effects if d.p is not None]
    m = len(tested)
    alpha_test = pw.per_test_alpha(alpha, correction, m) if m else None
    return Significance(
        correction=correction,
        alpha=alpha,
        suggestive_alpha=suggestive_alpha,
        m=m,
        alpha_per_test=alpha_test,
        n_strong=sum(d.tier == Tier.STRONG for d in tested),
        n_suggestive=sum(d.tier == Tier.SUGGESTIVE for d in tested),
        n_not_enough=sum(d.tier not in (Tier.STRONG, Tier.SUGGESTIVE) for d in tested),
        n_untested=len(effects) - m,
        n_study=n_study,
        min_rho_full_n=pw.min_rho(n_study, alpha_test) if alpha_test is not None else None,
        n_interval_disagrees=sum(d.interval_disagrees for d in tested),
    )
