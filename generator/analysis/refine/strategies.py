"""The two next-sweep configs, composed from the rules, plus branches, knobs and the budget.

- **aggressive** exploits what the study found: it fixes a level the elites settled on (with a
  test behind it), fixes a number whose strong monotone trend runs into a bound that cannot
  move, narrows ranges and choices to where the elites are (an interior optimum: around its
  best range), widens bounds the elites crowd or a monotone trend (shape increasing or
  decreasing) runs into, drops significantly worse levels, and drops the parameters of an
  eliminated branch.
- **conservative** keeps exploring: it removes only levels that are significantly worse,
  never narrows a range, and widens every bound the elites crowd or the best trial sits at
  when the trend points beyond it (an ordinal gains the next level).

Neither fixes a parameter whose primary test is "not enough evidence" or was not run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from generator.analysis.params import ParamSpec
from generator.analysis.refine import rules
from generator.analysis.refine.entries import (
    can_take,
    condition_values,
    declared_entry,
    fixed,
    make_condition,
    parents_first,
    size,
    with_step,
)
from generator.analysis.refine.evidence import ParamEvidence
from generator.analysis.refine.numbers import plain
from generator.config import AnalysisConfig
from generator.model.next_sweep import (
    AGGRESSIVE,
    CONSERVATIVE,
    DROP,
    FIX,
    KNOB,
    SWEEP_CONFIG_ATTR,
    TUNE,
    RefinedParam,
    RefinedSpace,
    Step,
)
from generator.model.vocabulary import ParamKind, Shape, Side, Tier


def aggressive_entry(ev: ParamEvidence, config: AnalysisConfig) -> RefinedParam:
    entry = declared_entry(ev.spec)
    fix = rules.dominant_level(ev, config)
    if fix is not None:
        level = fix.values["level"]
        open_side = _open_side(ev, level, config)
        if open_side is None:
            return fixed(entry, level, fix)
        # The elites settled on the extreme level of a bound they crowd: keep it and the next one.
        entry = with_step(entry, Step("dominant_level_open", {**fix.values, "side": open_side}), choices=(level,))
        return rules.expand_bounds(entry, ev, AGGRESSIVE, config)
    entry = rules.fix_to_bound(entry, ev, config)
    entry = rules.drop_worse_levels(entry, ev, config)
    entry = rules.narrow_levels(entry, ev, config)
    if ev.test is not None and ev.test.shape == Shape.INTERIOR:
        entry = rules.narrow_to_interior(entry, ev, config)
    else:
        entry = rules.narrow_to_elites(entry, ev, config)
    return rules.expand_bounds(entry, ev, AGGRESSIVE, config)


def conservative_entry(ev: ParamEvidence, config: AnalysisConfig) -> RefinedParam:
    entry = declared_entry(ev.spec)
    entry = rules.drop_worse_levels(entry, ev, config)
    return rules.expand_bounds(entry, ev, CONSERVATIVE, config)


def _open_side(ev: ParamEvidence, level: Any, config: AnalysisConfig) -> Side | None:
    """The side of an ordinal's dominant level when it is that side's extreme choice and the
    aggressive config widens that bound (so fixing the level would stop the search there)."""
    if ev.spec.kind != ParamKind.ORDINAL:
        return None
    numbers = sorted(float(c) for c in ev.spec.choices)
    for side, extreme in ((Side.LOW, numbers[0]), (Side.HIGH, numbers[-1])):
        hit = ev.hits.get(side)
        if float(level) == extreme and hit is not None and hit.suggested_bound is not None:
            if rules.widens(hit, ev, AGGRESSIVE, config):
                return side
    return None


def refine(evidence: Mapping[str, ParamEvidence], strategy: str, config: AnalysisConfig) -> dict[str, RefinedParam]:
    """Every declared parameter's entry under ``strategy``, branches resolved, sorted by name."""
    out: dict[str, RefinedParam] = {}
    for name, ev in sorted(evidence.items()):
        guard = rules.evidence_step(ev)
        odd = [c for c in ev.spec.choices if not is_scalar(c)]
        if odd:
            # The sweep-config format (and Optuna today) takes scalar choices only.
            step = Step("not_expressible", {"examples": odd[:3], "n_choices": len(ev.spec.choices)})
            out[name] = replace(
                declared_entry(ev.spec), action=DROP, dist=None, choices=(), steps=(step,), tier=ev.tier
            )
            continue
        if ev.test is None or ev.tier == Tier.NOT_TESTED:
            entry = declared_entry(ev.spec)
        elif strategy == AGGRESSIVE:
            entry = aggressive_entry(ev, config)
        else:
            entry = conservative_entry(ev, config)
        if guard is not None:
            entry = replace(entry, steps=(guard, *entry.steps))
        elif not entry.steps:
            entry = with_step(entry, rules.kept_step(ev))
        out[name] = replace(entry, tier=ev.tier)
    return resolve_branches(out)


def is_scalar(value: Any) -> bool:
    """A value a sweep config can hold: string, int, finite float, bool or null."""
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def resolve_branches(entries: dict[str, RefinedParam]) -> dict[str, RefinedParam]:
    """Conditions after the parents changed: a child whose branch can no longer occur (its
    parent fixed to another value, dropped, or narrowed without the branch's value) is
    dropped; otherwise its condition keeps only the values its parent can still take."""
    out = dict(entries)
    for name in parents_first(entries):
        entry = out[name]
        condition = entry.condition
        if condition is None or condition.parent not in out:
            continue
        parent = out[condition.parent]
        values = condition_values(condition)
        if parent.action == DROP:
            out[name] = _dropped(entry, Step("drop_branch_parent_dropped", {"parent": condition.parent}))
            continue
        remaining = [v for v in values if can_take(parent, v)]
        if not remaining:
            rule = "drop_branch_fixed" if parent.action == FIX else "drop_branch_narrowed"
            values_step = {
                "parent": condition.parent,
                "branch": values,
                "parent_value": parent.value if parent.action == FIX else list(parent.choices),
            }
            if parent.action != FIX and not parent.choices and parent.low is not None:
                # A numeric parent narrowed to a range: its choices are empty, so say the range
                # (the reason read "the new choices of n_layers ([]) exclude that branch").
                values_step["parent_value"] = [parent.low, parent.high]
                values_step["parent_range"] = True
            out[name] = _dropped(entry, Step(rule, values_step))
        elif len(remaining) < len(values):
            out[name] = replace(entry, condition=make_condition(condition.parent, remaining))
    return out


def _dropped(entry: RefinedParam, step: Step) -> RefinedParam:
    return replace(entry, action=DROP, dist=None, low=None, high=None, step=None, choices=(), value=None, steps=(step,))


def tuned_count(entries: Mapping[str, RefinedParam]) -> int:
    """Parameters the sampler still has to choose (more than one value, not fixed or dropped)."""
    return sum(1 for e in entries.values() if e.action == TUNE and size(e) > 1)


def trial_budget(
    base: int, declared: Mapping[str, RefinedParam], refined: Mapping[str, RefinedParam], config: AnalysisConfig
) -> tuple[int, Step]:
    """n_trials in proportion to the tuned dimensions left: the old study's trials per tuned
    parameter times the new count of tuned parameters, rounded up, at least refine_min_trials.
    (Volume shrinks multiplicatively with every narrowed range, but samplers such as TPE need
    trials per dimension, not per unit of volume; the usual rule of thumb counts dimensions.)"""
    before, after = tuned_count(declared), tuned_count(refined)
    proportional = math.ceil(base * after / before) if before else base
    n = max(config.refine_min_trials, proportional)
    return n, Step(
        "n_trials",
        {
            "base": base,
            "tuned_before": before,
            "tuned_after": after,
            "minimum": config.refine_min_trials,
            "n_trials": n,
        },
    )


def carried_knobs(user_attrs: Mapping[str, Any], specs: Mapping[str, ParamSpec]) -> tuple[RefinedParam, ...]:
    """Fixed settings of the sweep config that ran the study (``train-sweep`` records it as the
    study user attribute ``sweep_config``) that are not parameters of the study: epochs, data
    size and so on, so the next sweep trains like the last one. Only unconditional scalar
    values are carried; nothing when the attribute is absent or not a mapping."""
    recorded = user_attrs.get(SWEEP_CONFIG_ATTR)
    fixed = recorded.get("fixed") if isinstance(recorded, Mapping) else None
    if not isinstance(fixed, Mapping):
        return ()
    knobs = []
    for name, raw in sorted(fixed.items(), key=lambda item: str(item[0])):
        if not isinstance(name, str) or not name or name in specs:
            continue
        if isinstance(raw, Mapping):
            if "condition" in raw and raw["condition"] is not None or "value" not in raw:
                continue
            raw = raw["value"]
        if raw is None or isinstance(raw, str | bool | int) or (isinstance(raw, float) and math.isfinite(raw)):
            knobs.append(RefinedParam(name, KNOB, FIX, None, value=plain(raw), steps=(Step("carried_knob", {}),)))
    return tuple(knobs)


def refined_space(
    strategy: str,
    study_name: str,
    direction: str,
    base_trials: int,
    evidence: Mapping[str, ParamEvidence],
    knobs: tuple[RefinedParam, ...],
    config: AnalysisConfig,
) -> RefinedSpace:
    entries = refine(evidence, strategy, config)
    declared = {name: declared_entry(ev.spec) for name, ev in evidence.items()}
    n_trials, step = trial_budget(base_trials, declared, entries, config)
    params = sorted((*entries.values(), *knobs), key=lambda p: p.name)
    return RefinedSpace(
        strategy=strategy,
        study_name=f"{study_name}_refined_{strategy}",
        direction=direction,
        n_trials=n_trials,
        n_trials_step=step,
        params=tuple(params),
    )
