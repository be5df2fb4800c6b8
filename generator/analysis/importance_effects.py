"""Why a parameter with a clear rank effect can have almost no importance: measured, not guessed.

The directionality test (Spearman, Mann-Whitney, Kruskal-Wallis) and the variance
decomposition answer different questions, and on real studies a strong effect sat beside an
importance of 0.000 [0.000, 0.001] with nothing said. This detector joins the two stages and,
for each such parameter, names the first measured reason that holds:

- ``correlated``: another parameter carries the same information in the sampled trials (a
  near-copy, or a sampler that moved both together); the additive surrogate gives the shared
  variance to one of them. The other parameter and the association are named.
- ``small_branch``: the parameter's branch has a small weight (declared probability under a
  detected parent, share of trials otherwise), and its importance is weighted by it.
- ``interaction``: its effect is mostly joint with another parameter (a pair strength whose
  interval excludes zero), which the main-effect share does not count.
- ``few_trials``: none of the above, and the largest share belongs to a parameter whose
  importance a few trials drive (``driven_by_few_trials``): shares sum to 1, so that inflated
  share squeezes every other parameter's, and "small against the largest" would cite it.
- ``small_variance``: none of these: the change is consistent in rank but small in the
  objective's units against the other parameters' effects (a monotone shift of the median
  that carries little variance, or an effect visible only in ranks because of outliers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats
from scipy.stats.contingency import association

from generator.analysis.importance import ImportanceInput
from generator.analysis.importance._design import Branches
from generator.analysis.importance._elite_mi import bin_codes, n_bins_for
from generator.model.findings import Directionality, Finding, Importance, ImportanceMethod, Influence, Interaction
from generator.model.vocabulary import ParamKind, Severity, Tier, WarningCode

GLOBAL_METHOD = "fanova"
TINY_IMPORTANCE = 0.05
"""An importance estimate below this share is "about zero" beside a clear effect (its interval's
upper end, which the messages quote, may reach above it)."""
EFFECT_TIERS = (Tier.STRONG, Tier.SUGGESTIVE)
"""Directionality tiers that count as a clear effect."""
MIN_ASSOCIATION = 0.7
"""|Spearman rho| (numbers) or Cramér's V (otherwise) above which two parameters are near-copies."""
SMALL_BRANCH = 0.25
"""A branch weighted below this (its declared probability, or its share of trials without a
detected parent) takes most of the parameter's within-branch variance out of its importance."""
NUMERIC_KINDS = (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL)


def importance_effect_warnings(
    directionality: Sequence[Directionality],
    importance: Sequence[Importance],
    interactions: Sequence[Interaction],
    methods: Sequence[ImportanceMethod],
    data: ImportanceInput | None,
    driven: Sequence[Influence] = (),
) -> list[Finding]:
    """One ``importance_effect_disagree`` finding per parameter whose rank effect is strong or
    suggestive while its global importance estimate is below ``TINY_IMPORTANCE``.
    ``driven``: the ``driven_by_few_trials`` findings, so an inflated largest share is named as
    the reason instead of being quoted as the yardstick."""
    method = next((m for m in methods if m.method == GLOBAL_METHOD), None)
    if data is None or method is None or method.skipped is not None:
        return []
    shares = {i.param: i for i in importance if i.method == GLOBAL_METHOD}
    found = []
    for d in directionality:
        share = shares.get(d.param)
        if d.tier not in EFFECT_TIERS or share is None or share.ci_high is None or d.param not in data.params:
            continue
        # The printed estimate, not only its upper bound: mnist-tf printed n_units_0 (rho +0.736,
        # strong, second in the executive summary) at 0.000 [0.000, 0.091], rank 7 of 8, unexplained.
        if share.importance >= TINY_IMPORTANCE:
            continue
        values: dict[str, object] = {
            "tier": d.tier,
            "effect": d.effect,
            "effect_measure": d.effect_measure,
            "q": d.q,
            "importance": share.importance,
            "importance_high": share.ci_high,
            "threshold": TINY_IMPORTANCE,
        }
        values.update(_reason(d.param, data, shares, interactions, driven))
        others = (values["other"],) if isinstance(values.get("other"), str) else ()
        found.append(Finding(WarningCode.IMPORTANCE_EFFECT_DISAGREE, Severity.INFO, (d.param, *others), values))
    return found


def _reason(
    name: str,
    data: ImportanceInput,
    shares: dict[str, Importance],
    interactions: Sequence[Interaction],
    driven: Sequence[Influence] = (),
) -> dict[str, object]:
    best = _most_associated(name, data, shares)
    if best is not None and best[1] >= MIN_ASSOCIATION:
        other, strength, measure, n = best
        return {
            "reason": "correlated",
            "other": other,
            "association": strength,
            "association_measure": measure,
            "n_both": n,
            "other_importance": shares[other].importance,
        }
    param = data.params[name]
    # The weight the variance decomposition gave the branch: its declared probability under a
    # detected parent, the share of trials having the parameter otherwise.
    weight = Branches(data).probability([name])
    if weight < SMALL_BRANCH:
        return {"reason": "small_branch", "n_present": param.n_present, "n": data.n, "branch_weight": weight}
    joint = [i for i in interactions if name in (i.param_a, i.param_b) and (i.ci_low or 0.0) > 0]
    if joint:
        top = max(joint, key=lambda i: (i.strength, i.param_a, i.param_b))
        other = top.param_b if top.param_a == name else top.param_a
        return {"reason": "interaction", "other": other, "strength": top.strength, "strength_low": top.ci_low}
    dominant = max(shares.values(), key=lambda i: (i.importance, i.param))
    few = next(
        (i for i in driven if i.param == dominant.param and "importance_rank" in i.changes and dominant.param != name),
        None,
    )
    if few is not None and few.importance_without is not None:
        return {
            "reason": "few_trials",
            "top": dominant.param,
            "top_importance": dominant.importance,
            "top_importance_without": few.importance_without,
            "n_removed": len(few.trials),
            "trials": ", ".join(str(t) for t in few.trials),
        }
    return {"reason": "small_variance", "top": dominant.param, "top_importance": dominant.importance}


def _most_associated(
    name: str, data: ImportanceInput, shares: dict[str, Importance]
) -> tuple[str, float, str, int] | None:
    """The parameter most associated with ``name`` over the trials having both, among those the
    surrogate gave more importance: (name, association, measure, trials)."""
    param = data.params[name]
    n_bins = n_bins_for(data.n)
    best: tuple[str, float, str, int] | None = None
    for other_name, other in sorted(data.params.items()):
        other_share = shares.get(other_name)
        if other_name == name or not other.varies or other_share is None:
            continue
        if other_share.importance <= shares[name].importance:
            continue
        both = param.present & other.present
        if both.sum() < 3:
            continue
        if param.spec.kind in NUMERIC_KINDS and other.spec.kind in NUMERIC_KINDS:
            x, y = param.numeric[both], other.numeric[both]
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            strength, measure = abs(float(stats.spearmanr(x, y).statistic)), "spearman"
        else:
            a, b = bin_codes(param, n_bins)[both], bin_codes(other, n_bins)[both]
            table = np.zeros((a.max() + 1, b.max() + 1), dtype=np.int64)
            np.add.at(table, (a, b), 1)
            table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
            if min(table.shape) < 2:
                continue
            strength, measure = float(association(table, method="cramer")), "cramers_v"
        if not np.isfinite(strength):
            continue
        if best is None or strength > best[1]:
            best = (other_name, strength, measure, int(both.sum()))
    return best
