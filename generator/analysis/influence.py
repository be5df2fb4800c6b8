"""Findings a few trials drive: does removing at most 1% of the trials change them?

A variance-based importance is driven by the trials far from the rest: three diverging runs
with the largest ``min_child_weight`` can make it carry 93% of the variance, while without
them it ranks fifth of six. A report that states such a finding must say so. For each
parameter this checks whether removing ``k = max(MIN_REMOVED, floor(MAX_REMOVED_SHARE * n))``
of the n analysed trials changes what the report credits it with.

Candidate trials (the most influential ones, not every subset, which would be unaffordable):

- ``worst`` / ``best``: the k trials with the most extreme objective values at either end
  (an objective outlier carries the most weight in any variance and in the surrogate's fit);
- ``largest`` / ``smallest`` of each of the ``TOP_PARAMS`` most important numeric
  parameters: its k most extreme values (the highest leverage on its fitted main effect).

Each candidate set is removed and the analyses re-run cheaply: the fANOVA main effects
(``RESAMPLES`` bootstrap replicates, no pairs) and the primary tests without bootstrap
intervals (p, q and tier need none), corrected as one family as in the report. A parameter's
finding is driven by the removed trials when

- it is one of the ``TOP_PARAMS`` most important parameters (the ranks the report leads
  with), and its importance without them falls below the lower end of its 95% interval AND
  its rank falls (a share growing when others' outliers go is not flagged: that finding was
  masked, not driven), or
- its effect was strong and is "not enough evidence" without them (q from below alpha to at
  least the suggestive level: the finding disappears. Strong becoming suggestive, or
  suggestive becoming not enough, is not flagged: a q near a threshold moves that far when one
  trial goes, and a suggestive finding is already stated as uncertain), or
- its strong or suggestive effect is strong or suggestive in the opposite direction without them.

The set is then shrunk to its shortest prefix (most extreme first) that still changes the
finding and makes most (``SHRINK_SHARE``) of the importance drop of the whole set (binary
search), so the warning names the few trials that matter. Studies with fewer
than ``MIN_TRIALS`` trials are not checked: there, three trials are over a tenth of the data
and the low-sample-size warning already says every finding is fragile.

Cost: one evaluation is a fANOVA fit (0.05 s at 20,000 trials) and one pass of the primary
tests (0.3 s); at most 2 + 2 * TOP_PARAMS sets plus a binary search per flagged set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from generator.analysis.directionality import directionality
from generator.analysis.frames import direction_sign
from generator.analysis.importance import FanovaEvaluator, ImportanceInput, ParamData, fit_main_effects_on
from generator.analysis.sample import AnalysedSample, StudySample
from generator.config import AnalysisConfig
from generator.model.effects import Highlight
from generator.model.findings import Directionality, Finding, Importance, Influence
from generator.model.vocabulary import Severity, Tier, WarningCode

MAX_REMOVED_SHARE = 0.01
"""A finding that 1% of the trials can overturn is not a property of the search space."""
MIN_REMOVED = 3
"""At least this many trials are removed: one or two diverged runs are common in any sweep."""
MIN_TRIALS = 30
"""Smaller studies are not checked (MIN_REMOVED would be over a tenth of them)."""
TOP_PARAMS = 3
"""Importance ranks are checked for this many of the most important parameters, and
extreme-value candidate sets are drawn for this many of the most important numeric ones."""
RESAMPLES = 100
"""Bootstrap replicates behind the re-run importances (for the bias correction the report's
point estimate has; the rank check needs no interval)."""
SHRINK_SHARE = 0.9
"""The named trials are the shortest prefix of the candidate set (most extreme first) whose
removal still changes the finding and makes at least this share of the importance drop that
removing the whole set makes: the few trials that matter, not the first that tip the rank."""
GLOBAL_METHOD = "fanova"
SIGNED = ("rho", "rank_biserial")


@dataclass(frozen=True)
class _Estimate:
    importance: dict[str, float]
    rank: dict[str, int]
    effects: dict[str, Directionality]


@dataclass(frozen=True)
class _Candidate:
    removal: str
    param: str | None
    numbers: tuple[int, ...]
    """Most extreme first."""


def removal_count(n: int) -> int:
    """How many trials are removed from a study of ``n``: 1% of them, at least MIN_REMOVED."""
    return max(MIN_REMOVED, math.floor(MAX_REMOVED_SHARE * n))


def influence(
    analysed: AnalysedSample,
    config: AnalysisConfig,
    effects: Sequence[Directionality],
    importance: Sequence[Importance],
) -> tuple[Influence, ...]:
    """Per parameter, the smallest candidate set of at most 1% of the trials that changes its
    importance rank or its effect's tier (see the module docstring); sorted by parameter.

    The only stage that re-runs others on other trials: each candidate set is removed from
    the study sample's ``importance`` and ``tests`` (``_estimate``), never re-read."""
    data, sample = analysed.importance, analysed.tests
    n = data.n
    full_importance = {i.param: i for i in importance if i.method == GLOBAL_METHOD}
    if n < MIN_TRIALS or not (full_importance or any(d.p is not None for d in effects)):
        return ()
    k = removal_count(n)
    full = _Estimate(
        {p: i.importance for p, i in full_importance.items()},
        _ranks({p: i.importance for p, i in full_importance.items()}),
        {d.param: d for d in effects},
    )
    cache: dict[tuple[int, ...], _Estimate] = {}

    def estimate(numbers: tuple[int, ...]) -> _Estimate:
        key = tuple(sorted(numbers))
        if key not in cache:
            cache[key] = _estimate(sample, config, data, key)
        return cache[key]

    found: dict[str, Influence] = {}
    for candidate in _candidates(data, full, k):
        removed = estimate(candidate.numbers)
        for param in sorted(set(full.importance) | set(full.effects)):
            if not _changes(param, full, removed, full_importance):
                continue
            # The shortest prefix (most extreme first) that still changes the finding and
            # makes most of the importance drop the whole set makes.
            drop = full.importance.get(param, 0.0) - removed.importance.get(param, 0.0)

            def enough(j: int, param: str = param, drop: float = drop, candidate: _Candidate = candidate) -> bool:
                without = estimate(candidate.numbers[:j])
                if not _changes(param, full, without, full_importance):
                    return False
                return full.importance.get(param, 0.0) - without.importance.get(param, 0.0) >= SHRINK_SHARE * drop

            low, high = 1, len(candidate.numbers)
            while low < high:
                mid = (low + high) // 2
                if enough(mid):
                    high = mid
                else:
                    low = mid + 1
            trials = tuple(sorted(candidate.numbers[:low]))
            previous = found.get(param)
            if previous is None or len(trials) < len(previous.trials):
                without = estimate(trials)
                found[param] = _influence(param, candidate, trials, n, full, without, full_importance)
    return tuple(found[p] for p in sorted(found))


def influence_warnings(found: Sequence[Influence]) -> list[Finding]:
    """One ``driven_by_few_trials`` warning per parameter whose finding a few trials drive."""
    return [
        Finding(
            WarningCode.DRIVEN_BY_FEW_TRIALS,
            Severity.WARNING,
            (i.param,),
            {
                "param": i.param,
                "n_removed": len(i.trials),
                "trials": ", ".join(str(t) for t in i.trials),
                "n": i.n,
                "removal": i.removal,
                "by": i.removal_param if i.removal_param is not None else "objective value",
                "changes": ", ".join(i.changes),
                "importance": i.importance,
                "importance_rank": i.importance_rank,
                "importance_without": i.importance_without,
                "importance_rank_without": i.importance_rank_without,
                "effect": i.effect,
                "tier": i.tier,
                "effect_without": i.effect_without,
                "tier_without": i.tier_without,
            },
        )
        for i in found
    ]


def _candidates(data: ImportanceInput, full: _Estimate, k: int) -> list[_Candidate]:
    numbers = data.numbers.astype(np.int64)
    goodness = direction_sign(data.direction) * data.values
    out = [
        _Candidate("worst", None, _first(numbers, goodness, k)),
        _Candidate("best", None, _first(numbers, -goodness, k)),
    ]
    top = sorted(full.importance, key=lambda p: full.rank[p])
    numeric = [p for p in top if p in data.params and data.params[p].spec.numeric and data.params[p].varies]
    for name in numeric[:TOP_PARAMS]:
        param: ParamData = data.params[name]
        present = param.present
        values = param.numeric[present]
        out.append(_Candidate("largest", name, _first(numbers[present], -values, k)))
        out.append(_Candidate("smallest", name, _first(numbers[present], values, k)))
    return out


def _first(numbers: np.ndarray, key: np.ndarray, k: int) -> tuple[int, ...]:
    """The ``k`` trials with the smallest ``key`` (ties by trial number), smallest first."""
    order = np.lexsort((numbers, key))
    return tuple(int(x) for x in numbers[order[:k]])


def _estimate(
    sample: StudySample, config: AnalysisConfig, data: ImportanceInput, removed: tuple[int, ...]
) -> _Estimate:
    keep = ~np.isin(data.numbers, removed)
    reduced = ImportanceInput(
        direction=data.direction,
        numbers=data.numbers[keep],
        values=data.values[keep],
        params={
            name: ParamData(p.spec, p.present[keep], p.numeric[keep], p.keys[keep], p.distributions[keep])
            for name, p in data.params.items()
        },
        seed=data.seed,
        config=data.config,
    )
    fit_main_effects_on(data, np.flatnonzero(keep), reduced)
    result = FanovaEvaluator(resamples=RESAMPLES, interaction_params=0).evaluate(reduced)
    shares = {i.param: i.importance for i in result.importances}
    tests = directionality(_without(sample, removed), replace(config, n_bootstrap=0), detail=False)
    return _Estimate(shares, _ranks(shares), {d.param: d for d in tests})


def _without(sample: StudySample, removed: tuple[int, ...]) -> StudySample:
    """``sample`` without the ``removed`` trials: each parameter's rows are a subset in the same
    canonical order, as ``analysed_sample`` of the reduced study would give (the elite flags, used
    only by the per-level tables, keep the full study's elites)."""
    params = {}
    for name, ps in sample.params.items():
        assert ps.numbers is not None
        params[name] = ps.subset(~np.isin(ps.numbers, removed))
    return replace(sample, n=sample.n - len(removed), params=params)


def _ranks(shares: dict[str, float]) -> dict[str, int]:
    """Rank by importance as the report's ranking table orders it (ties by name)."""
    order = sorted(shares, key=lambda p: (-shares[p], p))
    return {p: r for r, p in enumerate(order, start=1)}


def _changed_kinds(param: str, full: _Estimate, without: _Estimate, intervals: dict[str, Importance]) -> list[str]:
    changes = []
    interval = intervals.get(param)
    if interval is not None and param in without.importance and full.rank[param] <= TOP_PARAMS:
        low = interval.ci_low if interval.ci_low is not None else interval.importance
        if without.importance[param] < low and without.rank[param] > full.rank[param]:
            changes.append("importance_rank")
    before, after = full.effects.get(param), without.effects.get(param)
    after_tier = after.tier if after is not None else Tier.NOT_TESTED
    if before is not None and before.tier == Tier.STRONG and after_tier in (Tier.NOT_ENOUGH_EVIDENCE, Tier.NOT_TESTED):
        changes.append("tier")
    if (
        before is not None
        and after is not None
        and before.tier in (Tier.STRONG, Tier.SUGGESTIVE)
        and after_tier in (Tier.STRONG, Tier.SUGGESTIVE)
        and before.effect_measure in SIGNED
        and before.effect
        and after.effect is not None
        and np.sign(after.effect) == -np.sign(before.effect)
    ):
        changes.append("direction")
    return changes


def _changes(param: str, full: _Estimate, without: _Estimate, intervals: dict[str, Importance]) -> bool:
    return bool(_changed_kinds(param, full, without, intervals))


def _influence(
    param: str,
    candidate: _Candidate,
    trials: tuple[int, ...],
    n: int,
    full: _Estimate,
    without: _Estimate,
    intervals: dict[str, Importance],
) -> Influence:
    before, after = full.effects.get(param), without.effects.get(param)
    return Influence(
        param=param,
        removal=candidate.removal,
        removal_param=candidate.param,
        trials=trials,
        n=n,
        changes=tuple(_changed_kinds(param, full, without, intervals)),
        importance=full.importance.get(param),
        importance_rank=full.rank.get(param),
        importance_without=without.importance.get(param),
        importance_rank_without=without.rank.get(param),
        effect=before.effect if before is not None else None,
        tier=before.tier if before is not None else None,
        effect_without=after.effect if after is not None else None,
        tier_without=after.tier if after is not None else None,
    )


def annotate_highlights(highlights: Sequence[Highlight], found: Sequence[Influence]) -> tuple[Highlight, ...]:
    """Effect highlights gain ``driven_by_few_trials``: the trials and the estimates without
    them where a few trials drive the parameter's finding, else null."""
    by_param = {i.param: i for i in found}
    out = []
    for h in highlights:
        if h.kind == "effect":
            i = by_param.get(h.values["param"])
            note = None
            if i is not None:
                note = {
                    "trials": list(i.trials),
                    "changes": list(i.changes),
                    "importance": i.importance,
                    "importance_rank": i.importance_rank,
                    "importance_without": i.importance_without,
                    "importance_rank_without": i.importance_rank_without,
                    "effect_without": i.effect_without,
                    "tier_without": i.tier_without,
                }
            h = replace(h, values={**h.values, "driven_by_few_trials": note})
        out.append(h)
    return tuple(out)
