"""The refinement rules: each a small function from an entry and its evidence to a new entry.

Every rule either returns the entry unchanged or returns a copy with one more
:class:`~generator.model.next_sweep.Step` naming the rule and the numbers it used (the
sentence for each rule code is in ``templates/next_sweep/_reasons.j2``). Thresholds come from
:class:`~generator.config.AnalysisConfig` (``refine_*``), never from constants here.

Policy shared by every rule: a parameter whose primary test is "not enough evidence" (or
that could not be tested) is never fixed, by either config.
"""

from __future__ import annotations

import math
from typing import Any

from generator.analysis.boundary import EXPANSION, MIN_ELITES_TO_CROWD, one_value_zone, suggest_bound
from generator.analysis.refine.entries import fixed, with_step
from generator.analysis.refine.evidence import RANGED, ParamEvidence, at_least, same_value
from generator.analysis.refine.numbers import (
    float_bound,
    integer_bound,
    integer_outward,
    off_scale,
    on_scale,
    plain,
    round_outward,
)
from generator.config import AnalysisConfig
from generator.model.findings import BoundaryHit
from generator.model.next_sweep import AGGRESSIVE, TUNE, RefinedParam, Step
from generator.model.vocabulary import ParamKind, Shape, Side, TestName, Tier

# --- evidence that applies to every decision ---------------------------------------------------


def evidence_step(ev: ParamEvidence) -> Step | None:
    """Why the parameter must not be fixed: no complete trial has it, it could not be tested,
    or its test is not enough evidence. None when its tier is strong or suggestive."""
    d = ev.test
    if d is None:
        return Step("no_complete_trials", {})
    if d.tier == Tier.NOT_TESTED:
        return Step("not_tested", {"why": d.untested_reason, "n": d.n})
    if d.tier == Tier.NOT_ENOUGH_EVIDENCE:
        return Step("not_enough_evidence", {"test": d.test, "n": d.n, "p": d.p, "q": d.q})
    return None


def kept_step(ev: ParamEvidence) -> Step:
    """The reason of an entry no rule changed, when its test found something."""
    d = ev.test
    assert d is not None
    return Step("kept", {"test": d.test, "n": d.n, "p": d.p, "q": d.q, "tier": d.tier})


# --- fixing ---------------------------------------------------------------------------------------


def best_level(ev: ParamEvidence) -> Any:
    """The level the primary test says is best, or None when it says nothing about levels."""
    d = ev.test
    if d is None or not d.effect:
        return None
    if d.test == TestName.MANN_WHITNEY_U:
        return d.level_a if d.effect > 0 else d.level_b
    # ordinal: the extreme the trend points to
    if d.test == TestName.SPEARMAN and d.levels and d.shape != Shape.INTERIOR:
        numbers = [level.level for level in d.levels]
        return max(numbers, key=float) if d.effect > 0 else min(numbers, key=float)
    if d.test == TestName.KRUSKAL_WALLIS and d.levels:
        return max(d.levels, key=lambda level: ev.sign * level.mean).level
    return None


def dominant_level(ev: ParamEvidence, config: AnalysisConfig) -> Step | None:
    """A level the elites settled on: at least ``refine_fix_share`` of the branch's elites use
    it, and the level's enrichment test, or the primary test naming it the best level,
    reaches ``refine_fix_tier``. None when either is missing, or the primary test is not
    enough evidence (never fixed)."""
    d = ev.test
    if d is None or not ev.levels or not ev.testable:
        return None
    top = max(ev.levels, key=lambda level: level.elite_share)  # first of equals, in level order
    if top.elite_share < config.refine_fix_share:
        return None
    values = {
        "level": plain(top.level),
        "n_elite": top.n_elite,
        "n_elites": top.n_branch_elites,
        "elite_share": top.elite_share,
    }
    if at_least(top.tier, config.refine_fix_tier):
        return Step(
            "fix_level", {**values, "test": "fisher_exact", "n": top.n_branch, "p": top.p, "q": top.q, "tier": top.tier}
        )
    if at_least(d.tier, config.refine_fix_tier) and same_value(best_level(ev), top.level):
        return Step("fix_level", {**values, "test": d.test, "n": d.n, "p": d.p, "q": d.q, "tier": d.tier})
    return None


def fix_to_bound(entry: RefinedParam, ev: ParamEvidence, config: AnalysisConfig) -> RefinedParam:
    """Aggressive: fix a number to the bound its strong monotone trend points at, when that
    bound cannot move (a floor of 0, a fraction's ceiling of 1): label_smoothing -> 0.0.

    "Monotone" is what a Spearman test measures; a bound that can move is widened instead
    (:func:`expand_bounds`)."""
    d = ev.test
    spec = ev.spec
    if entry.action != TUNE or spec.kind not in RANGED or d is None or d.test != TestName.SPEARMAN or not d.effect:
        return entry
    if not ev.testable or not at_least(d.tier, config.refine_fix_tier) or d.shape == Shape.INTERIOR:
        return entry
    side = Side.HIGH if d.effect > 0 else Side.LOW
    assert spec.low is not None and spec.high is not None
    if suggest_bound(spec, side, spec.low, spec.high) is not None:
        return entry
    bound = spec.high if side == Side.HIGH else spec.low
    value = int(bound) if spec.kind == ParamKind.INTEGER else float(bound)
    t = d.shape_test
    rho_side = None if t is None else (t.rho_above if side == Side.HIGH else t.rho_below)
    if (
        t is not None
        and t.q is not None
        and t.q < config.alpha
        and t.peak is not None
        and rho_side is not None
        and (rho_side < 0 if side == Side.HIGH else rho_side > 0)
    ):
        # The rank-quadratic fit turns inside the range and the trend beyond its peak points
        # back (crypto_xgb subsample: peak 0.916, rho -0.18 above it, 19 of 46 elites below 0.9):
        # the bound is not shown best, so a value no trial may have tried is not fixed.
        return with_step(
            entry,
            Step(
                "bound_not_fixed_turns",
                {
                    "side": side,
                    "bound": value,
                    "effect": d.effect,
                    "tier": d.tier,
                    "peak": t.peak,
                    "curvature_q": t.q,
                    "rho_side": rho_side,
                    "n_side": t.n_above if side == Side.HIGH else t.n_below,
                    "p_side": t.p_above if side == Side.HIGH else t.p_below,
                },
            ),
        )
    return fixed(
        entry,
        value,
        Step(
            "fix_to_bound",
            {
                "side": side,
                "bound": value,
                "test": d.test,
                "n": d.n,
                "effect": d.effect,
                "p": d.p,
                "q": d.q,
                "tier": d.tier,
            },
        ),
    )


# --- levels -----------------------------------------------------------------------------------------


def drop_worse_levels(entry: RefinedParam, ev: ParamEvidence, config: AnalysisConfig) -> RefinedParam:
    """Both configs: remove a level of a boolean or categorical that is significantly worse
    than the best one (primary test strong, i.e. q < alpha; with three or more levels also its
    Holm-corrected post-hoc test against the best level). One level left: fixed to it."""
    d = ev.test
    if (
        entry.action != TUNE
        or ev.spec.kind not in (ParamKind.BOOLEAN, ParamKind.CATEGORICAL)
        or d is None
        or d.tier != Tier.STRONG
    ):
        return entry
    drops: list[Step] = []
    if d.test == TestName.MANN_WHITNEY_U and d.effect:
        worse, better = (d.level_b, d.level_a) if d.effect > 0 else (d.level_a, d.level_b)
        drops.append(
            Step(
                "drop_worse_level",
                {"level": worse, "better": better, "test": d.test, "n": d.n, "p": d.p, "q": d.q, "effect": d.effect},
            )
        )
    elif d.test == TestName.KRUSKAL_WALLIS:
        best = best_level(ev)
        for pair in d.posthoc:
            if pair.q >= config.alpha or not pair.effect:
                continue
            if same_value(pair.level_a, best) and pair.effect > 0:
                worse = pair.level_b
            elif same_value(pair.level_b, best) and pair.effect < 0:
                worse = pair.level_a
            else:
                continue
            drops.append(
                Step(
                    "drop_worse_level",
                    {
                        "level": worse,
                        "better": best,
                        "test": "mann-whitney-u post hoc",
                        "n": pair.n_a + pair.n_b,
                        "p": pair.p,
                        "q": pair.q,
                        "effect": pair.effect if same_value(pair.level_a, best) else -pair.effect,
                        "omnibus_q": d.q,
                    },
                )
            )
    if not drops:
        return entry
    removed = [s.values["level"] for s in drops]
    kept = tuple(c for c in entry.choices if not any(same_value(c, r) for r in removed))
    for step in drops:
        entry = with_step(entry, step)
    if len(kept) == 1:
        return fixed(entry, kept[0], Step("only_level_left", {"level": kept[0]}))
    return with_step(entry, Step("levels_kept", {"levels": list(kept)}), choices=kept) if kept else entry


def narrow_levels(entry: RefinedParam, ev: ParamEvidence, config: AnalysisConfig) -> RefinedParam:
    """Aggressive: keep the levels the elites use (an ordinal: every level between the lowest
    and highest elite level). Needs ``refine_min_elites`` elites in the branch. At least two
    levels stay, since one would fix the parameter without a test to back it: a categorical
    keeps its best other level (by mean), an ordinal its neighbours."""
    if entry.action != TUNE or entry.dist != "categorical" or ev.sample is None or ev.test is None:
        return entry
    n_elites = ev.n_branch_elites
    if n_elites < config.refine_min_elites:
        return with_step(entry, Step("too_few_elites", {"n_elites": n_elites, "minimum": config.refine_min_elites}))
    counts = {(type(c), c): 0 for c in entry.choices}
    for level in ev.levels:
        for c in entry.choices:
            if same_value(c, level.level):
                counts[(type(c), c)] = level.n_elite
    elite_levels = [c for c in entry.choices if counts[(type(c), c)] > 0]
    if not elite_levels:
        return entry
    values: dict[str, Any] = {"n_elites": n_elites, "n": ev.test.n}
    if ev.spec.kind == ParamKind.ORDINAL:
        low, high = min(elite_levels, key=float), max(elite_levels, key=float)
        t = ev.test.shape_test
        if ev.test.shape == Shape.INTERIOR and t is not None and t.best_low is not None and t.best_high is not None:
            # An interior optimum: the levels of its best range (a tenth of the elites trimmed at
            # each end), so one stray elite at an extreme does not keep that extreme.
            low, high = t.best_low, t.best_high
            values.update(interior=True, best_low=t.best_low, best_high=t.best_high, peak=t.peak, curvature_q=t.q)
        kept = [c for c in entry.choices if float(low) <= float(c) <= float(high)]
        if len(kept) == 1:
            i = list(entry.choices).index(kept[0])
            kept = list(entry.choices[max(0, i - 1) : i + 2])
            values["neighbours"] = True
    else:
        kept = list(elite_levels)
        if len(kept) == 1:
            others = [
                level
                for level in (ev.test.levels or ())
                if not same_value(level.level, kept[0]) and any(same_value(level.level, c) for c in entry.choices)
            ]
            if others:
                runner_up = max(others, key=lambda level: ev.sign * level.mean).level
                kept = [c for c in entry.choices if same_value(c, kept[0]) or same_value(c, runner_up)]
                values["runner_up"] = runner_up
    if len(kept) == len(entry.choices):
        return entry
    if "neighbours" in values or "runner_up" in values:
        # The one level the elites share may be backed by its enrichment test although the
        # primary test is not: the reason names both, never "no test backs it" beside a strong q.
        (only,) = elite_levels
        only_level = next((lv for lv in ev.levels if same_value(lv.level, only)), None)
        if only_level is not None and only_level.q is not None:
            values.update(
                elite_q=only_level.q, elite_tier=only_level.tier, primary_tier=ev.test.tier, primary_test=ev.test.test
            )
    removed = [c for c in entry.choices if not any(same_value(c, k) for k in kept)]
    tried = [level.level for level in ev.levels if level.n_branch > 0]
    untried = [c for c in removed if not any(same_value(c, t) for t in tried)]
    if untried:
        # No complete trial used them: they go for want of elites, not on evidence against them.
        values["untried"] = untried
    return with_step(
        entry, Step("keep_elite_levels", {**values, "kept": kept, "removed": removed}), choices=tuple(kept)
    )


# --- numeric ranges ---------------------------------------------------------------------------------


def narrow_to_elites(entry: RefinedParam, ev: ParamEvidence, config: AnalysisConfig) -> RefinedParam:
    """Aggressive: narrow a continuous or integer range to the elites' range, padded on each side
    by ``refine_padding`` of the declared width on the parameter's own scale (log10 for log
    parameters), never beyond the declared bounds (widening is :func:`expand_bounds`' job).
    Needs ``refine_min_elites`` elites in the branch."""
    spec, er = ev.spec, ev.elite_range
    if entry.action != TUNE or spec.kind not in RANGED or er is None:
        return entry
    if er.n_elite < config.refine_min_elites or er.elite_min is None or er.elite_max is None:
        return with_step(entry, Step("too_few_elites", {"n_elites": er.n_elite, "minimum": config.refine_min_elites}))
    new_low, new_high = padded_range(entry, ev, er.elite_min, er.elite_max, config)
    if (new_low, new_high) == (entry.low, entry.high):
        return with_step(
            entry,
            Step(
                "elites_span_range",
                {
                    "elite_min": er.elite_min,
                    "elite_max": er.elite_max,
                    "n_elites": er.n_elite,
                    # The padded elite range can reach both bounds without the elites spanning
                    # them (n_layers elites all at 2 of [1, 3], padded and rounded out to [1, 3]).
                    "low": entry.low,
                    "high": entry.high,
                    "padding": config.refine_padding,
                },
            ),
        )
    reason = Step(
        "narrow_to_elites",
        {
            "elite_min": er.elite_min,
            "elite_max": er.elite_max,
            "n_elites": er.n_elite,
            "n": er.n,
            "padding": config.refine_padding,
            "low": new_low,
            "high": new_high,
            "log": spec.log,
        },
    )
    return with_step(entry, reason, low=new_low, high=new_high)


def padded_range(
    entry: RefinedParam, ev: ParamEvidence, low_value: float, high_value: float, config: AnalysisConfig
) -> tuple[float | int, float | int]:
    """[low_value, high_value] padded by ``refine_padding`` of the declared width on the
    parameter's own scale, within the entry's bounds, on its grid (an integer range keeps at
    least two values: one would fix the parameter untested)."""
    spec = ev.spec
    assert entry.low is not None and entry.high is not None
    s_low, s_high = on_scale(spec, entry.low), on_scale(spec, entry.high)
    pad = config.refine_padding * (s_high - s_low)
    low = off_scale(spec, max(s_low, on_scale(spec, low_value) - pad))
    high = off_scale(spec, min(s_high, on_scale(spec, high_value) + pad))
    new_low: float | int
    new_high: float | int
    if spec.kind == ParamKind.INTEGER:
        grid = int(entry.step or 1)
        new_low = integer_bound(low, Side.LOW, int(entry.low), grid)
        new_high = integer_bound(high, Side.HIGH, int(entry.low), grid)
        if new_low >= new_high:  # one value would fix it untested: keep a neighbour each side
            new_low, new_high = max(int(entry.low), new_low - grid), min(int(entry.high), new_high + grid)
    else:
        new_low = max(float(entry.low), float_bound(spec, low, Side.LOW))
        new_high = min(float(entry.high), float_bound(spec, high, Side.HIGH))
    return new_low, new_high


def narrow_to_interior(entry: RefinedParam, ev: ParamEvidence, config: AnalysisConfig) -> RefinedParam:
    """Aggressive: narrow a continuous or integer parameter whose shape is ``interior`` (best
    values inside the range, both ends worse) around its best range, padded like
    :func:`narrow_to_elites`. Unchanged for any other shape."""
    d, spec = ev.test, ev.spec
    if entry.action != TUNE or spec.kind not in RANGED or d is None or d.shape != Shape.INTERIOR:
        return entry
    t = d.shape_test
    assert t is not None and t.best_low is not None and t.best_high is not None
    new_low, new_high = padded_range(entry, ev, t.best_low, t.best_high, config)
    if (new_low, new_high) == (entry.low, entry.high):
        return entry
    reason = Step(
        "narrow_to_interior",
        {
            "best_low": t.best_low,
            "best_high": t.best_high,
            "n_best": t.n_best,
            "n_in_best": t.n_in_best,
            "n_elites": t.n_elites,
            "peak": t.peak,
            "n": t.n,
            "curvature_p": t.p,
            "curvature_q": t.q,
            "rho_below": t.rho_below,
            "p_below": t.p_below,
            "n_below": t.n_below,
            "rho_above": t.rho_above,
            "p_above": t.p_above,
            "n_above": t.n_above,
            "padding": config.refine_padding,
            "low": new_low,
            "high": new_high,
            "log": spec.log,
        },
    )
    return with_step(entry, reason, low=new_low, high=new_high)


def trend_side(ev: ParamEvidence) -> Side | None:
    """The bound a monotone shape points beyond: ``high`` for increasing, ``low`` for decreasing."""
    d = ev.test
    shape = d.shape if d is not None else None
    return Side.HIGH if shape == Shape.INCREASING else Side.LOW if shape == Shape.DECREASING else None


def widens(hit: BoundaryHit, ev: ParamEvidence, strategy: str, config: AnalysisConfig) -> str | None:
    """Why a config widens the bound of ``hit``, or None: ``crowded`` (both configs) when at
    least ``refine_expand_share`` of the elites, two or more, sit at it; ``trend`` (both
    configs) when the parameter's shape is increasing or decreasing (its primary test strong or
    suggestive) towards this bound and the best trial or elites sit at it (a hit exists only
    then), so narrowing to [low, bound] would stop the search where the trend says to go on;
    ``best_trial`` (conservative only) when the best trial sits there and the sign of rho
    points that way, whatever its evidence (an interior shape never counts as a trend)."""
    # An ordinal's zone is one whole choice, which can hold most trials by sampling alone: its
    # elites crowd it only when they are enriched there (see boundary.ORDINAL_ALPHA).
    one_value = one_value_zone(hit.kind, hit.declared_low, hit.declared_high)
    # hit.crowded there already demands the enrichment (and, for an ordinal, the elite table's q).
    enriched = not one_value or (hit.crowded and hit.p_enrichment is not None and hit.p_enrichment < config.alpha)
    if hit.elite_share >= config.refine_expand_share and hit.n_elites_in_zone >= MIN_ELITES_TO_CROWD and enriched:
        return "crowded"
    if trend_side(ev) == hit.side:
        return "trend"
    if strategy == AGGRESSIVE:
        return None
    d = ev.test
    trend = (
        d is not None
        and d.effect_measure == "rho"
        and d.effect is not None
        and d.effect != 0
        and d.shape != Shape.INTERIOR
        and ((d.effect > 0) == (hit.side == Side.HIGH))
    )
    return "best_trial" if hit.best_in_zone and trend else None


def expand_bounds(entry: RefinedParam, ev: ParamEvidence, strategy: str, config: AnalysisConfig) -> RefinedParam:
    """Both configs: move a bound the elites hit (see :func:`widens`) to the boundary analysis'
    suggested bound: half the declared width beyond it on the parameter's scale, at most
    ``refine_max_decades`` decades for a log parameter, integers staying integers, never below 0
    for a range that starts at 0, and an ordinal gains the next level (8/16/32 -> 4). A bound
    the analysis will not move (a floor of 0, a fraction's 1) is kept, and the reason says so.

    A parameter whose shape is ``interior`` keeps both bounds: its interior test shows both ends
    worse, which outweighs elites near a bound (an ordinal's outer tenth of 8..256 holds 32)."""
    spec = ev.spec
    for side in Side:
        hit = ev.hits.get(side)
        why = widens(hit, ev, strategy, config) if hit is not None and entry.action == TUNE else None
        if hit is None or why is None:
            continue
        t = ev.test.shape_test if ev.test is not None else None
        if ev.test is not None and ev.test.shape == Shape.INTERIOR and t is not None:
            interior_values = {
                "side": side,
                "bound": hit.declared_low if side == Side.LOW else hit.declared_high,
                "n_elites_in_zone": hit.n_elites_in_zone,
                "n_elites": hit.n_elites,
                "best_low": t.best_low,
                "best_high": t.best_high,
                "curvature_q": t.q,
                "rho_side": t.rho_below if side == Side.LOW else t.rho_above,
                "p_side": t.p_below if side == Side.LOW else t.p_above,
                "n_side": t.n_below if side == Side.LOW else t.n_above,
            }
            entry = with_step(entry, Step("interior_not_widened", interior_values))
            continue
        values = {
            "side": side,
            "why": why,
            "n_elites_in_zone": hit.n_elites_in_zone,
            "n_elites": hit.n_elites,
            "elite_share": hit.elite_share,
            "best_in_zone": hit.best_in_zone,
            "p": hit.p_enrichment,
            "bound": hit.declared_low if side == Side.LOW else hit.declared_high,
        }
        if why in ("trend", "best_trial") and ev.test is not None:
            # best_trial: the reason quotes rho and its tier, so a sign without evidence is not
            # mistaken for a trend the effects table calls "not enough evidence".
            d = ev.test
            values.update(shape=d.shape, test=d.test, n=d.n, effect=d.effect, q=d.q, tier=d.tier, p_test=d.p)
        target = hit.suggested_bound
        if target is None:
            entry = with_step(entry, Step("bound_kept", values))
            continue
        # The boundary analysis already caps a log bound's move at refine_max_decades; say so
        # in the reason when the cap, not half the declared width, decided the new bound.
        capped = bool(
            spec.log
            and spec.kind != ParamKind.ORDINAL
            and hit.declared_low > 0
            and EXPANSION * math.log10(hit.declared_high / hit.declared_low) > config.refine_max_decades
        )
        if spec.kind == ParamKind.ORDINAL:
            integers = all(isinstance(c, int) and not isinstance(c, bool) for c in entry.choices)
            level = int(round(target)) if integers else float(target)
            if any(same_value(level, c) for c in entry.choices):
                continue
            choices = tuple(sorted((*entry.choices, level), key=float))
            entry = with_step(entry, Step("add_level", {**values, "level": level}), choices=choices)
            continue
        if spec.kind == ParamKind.INTEGER:
            step = int(entry.step or 1)
            origin = int(entry.low if entry.low is not None else 0)
            new: float | int = (
                integer_outward(target, side, origin, step) if not capped else integer_bound(target, side, origin, step)
            )
            if spec.log:
                new = max(1, int(new))
        else:
            new = (
                float_bound(spec, round_outward(target, side), side)
                if not spec.step
                else float_bound(spec, target, side)
            )
        old = entry.low if side == Side.LOW else entry.high
        if (
            old is None
            or (side == Side.LOW and new >= old)
            or (side == Side.HIGH and new <= old)
            or not math.isfinite(new)
        ):
            continue
        step_values = {**values, "new": new, "capped": capped, "max_decades": config.refine_max_decades}
        entry = with_step(
            entry, Step("expand_bound", step_values), **({"low": new} if side == Side.LOW else {"high": new})
        )
    return entry
