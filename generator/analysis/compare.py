"""Did the next sweep help? Two sweeps of the same objective compared: NEW against OLD.

Every difference is signed so that positive means NEW is better: values are multiplied by the
direction's sign (+1 maximize, -1 minimize) before any test, so in a minimize study a NEW sweep
with lower values has a positive effect and a positive median difference.

- Shift: Mann-Whitney U of NEW against OLD on the signed values (``rank_tests.two_sample_test``:
  exact permutation p for few splits), the rank-biserial r = P(NEW better) - P(OLD better)
  with its score interval, and the differences of medians and of top-decile means with
  bootstrap intervals (scipy.stats.bootstrap, each sweep resampled on its own, seeded from
  the two samples: ``resampling.py``).
- Best so far: each sweep's best value after its n-th complete trial (trial-number order),
  with a band of what the curve would have been had the same trials run in another order
  (random permutations): a band of order luck, not of running a new sweep. Which sweep reaches
  a target with fewer trials, observed and in expectation over orders, (N + 1) / (K + 1) for K
  of N trials at or beyond the target (the first success of a draw without replacement).
- P(NEW's best of n beats OLD's best of n): exact from the two empirical distributions,
  assuming each sweep's trials are i.i.d. draws (with replacement) from its own distribution.
  A sequential sampler (TPE) makes draws depend on earlier ones, so this is the chance for a
  sweep that behaves like a random sample of the one observed; it is stated as such.
- Parameters: the two reports' primary tests side by side (tier and sign), and what changed
  between the two declared search spaces.
- Predicted vs realised: when NEW ran a config generated from OLD's report, the surrogate's
  predicted gain of that space (``refine/gain.py``: mean and top-decile mean of configurations
  sampled from the refined space, minus those of the declared one) against the realised
  differences of mean and top-decile mean, NEW minus OLD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.analysis.frames import direction_sign, elite_count, finite_objective_values
from generator.analysis.params import ParamSpec, param_specs
from generator.analysis.rank_tests import bootstrap_interval, two_sample_test
from generator.analysis.resampling import sample_rng
from generator.config import AnalysisConfig
from generator.model.comparison import (
    Best,
    BestSoFar,
    Comparison,
    CurvePoint,
    Distribution,
    ParamRow,
    PredictedVsRealised,
    Realised,
    Shift,
    Side,
    Space,
    Target,
)
from generator.model.findings import Directionality, Findings
from generator.model.next_sweep import AGGRESSIVE, CONSERVATIVE
from generator.model.vocabulary import ParamKind, Shape, Tier
from generator.snapshot.load import Snapshot

TEST = "mann_whitney_u"
EFFECT = "rank_biserial"
TOP_FRACTION = 0.1
"""The top decile: each sweep's best tenth of complete trials (at least one)."""
BAND_RESAMPLES = 400
"""Random trial orders behind each best-so-far band."""
BAND_BATCH = 100
BAND_LEVELS = (0.025, 0.975)
DENSE_STEPS = 50
"""Best-so-far points: every n up to this, then about as many more, geometrically spaced."""

NEW_BETTER = "new_better"
OLD_BETTER = "old_better"
UNDECIDED = "not_enough_evidence"

AGREE = "agree"
DISAGREE = "disagree"
ONLY_OLD = "only_old"
"""Evidence (strong or suggestive) in OLD only."""
ONLY_NEW = "only_new"
NEITHER = "neither"
NOT_IN_OLD = "not_in_old"
NOT_IN_NEW = "not_in_new"
EVIDENCE = (Tier.STRONG, Tier.SUGGESTIVE)


def values_in_order(snapshot: Snapshot, objective: int) -> np.ndarray:
    """Finite values of COMPLETE trials, in trial-number order."""
    return finite_objective_values(snapshot, objective)["value"].to_numpy(dtype=float)


def distribution(values: np.ndarray) -> Distribution | None:
    if len(values) == 0:
        return None
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    return Distribution(
        n=len(values),
        mean=float(np.mean(values)),
        std=float(np.std(values, ddof=1)) if len(values) > 1 else None,
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        min=float(np.min(values)),
        max=float(np.max(values)),
    )


def top_values(values: np.ndarray, sign: float) -> np.ndarray:
    """The best ``TOP_FRACTION`` of ``values`` (raw units)."""
    k = elite_count(len(values), TOP_FRACTION)
    return sign * np.sort(sign * values)[len(values) - k :]


def _top_mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mean of the top decile along ``axis`` of values already signed (vectorized for the bootstrap)."""
    k = elite_count(x.shape[axis], TOP_FRACTION)
    ordered = np.sort(x, axis=axis)
    return np.take(ordered, np.arange(x.shape[axis] - k, x.shape[axis]), axis=axis).mean(axis=axis)


def _median_diff(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.median(a, axis=axis) - np.median(b, axis=axis)


def _top_diff(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return _top_mean(a, axis) - _top_mean(b, axis)


def _pair(interval: Any) -> tuple[float, float] | None:
    return None if interval is None else (interval.low, interval.high)


def shift_test(new: np.ndarray, old: np.ndarray, sign: float, config: AnalysisConfig) -> Shift:
    """The shift of NEW against OLD on signed values (positive: NEW better)."""
    a, b = sign * new, sign * old
    result = two_sample_test(a, b)
    resamples = config.n_bootstrap if min(len(a), len(b)) >= 2 else 0
    median_ci = bootstrap_interval(
        (a, b), _median_diff, False, resamples, sample_rng(config.seed, "compare:median", (a, b))
    )
    top_ci = bootstrap_interval((a, b), _top_diff, False, resamples, sample_rng(config.seed, "compare:top", (a, b)))
    ci = result.ci
    verdict = UNDECIDED
    if result.p < config.alpha and ci is not None:
        if ci.low > 0:
            verdict = NEW_BETTER
        elif ci.high < 0:
            verdict = OLD_BETTER
    return Shift(
        test=TEST,
        statistic=result.u,
        p=result.p,
        p_method=result.p_method,
        effect=result.rank_biserial,
        effect_measure=EFFECT,
        ci_low=None if ci is None else ci.low,
        ci_high=None if ci is None else ci.high,
        ci_method=None if ci is None else ci.method,
        median_difference=float(_median_diff(a, b)),
        median_ci=_pair(median_ci),
        mean_difference=result.mean_diff,
        mean_ci=result.mean_diff_ci,
        top_mean_difference=float(_top_diff(a, b)),
        top_mean_ci=_pair(top_ci),
        ci_resamples=resamples,
        alpha=config.alpha,
        verdict=verdict,
    )


def p_best_of_n(new: np.ndarray, old: np.ndarray, n: int) -> tuple[float, float]:
    """(P(X > Y), P(X = Y)) for X, Y the largest of n i.i.d. draws from the empirical
    distributions of ``new`` and ``old`` (already signed: larger is better).

    The largest of n draws has CDF F(v)^n, so over the pooled support points u,
    P(X > Y) = sum_u P(X = u) F_Y(u-)^n and P(X = Y) = sum_u P(X = u) P(Y = u).
    """
    support = np.unique(np.concatenate([new, old]))

    def cdfs(sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ordered = np.sort(sample)
        at = np.searchsorted(ordered, support, side="right") / len(sample)
        below = np.searchsorted(ordered, support, side="left") / len(sample)
        return at**n, below**n

    x_at, x_below = cdfs(new)
    y_at, y_below = cdfs(old)
    x_mass = x_at - x_below
    better = float(np.sum(x_mass * y_below))
    tie = float(np.sum(x_mass * (y_at - y_below)))
    return min(max(better, 0.0), 1.0), min(max(tie, 0.0), 1.0)


def curve_steps(n_max: int) -> list[int]:
    """Every n up to DENSE_STEPS, then geometric steps up to n_max (always included)."""
    steps = set(range(1, min(n_max, DENSE_STEPS) + 1))
    if n_max > DENSE_STEPS:
        steps.update(int(round(v)) for v in np.geomspace(DENSE_STEPS, n_max, DENSE_STEPS))
    return sorted(s for s in steps if 1 <= s <= n_max)


def _bands(signed: np.ndarray, steps: list[int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of the best-so-far at ``steps`` over random orders of the same trials (signed)."""
    index = np.asarray(steps) - 1
    index = index[index < len(signed)]
    curves = []
    for start in range(0, BAND_RESAMPLES, BAND_BATCH):
        size = min(BAND_BATCH, BAND_RESAMPLES - start)
        order = rng.permuted(np.tile(signed, (size, 1)), axis=1)
        curves.append(np.maximum.accumulate(order, axis=1)[:, index])
    low, high = np.quantile(np.concatenate(curves), BAND_LEVELS, axis=0)
    return low, high


def _first_reach(signed: np.ndarray, target: float) -> int | None:
    hits = np.flatnonzero(signed >= target)
    return int(hits[0]) + 1 if len(hits) else None


def _expected_reach(signed: np.ndarray, target: float) -> float | None:
    k = int(np.sum(signed >= target))
    return (len(signed) + 1) / (k + 1) if k else None


def best_so_far(new: np.ndarray, old: np.ndarray, sign: float, config: AnalysisConfig) -> BestSoFar:
    """Both curves in trial-number order with order bands, targets, and P(NEW's best of n wins)."""
    a, b = sign * new, sign * old
    steps = curve_steps(max(len(a), len(b)))
    curves = {}
    for name, signed in (("new", a), ("old", b)):
        low, high = _bands(signed, steps, sample_rng(config.seed, f"compare:order:{name}", (signed,)))
        observed = np.maximum.accumulate(signed)
        curves[name] = (observed, low, high)

    def at(name: str, n: int) -> tuple[float | None, float | None, float | None]:
        observed, low, high = curves[name]
        if n > len(observed):
            return None, None, None
        i = steps.index(n)
        return float(sign * observed[n - 1]), float(sign * low[i]), float(sign * high[i])

    points = []
    for n in steps:
        new_v, new_lo, new_hi = at("new", n)
        old_v, old_lo, old_hi = at("old", n)
        better, tie = p_best_of_n(a, b, n)
        # Bands are quantiles of signed values: for a minimize study the low quantile is the high value.
        old_lo, old_hi = (old_lo, old_hi) if sign > 0 else (old_hi, old_lo)
        new_lo, new_hi = (new_lo, new_hi) if sign > 0 else (new_hi, new_lo)
        points.append(CurvePoint(n, old_v, old_lo, old_hi, new_v, new_lo, new_hi, better, tie))
    targets = []
    old_top = top_values(old, sign)
    for name, value in (
        ("old_top_decile", float(old_top[0] if sign > 0 else old_top[-1])),
        ("old_best", float(sign * b.max())),
        ("new_best", float(sign * a.max())),
    ):
        signed_target = sign * value
        old_e, new_e = _expected_reach(b, signed_target), _expected_reach(a, signed_target)
        fewer = None
        if old_e is not None or new_e is not None:
            o, w = old_e if old_e is not None else math.inf, new_e if new_e is not None else math.inf
            fewer = "new" if w < o else "old" if o < w else None
        targets.append(
            Target(name, value, _first_reach(b, signed_target), _first_reach(a, signed_target), old_e, new_e, fewer)
        )
    return BestSoFar(
        order="trial_number",
        band="random_trial_orders",
        band_resamples=BAND_RESAMPLES,
        assumption="iid_empirical",
        points=tuple(points),
        targets=tuple(targets),
    )


def _space(spec: ParamSpec | None) -> Space | None:
    if spec is None:
        return None
    return Space(spec.kind, spec.low, spec.high, spec.log, spec.step, spec.choices)


def space_changes(old: Space | None, new: Space | None) -> tuple[str, ...]:
    if old is None and new is None:
        return ()
    if old is None:
        return ("added",)
    if new is None:
        return ("removed",)
    changes = []
    if old.kind != new.kind:
        changes.append("kind")
    for side, o, w, narrower in (
        ("low", old.low, new.low, (lambda x, y: y > x)),
        ("high", old.high, new.high, (lambda x, y: y < x)),
    ):
        if o is not None and w is not None and o != w:
            changes.append(("narrowed_" if narrower(o, w) else "widened_") + side)
    if old.log != new.log:
        changes.append("log")
    if old.step != new.step and old.kind == new.kind and old.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER):
        changes.append("step")
    if any(not any(_same(c, d) for d in new.choices) for c in old.choices):
        changes.append("choices_removed")
    if any(not any(_same(c, d) for d in old.choices) for c in new.choices):
        changes.append("choices_added")
    return tuple(changes)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _sign(effect: float | None, measure: str | None) -> int:
    # epsilon-squared has no direction; rho and rank-biserial are signed "positive improves".
    if effect is None or measure == "epsilon_squared":
        return 0
    return int(np.sign(effect))


def agreement(old: Any, new: Any) -> str:
    """Compare the two sweeps' primary tests of one parameter (tier and sign)."""
    old_ev, new_ev = old.tier in EVIDENCE, new.tier in EVIDENCE
    if old_ev and new_ev:
        s_old, s_new = _sign(old.effect, old.effect_measure), _sign(new.effect, new.effect_measure)
        if old.effect_measure == "rank_biserial" and (old.level_a, old.level_b) == (new.level_b, new.level_a):
            s_new = -s_new  # the same two levels, named in the other order
        if s_old == 0 or s_new == 0 or old.effect_measure != new.effect_measure:
            return AGREE  # both find an effect; there is no common direction to compare
        return AGREE if s_old == s_new else DISAGREE
    if old_ev:
        return ONLY_OLD
    if new_ev:
        return ONLY_NEW
    return NEITHER


def parameters(
    old_findings: Findings, new_findings: Findings, old_snapshot: Snapshot, new_snapshot: Snapshot
) -> tuple[ParamRow, ...]:
    """One row per parameter of either sweep, by name (a conditional parameter: its first branch row)."""
    old_rows = {d.param: d for d in reversed(old_findings.directionality)}
    new_rows = {d.param: d for d in reversed(new_findings.directionality)}
    old_specs, new_specs = param_specs(old_snapshot), param_specs(new_snapshot)
    fixed = _fixed(new_findings.study.user_attrs.get("sweep_config"))
    rows = []
    for name in sorted(set(old_specs) | set(new_specs)):
        o, w = old_rows.get(name), new_rows.get(name)
        o_space, w_space = _space(old_specs.get(name)), _space(new_specs.get(name))
        row_o, row_w = (o if name in old_specs else None), (w if name in new_specs else None)
        rows.append(
            ParamRow(
                param=name,
                agreement=(
                    agreement(row_o or _Untested(), row_w or _Untested())
                    if name in old_specs and name in new_specs
                    else (NOT_IN_OLD if name not in old_specs else NOT_IN_NEW)
                ),
                old_tier=None if row_o is None else row_o.tier,
                new_tier=None if row_w is None else row_w.tier,
                old_effect=None if row_o is None else row_o.effect,
                new_effect=None if row_w is None else row_w.effect,
                effect_measure=_effect_measure(row_w, row_o),
                old_q=None if row_o is None else row_o.q,
                new_q=None if row_w is None else row_w.q,
                old_ci=_ci(row_o),
                new_ci=_ci(row_w),
                old_n=0 if row_o is None else row_o.n,
                new_n=0 if row_w is None else row_w.n,
                old_space=o_space,
                new_space=w_space,
                space_changes=space_changes(o_space, w_space),
                new_fixed=fixed.get(name) if name not in new_specs else None,
                old_interior_q=_interior_q(row_o),
                new_interior_q=_interior_q(row_w),
            )
        )
    return tuple(rows)


def _interior_q(row: Any) -> float | None:
    if row is None or getattr(row, "shape", None) != Shape.INTERIOR or row.shape_test is None:
        return None
    return row.shape_test.q


def _ci(row: Any) -> tuple[float, float] | None:
    if row is None or row.ci_low is None or row.ci_high is None:
        return None
    return (row.ci_low, row.ci_high)


@dataclass(frozen=True)
class _Untested:
    """Stands in for a parameter present in a sweep without a directionality row."""

    tier: Tier = Tier.NOT_ENOUGH_EVIDENCE
    effect: float | None = None
    effect_measure: str | None = None
    level_a: Any = None
    level_b: Any = None


def _fixed(sweep_config: Any) -> dict[str, Any]:
    if not isinstance(sweep_config, dict) or not isinstance(sweep_config.get("fixed"), dict):
        return {}
    return {str(k): (v.get("value") if isinstance(v, dict) else v) for k, v in sweep_config["fixed"].items()}


def config_strategy(sweep_config: Any, old_name: str) -> tuple[str | None, str | None]:
    """(the config's study_name, the strategy when we generated it from OLD's report).

    Our configs are named ``<old study>_refined_<aggressive|conservative>`` (``refine/strategies.py``);
    the trainer records the config it ran as the study's ``sweep_config`` user attribute.
    """
    if not isinstance(sweep_config, dict) or not isinstance(sweep_config.get("study_name"), str):
        return None, None
    name = sweep_config["study_name"]
    for strategy in (AGGRESSIVE, CONSERVATIVE):
        if name == f"{old_name}_refined_{strategy}":
            return name, strategy
    return name, None


def predicted_vs_realised(
    new: np.ndarray, old: np.ndarray, sign: float, old_findings: Findings, new_findings: Findings, shift: Shift | None
) -> PredictedVsRealised:
    name, strategy = config_strategy(new_findings.study.user_attrs.get("sweep_config"), old_findings.study.name)
    best_difference = float(new.max() - old.max()) if len(new) and len(old) else None

    def result(reason: str | None, rows: tuple[Realised, ...] = (), gain: Any = None) -> PredictedVsRealised:
        return PredictedVsRealised(
            available=reason is None,
            reason=reason,
            config_study_name=name,
            strategy=strategy,
            skipped=None if gain is None else gain.skipped,
            cv_r2=None if gain is None else gain.cv_r2,
            best_difference=best_difference,
            rows=rows,
        )

    if name is None:
        return result("no_sweep_config")
    if strategy is None:
        return result("not_from_old")
    gain = old_findings.next_sweep.expected_gain if old_findings.next_sweep is not None else None
    estimate = None if gain is None else next((e for e in gain.estimates if e.space == strategy), None)
    if estimate is None or shift is None or estimate.gain_mean is None or estimate.gain_top is None:
        return result("no_prediction", gain=gain)
    assert estimate.gain_mean_low is not None and estimate.gain_mean_high is not None
    assert estimate.gain_top_low is not None and estimate.gain_top_high is not None

    def raw(ci: tuple[float, float] | None) -> tuple[float | None, float | None]:
        # Shift intervals are signed (positive: NEW better); the prediction is in raw units.
        if ci is None:
            return None, None
        low, high = sorted((sign * ci[0], sign * ci[1]))
        return low, high

    mean_low, mean_high = raw(shift.mean_ci)
    top_low, top_high = raw(shift.top_mean_ci)
    realised_mean = float(np.mean(new) - np.mean(old))
    realised_top = float(sign * shift.top_mean_difference)
    rows = (
        Realised(
            quantity="mean",
            predicted_gain=estimate.gain_mean,
            predicted_low=estimate.gain_mean_low,
            predicted_high=estimate.gain_mean_high,
            predicted_level=estimate.mean,
            predicted_level_low=estimate.mean_low,
            predicted_level_high=estimate.mean_high,
            realised_gain=realised_mean,
            realised_low=mean_low,
            realised_high=mean_high,
            realised_level=float(np.mean(new)),
            within=estimate.gain_mean_low <= realised_mean <= estimate.gain_mean_high,
            intervals_overlap=_overlap(mean_low, mean_high, estimate.gain_mean_low, estimate.gain_mean_high),
        ),
        Realised(
            quantity="top_decile",
            predicted_gain=estimate.gain_top,
            predicted_low=estimate.gain_top_low,
            predicted_high=estimate.gain_top_high,
            predicted_level=estimate.top,
            predicted_level_low=estimate.top_low,
            predicted_level_high=estimate.top_high,
            realised_gain=realised_top,
            realised_low=top_low,
            realised_high=top_high,
            realised_level=float(np.mean(top_values(new, sign))),
            within=estimate.gain_top_low <= realised_top <= estimate.gain_top_high,
            intervals_overlap=_overlap(top_low, top_high, estimate.gain_top_low, estimate.gain_top_high),
        ),
    )
    return result(None, rows, gain)


def _overlap(low: float | None, high: float | None, other_low: float, other_high: float) -> bool | None:
    if low is None or high is None:
        return None
    return bool(low <= other_high and other_low <= high)


def side(findings: Findings, values: np.ndarray, storage: str, storage_kind: str) -> Side:
    sign = direction_sign(findings.study.direction)
    best = findings.summary.best
    top = top_values(values, sign) if len(values) else values
    sweep_config = findings.study.user_attrs.get("sweep_config")
    return Side(
        study=findings.study.name,
        storage=storage,
        storage_kind=storage_kind,
        direction=findings.study.direction,
        trials=findings.study.n_trials,
        best=None if best is None else Best(best.number, best.value),
        distribution=distribution(values),
        top_decile=distribution(top),
        top_k=len(top),
        sweep_config=sweep_config.get("study_name") if isinstance(sweep_config, dict) else None,
    )


def compare(
    old_snapshot: Snapshot,
    old_findings: Findings,
    new_snapshot: Snapshot,
    new_findings: Findings,
    config: AnalysisConfig,
) -> Comparison:
    """NEW against OLD on objective ``config.objective_index``; the caller checked that the directions match."""
    direction = new_findings.study.direction
    sign = direction_sign(direction)
    old = values_in_order(old_snapshot, config.objective_index)
    new = values_in_order(new_snapshot, config.objective_index)
    both = len(old) > 0 and len(new) > 0
    shift = shift_test(new, old, sign, config) if both else None
    return Comparison(
        old=side(old_findings, old, old_snapshot.provenance["storage"], old_snapshot.provenance["storage_kind"]),
        new=side(new_findings, new, new_snapshot.provenance["storage"], new_snapshot.provenance["storage_kind"]),
        objective=config.objective_index,
        direction=direction,
        shift=shift,
        best_so_far=best_so_far(new, old, sign, config) if both else None,
        parameters=parameters(old_findings, new_findings, old_snapshot, new_snapshot),
        predicted_vs_realised=predicted_vs_realised(new, old, sign, old_findings, new_findings, shift),
    )


def _effect_measure(*rows: Directionality | None) -> str | None:
    """The effect measure of the first row present (NEW's, else OLD's)."""
    return next((row.effect_measure for row in rows if row is not None), None)
