"""Directionality: one primary test per parameter, corrected as one family, with power.

- continuous, integer, ordinal -> Spearman rho (effect: rho signed by the objective's
  direction, so positive means "larger values are better"), with a Fisher-z CI (Bonett-Wright
  variance). Log-declared parameters need no transform: ranks are unchanged by the (monotone) log.
- boolean and two-level categorical -> Mann-Whitney U; effect: rank-biserial correlation of
  level_a against level_b (True against False; else the first declared level against the
  second), signed the same way, with the score CI that inverts the Mann-Whitney test; plus the
  raw mean difference with a Welch CI.
- three or more levels -> Kruskal-Wallis H; effect: epsilon-squared (unsigned) with a bootstrap
  CI; pairwise Mann-Whitney post-hoc tests, Holm-corrected within the parameter.
A parameter with a single observed value, fewer than MIN_N trials, or a constant objective in
its branch is reported, not tested. Any group sizes are tested, a level seen once included
(see ``rank_tests``).

Tier and interval agree. q alone gives a tier (``q_tier``); a row is strong or suggestive only
when its 95% interval also excludes the null (0 for rho and r; for epsilon-squared, a lower end
above 0). Otherwise it is "not enough evidence" with ``interval_disagrees`` set, and the report
says the test alone would call it strong or suggestive but its interval includes the null.
Why the 95% interval against a corrected q: a strong q (< 0.05) implies p < 0.05, so an
interval that inverts the same test excludes 0 at 95%, and the two disagree only where the
interval's approximation and the test's p differ (small n, ties, exact against asymptotic).
A suggestive q (0.05 <= q < 0.10) can rest on p >= 0.05; its 95% interval then includes 0,
and the row says so instead of claiming a direction the interval cannot support. Without an
interval (rho on 3 trials, epsilon-squared under ``--n-bootstrap 0``) the tier rests on q alone.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace

import numpy as np

from generator.analysis import power as pw
from generator.analysis.correction import adjust, tier
from generator.analysis.rank_tests import (
    Interval,
    kruskal_test,
    mann_whitney,
    spearman_test,
    two_sample_test,
)
from generator.analysis.resampling import sample_rng
from generator.analysis.sample import ParamSample, StudySample, decode
from generator.config import AnalysisConfig
from generator.model.effects import LevelStats, PairwiseTest, Power
from generator.model.findings import Directionality
from generator.model.vocabulary import ParamKind, TestName, Tier

MIN_N = 3
"""Fewest trials a parameter needs to be tested at all (a rank correlation of 2 points is +-1)."""
SMALL_N = 10
"""Below this many trials an estimate is flagged "small n" wherever it is shown: at n < 10 a
rank correlation needs |rho| > 0.65 to reach p < 0.05 even before any correction."""


@dataclass(frozen=True)
class _Raw:
    """A primary test before correction."""

    result: Directionality
    p: float | None


def directionality(sample: StudySample, config: AnalysisConfig, detail: bool = True) -> tuple[Directionality, ...]:
    """One entry per parameter (sorted by name), tested, corrected, tiered, ranked, powered.

    ``detail=False``: only what tiers a finding (test, effect, interval, p, q, tier, rank);
    no per-level table, post-hoc pairs or power. ``analysis/influence.py`` re-runs the tests
    on many subsets and reads nothing else."""
    raws = [_primary(ps, sample, config, detail) for ps in sample.params.values()]
    tested = [i for i, r in enumerate(raws) if r.p is not None]
    qs = adjust([float(raws[i].p) for i in tested], config.correction)  # type: ignore[arg-type]
    q_of = dict(zip(tested, qs.tolist(), strict=True))
    alpha_test = pw.per_test_alpha(config.alpha, config.correction, len(tested))
    results = []
    for i, raw in enumerate(raws):
        d = raw.result
        if i in q_of:
            q = q_of[i]
            q_tier = tier(q, config.alpha, config.suggestive_alpha)
            d = replace(d, q=q, tier=q_tier, q_tier=q_tier)
            if q_tier in (Tier.STRONG, Tier.SUGGESTIVE) and interval_excludes_null(d) is False:
                d = replace(d, tier=Tier.NOT_ENOUGH_EVIDENCE, interval_disagrees=True)
            if detail:
                d = replace(d, power=_power(d, sample.params[d.param], sample.n, alpha_test))
        results.append(d)
    order = sorted((d for d in results if d.p is not None), key=evidence_key)
    rank = {d.param: k for k, d in enumerate(order, start=1)}
    return tuple(replace(d, rank=rank.get(d.param)) for d in results)


def interval_excludes_null(d: Directionality) -> bool | None:
    """Whether the effect's interval excludes "no effect"; None without an interval.

    rho and rank-biserial r: the interval lies on one side of 0. epsilon-squared is never
    negative: its lower end must be above 0.
    """
    if d.ci_low is None or d.ci_high is None:
        return None
    if d.effect_measure == "epsilon_squared":
        return d.ci_low > 0
    return d.ci_low > 0 or d.ci_high < 0


def evidence_key(d: Directionality) -> tuple[float, float, int, str]:
    """Strongest evidence first: smaller q, then smaller p, then more trials, then the name.

    Never |effect|: a large rho from 5 trials is weaker evidence than a moderate one from 20,
    and q (which grows with p, and p with small n) already says so.
    """
    return (d.q if d.q is not None else 2.0, d.p if d.p is not None else 2.0, -d.n, d.param)


def _base(ps: ParamSample, sample: StudySample, detail: bool = True) -> Directionality:
    spec = ps.spec
    return Directionality(
        param=spec.name,
        kind=spec.kind,
        test=TestName.NONE,
        n=ps.n,
        statistic=None,
        p=None,
        q=None,
        effect=None,
        ci_low=None,
        ci_high=None,
        condition=spec.condition,
        tier=Tier.NOT_TESTED,
        n_study=sample.n,
        small_n=ps.n < SMALL_N,
        log=spec.log,
        dynamic=spec.dynamic,
        levels=level_stats(ps)
        if detail and spec.kind in (ParamKind.ORDINAL, ParamKind.BOOLEAN, ParamKind.CATEGORICAL)
        else (),
    )


def _primary(ps: ParamSample, sample: StudySample, config: AnalysisConfig, detail: bool = True) -> _Raw:
    base = _base(ps, sample, detail)
    if not ps.varies():
        return _Raw(replace(base, untested_reason="single_value"), None)
    if ps.n < MIN_N:
        return _Raw(replace(base, untested_reason="too_few_trials"), None)
    if np.ptp(ps.y) == 0:
        return _Raw(replace(base, untested_reason="constant_objective"), None)
    sign = sample.sign
    if ps.spec.numeric:
        assert ps.x is not None
        c = spearman_test(ps.x, ps.y)
        low, high, method = _signed(c.ci, sign)
        return _Raw(
            replace(
                base,
                test=TestName.SPEARMAN,
                statistic=c.rho,
                p=c.p,
                p_method=c.p_method,
                effect=sign * c.rho,
                effect_measure="rho",
                ci_low=low,
                ci_high=high,
                ci_method=method,
            ),
            c.p,
        )
    levels = ps.levels()
    groups = [ps.y[ps.level_mask(level)] for level in levels]
    if len(levels) == 2:
        # level_a is the first level: True for booleans, the first declared choice otherwise.
        (a_key, b_key), (a, b) = levels, groups
        t = two_sample_test(a, b)
        low, high, method = _signed(t.ci, sign)
        mean_low, mean_high = t.mean_diff_ci if t.mean_diff_ci else (None, None)
        return _Raw(
            replace(
                base,
                test=TestName.MANN_WHITNEY_U,
                statistic=t.u,
                p=t.p,
                p_method=t.p_method,
                effect=sign * t.rank_biserial,
                effect_measure="rank_biserial",
                ci_low=low,
                ci_high=high,
                ci_method=method,
                level_a=decode(a_key),
                level_b=decode(b_key),
                mean_diff=t.mean_diff,
                mean_diff_ci_low=mean_low,
                mean_diff_ci_high=mean_high,
            ),
            t.p,
        )
    rng = sample_rng(config.seed, f"kruskal-wallis:{ps.spec.name}", groups)
    k = kruskal_test(groups, config.n_bootstrap, rng)
    low, high, method = _signed(k.ci, 1.0)  # epsilon-squared has no direction
    return _Raw(
        replace(
            base,
            test=TestName.KRUSKAL_WALLIS,
            statistic=k.h,
            p=k.p,
            p_method=k.p_method,
            effect=k.epsilon_squared,
            effect_measure="epsilon_squared",
            ci_low=low,
            ci_high=high,
            ci_method=method,
            posthoc=posthoc(levels, groups, sign) if detail else (),
        ),
        k.p,
    )


def _signed(ci: Interval | None, sign: float) -> tuple[float | None, float | None, str | None]:
    """The interval's ends multiplied by ``sign`` (reordered), and its method."""
    if ci is None:
        return None, None, None
    low, high = sorted((sign * ci.low, sign * ci.high))
    return low, high, ci.method


def posthoc(levels: tuple[str, ...], groups: list[np.ndarray], sign: float) -> tuple[PairwiseTest, ...]:
    """Every pair of levels: Mann-Whitney U, Holm-corrected within this parameter."""
    pairs = []
    for (i, a), (j, b) in itertools.combinations(enumerate(groups), 2):
        u, p, method = mann_whitney(a, b)
        pairs.append((levels[i], levels[j], a, b, u, p, method))
    qs = adjust([p for *_, p, _ in pairs], "holm")
    return tuple(
        PairwiseTest(
            level_a=decode(la),
            level_b=decode(lb),
            n_a=len(a),
            n_b=len(b),
            statistic=u,
            p=p,
            p_method=method,
            q=float(q),
            effect=sign * (2.0 * u / (len(a) * len(b)) - 1.0),
        )
        for (la, lb, a, b, u, p, method), q in zip(pairs, qs, strict=True)
    )


def level_stats(ps: ParamSample) -> tuple[LevelStats, ...]:
    n_elites = int(ps.elite.sum())
    rows = []
    for level in ps.levels():
        mask = ps.level_mask(level)
        values = ps.y[mask]
        n_elite = int(ps.elite[mask].sum())
        rows.append(
            LevelStats(
                level=json.loads(level),
                n=int(mask.sum()),
                mean=float(np.mean(values)),
                median=float(np.median(values)),
                std=float(np.std(values, ddof=1)) if len(values) > 1 else None,
                n_elite=n_elite,
                share=float(mask.mean()),
                elite_share=n_elite / n_elites if n_elites else None,
            )
        )
    return tuple(rows)


def _to_confirm(d: Directionality) -> bool:
    """Suggestive effects, and those whose test alone would tier them but whose interval disagrees."""
    return bool(d.effect) and (d.tier == Tier.SUGGESTIVE or d.interval_disagrees)


def _power(d: Directionality, ps: ParamSample, n_study: int, alpha: float) -> Power:
    """Detectable effect at this n; for effects to confirm (``_to_confirm``), the trials needed."""
    n_needed = None
    effect = d.effect or 0.0  # _to_confirm is false without an effect
    if d.test == TestName.SPEARMAN:
        min_effect = pw.min_rho(d.n, alpha)
        if _to_confirm(d):
            n_needed = pw.n_for_rho(effect, alpha)
    elif d.test == TestName.MANN_WHITNEY_U:
        n_a = d.levels[0].n
        n_b = d.n - n_a
        min_effect = pw.min_rank_biserial(n_a, n_b, alpha)
        if _to_confirm(d):
            n_needed = pw.n_for_rank_biserial(effect, n_a, n_b, alpha)
    else:
        k = len(d.levels)
        min_effect = pw.min_epsilon_squared(d.n, k, alpha)
        if _to_confirm(d):
            n_needed = pw.n_for_epsilon_squared(effect, k, alpha)
    trials_needed = None
    if n_needed is not None:
        # A conditional parameter gains trials only in its branch: scale by the branch's share.
        trials_needed = int(np.ceil(n_needed * n_study / d.n)) if d.n else None
    return Power(alpha=alpha, power=pw.POWER, min_effect=min_effect, n_needed=n_needed, trials_needed=trials_needed)
