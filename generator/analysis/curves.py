"""Learning curves: was training long enough, and when is a trial's fate known?

From the intermediate values trials report (epochs, steps), per trial and per study:

- each trial's first, best and last step, the step by which it made 95% of its own improvement,
  and whether it was still improving when it stopped (the least-squares slope of its last
  ``TAIL_STEPS`` values with a t interval: "still improving" only when the whole interval is
  above 0, so a noisy plateau never counts, and its last value is its best, so a curve that
  rose and then fell back at the end, which peaked before it stopped, does not count either);
- the share of elites still improving (Wilson interval), warned about as ``under_trained`` when
  high ("likely too short" only when the interval's lower end reaches the threshold too, so a
  share from a handful of elites is never worded as a likely majority), and a step budget: the step by which ``GAIN_QUANTILE`` of the elites' combined improvement
  was made ("more than N" when the elites were still improving);
- Spearman's rho of the value at each step against the final value over the complete trials
  that reached it (Fisher-z interval, as the directionality tests): how early ranks settle, i.e.
  a pruner warm-up backed by the data;
- a pruner audit: steps pruning saved against the median complete trial, and pruned trials
  whose value when pruned was as good as an elite's at the same step.

Pure: numbers in, typed findings out. Values are compared in the study's direction (a signed
copy is used throughout so that larger is better).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from generator.analysis.chart_data.sampling import even_positions
from generator.analysis.frames import direction_sign
from generator.analysis.rank_tests import fisher_z_interval
from generator.analysis.resampling import sample_rng
from generator.analysis.tail_fit import t_quantile, tail_slopes
from generator.model.curves import LearningCurves, PrunedTrialCheck, ShareEstimate, StepCorrelation, TrialCurve
from generator.model.findings import Finding
from generator.model.vocabulary import Severity, WarningCode
from generator.snapshot.load import Snapshot

TAIL_STEPS = 5
"""k: a curve's final slope is fitted on its last k values (fewer when it has fewer)."""
MIN_CURVE_STEPS = 2
"""A study has learning curves when some trial reported at least this many steps: one value per
trial (a final score reported once) is no curve, and gets no section."""
MIN_TAIL_STEPS = 3
"""Fewest values behind a slope: two points give a slope but no interval."""
IMPROVEMENT_SHARE = 0.95
"""A trial's "steps to 95%": where it made this share of its own first-to-best improvement."""
GAIN_QUANTILE = 0.9
"""The recommended budget is the step by which this share of the elites' combined gain was made."""
UNDER_TRAINED_SHARE = 0.5
"""``under_trained`` when at least this share of the elites were still improving when they stopped."""
UNDER_TRAINED_MIN_ELITES = 3
"""Fewest elites with a fitted slope before the share is worth a warning."""
MIN_RANK_N = 5
"""Fewest complete trials at a step for its rank correlation (the interval needs n >= 4)."""
MAX_CORRELATION_STEPS = 60
"""Steps with a rank correlation, at most (evenly spread, first and last kept), so a study that
reports every iteration stays small."""
FATE_KNOWN_RHO = 0.7
"""A trial's fate counts as known from the first step from which every step's rho interval
lies above this (mnist-tf: step 1's did, step 2's [0.485, 0.968] did not, yet "from step 1" was said)."""
BUDGET_RESAMPLES = 400
"""Bootstrap replicates (over elites) behind the recommended budget's interval."""
MIN_BUDGET_ELITES = 3
"""Fewest improving elites before the budget gets an interval."""
CONFIDENCE = 0.95
SHOWN_ELITE_CURVES = 12
"""findings.json keeps the curve summaries of this many elites (the first by trial number: the
report's table); ``artifacts/learning_curves.csv`` holds every trial's, so a 20,000-trial
findings.json does not carry 18,000 rows (6 MB) that no page shows."""


def trial_curves(snapshot: Snapshot, direction: str, elites: frozenset[int]) -> tuple[TrialCurve, ...]:
    """Every trial's curve summary, by trial number: the trials with at least one finite
    intermediate value, any state (empty for a multi-objective study, which Optuna lets report
    none). Built once per analysed objective (``sample.AnalysedSample.curves``): the learning-curve
    findings read it, and ``artifacts/learning_curves.csv`` writes it (``tables.py``)."""
    groups = _finite_curves(snapshot)
    if not groups:
        return ()
    sign = direction_sign(direction)
    states = dict(zip(snapshot.trials["number"].astype(int), snapshot.trials["state"].astype(str), strict=True))
    ordered = sorted(groups.items())
    fits = _tail_fits([g for _, g in ordered], sign)
    bests, reached = _landmarks([g for _, g in ordered], sign)
    return tuple(
        _trial_curve(n, states.get(n, "COMPLETE"), g, sign, n in elites, fit, best, at_95)
        for (n, g), fit, best, at_95 in zip(ordered, fits, bests, reached, strict=True)
    )


def _finite_curves(snapshot: Snapshot) -> dict[int, Curve]:
    """Each trial's finite intermediate values; none for a multi-objective study."""
    if len(snapshot.directions) != 1:
        return {}  # Optuna reports intermediate values for single-objective studies only
    inter = snapshot.intermediate
    inter = inter[np.isfinite(inter["value"].to_numpy(dtype=float))]
    return _curves_by_trial(inter) if len(inter) else {}


def has_curves(trials: tuple[TrialCurve, ...]) -> bool:
    """Whether a study has learning curves to report: a trial reported MIN_CURVE_STEPS steps."""
    return bool(trials) and max(t.n_steps for t in trials) >= MIN_CURVE_STEPS


def learning_curves(
    snapshot: Snapshot,
    objective: int,
    direction: str,
    trials: tuple[TrialCurve, ...],
    seed: int = 0,
) -> tuple[LearningCurves | None, list[Finding]]:
    """The learning-curve findings and the ``under_trained`` warning from every trial's curve
    summary (``trial_curves``, whose ``elite`` flags say which are elites); (None, []) without
    curves."""
    if not has_curves(trials):
        return None, []
    sign = direction_sign(direction)
    states = dict(zip(snapshot.trials["number"].astype(int), snapshot.trials["state"].astype(str), strict=True))
    groups = _finite_curves(snapshot)
    elite_curves = [t for t in trials if t.elite]
    fitted = [t for t in elite_curves if t.still_improving is not None]
    improving = sum(bool(t.still_improving) for t in fitted)
    share = _share(improving, len(fitted))
    under = len(fitted) >= UNDER_TRAINED_MIN_ELITES and (share.share or 0.0) >= UNDER_TRAINED_SHARE
    # "Likely" needs the whole Wilson interval at or above the threshold: 3 of 5 (23% to 88%) is
    # consistent with a minority, and the warning must not say "most" for it.
    likely = under and (share.ci_low or 0.0) >= UNDER_TRAINED_SHARE
    budget, low, high = _budget(groups, elite_curves, sign, seed)
    open_budget = under and bool(elite_curves)
    if open_budget:
        budget = max(t.last_step for t in elite_curves)
        low = high = None
    correlations = _rank_correlations(snapshot, objective, groups, states)
    fate = _fate_known_step(correlations)
    complete_steps = [t.n_steps for t in trials if t.state == "COMPLETE"]
    median_complete = float(np.median(complete_steps)) if complete_steps else None
    pruned = [t for t in trials if t.state == "PRUNED"]
    saved = int(round(sum(max(0.0, median_complete - t.n_steps) for t in pruned))) if median_complete is not None else 0
    steps_run = int(sum(t.n_steps for t in trials))
    checks = _pruned_checks(pruned, groups, [t for t in elite_curves if t.state != "PRUNED"], sign)
    curves = LearningCurves(
        trials_with_curves=len(trials),
        complete_with_curves=len(complete_steps),
        pruned_with_curves=len(pruned),
        max_step=int(max(t.last_step for t in trials)),
        tail_steps=TAIL_STEPS,
        elites_with_curves=len(elite_curves),
        elites_still_improving=share,
        under_trained=under,
        recommended_steps=budget,
        recommended_open=open_budget,
        recommended_ci_low=low,
        recommended_ci_high=high,
        gain_quantile=GAIN_QUANTILE,
        median_step_95_elites=float(np.median([t.step_95 for t in elite_curves])) if elite_curves else None,
        rank_correlation=correlations,
        fate_known_step=fate,
        fate_rho=FATE_KNOWN_RHO,
        median_complete_steps=median_complete,
        steps_saved_by_pruning=saved,
        steps_run=steps_run,
        saved_share=saved / (saved + steps_run) if saved + steps_run else None,
        pruned_possibly_wrongly=tuple(c.number for c in checks),
        pruned_checks=checks,
        under_trained_likely=likely,
        elite_curves=tuple(elite_curves[:SHOWN_ELITE_CURVES]),
    )
    warnings = []
    if under:
        warnings.append(
            Finding(
                WarningCode.UNDER_TRAINED,
                Severity.WARNING,
                (),
                {
                    "count": share.count,
                    "of": share.of,
                    "share_pct": round(100 * (share.share or 0.0)),
                    "ci_low_pct": round(100 * (share.ci_low or 0.0)),
                    "ci_high_pct": round(100 * (share.ci_high or 0.0)),
                    "k": TAIL_STEPS,
                    "max_step": budget,
                    "reason": "likely" if likely else "possible",
                },
            )
        )
    return curves, warnings


Curve = tuple[np.ndarray, np.ndarray]
"""One trial's (steps, values), sorted by step."""


def _curves_by_trial(inter: pd.DataFrame) -> dict[int, Curve]:
    """Split once into numpy arrays: per-trial pandas filtering is far too slow for 1,000+ trials."""
    ordered = inter.sort_values(["number", "step"], kind="stable")
    numbers = ordered["number"].to_numpy(dtype=np.int64)
    steps = ordered["step"].to_numpy(dtype=np.int64)
    values = ordered["value"].to_numpy(dtype=float)
    keys, starts = np.unique(numbers, return_index=True)
    bounds = [*starts.tolist(), len(numbers)]
    return {int(k): (steps[bounds[i] : bounds[i + 1]], values[bounds[i] : bounds[i + 1]]) for i, k in enumerate(keys)}


Fit = tuple[float, float, float] | None
"""A curve's tail slope and its interval; None when the tail is too short for one."""


def _tail_fits(curves: list[Curve], sign: float) -> list[Fit]:
    """The least-squares slope of each curve's last ``TAIL_STEPS`` signed values with its t
    interval, fitted together (``analysis/tail_fit.py``: linregress's numbers, without its
    per-call cost)."""
    fitted = [i for i, (steps, _) in enumerate(curves) if min(TAIL_STEPS, len(steps)) >= MIN_TAIL_STEPS]
    tails = []
    for i in fitted:
        steps, values = curves[i]
        tail = min(TAIL_STEPS, len(steps))
        tails.append((steps[-tail:].astype(float), sign * values[-tail:]))
    slopes, errors = tail_slopes(tails)
    fits: list[Fit] = [None] * len(curves)
    for i, (x, _), slope, error in zip(fitted, tails, slopes.tolist(), errors.tolist(), strict=True):
        half = t_quantile(0.5 + CONFIDENCE / 2, len(x) - 2) * error
        fits[i] = (slope, slope - half, slope + half)
    return fits


def _landmarks(curves: list[Curve], sign: float) -> tuple[list[int], list[int]]:
    """Per curve, the index of its best value (the earliest on ties, as argmax) and of the first
    value with ``IMPROVEMENT_SHARE`` of its first-to-best gain (0 without a gain): all curves at
    once on their concatenation, one reduction per segment instead of a few numpy calls per trial."""
    lengths = np.array([len(steps) for steps, _ in curves], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    signed = sign * np.concatenate([values for _, values in curves])
    segment = np.repeat(np.arange(len(curves)), lengths)
    position = np.arange(len(signed))
    past = len(signed)
    top = np.maximum.reduceat(signed, starts)
    best = np.minimum.reduceat(np.where(signed == top[segment], position, past), starts)
    first = signed[starts]
    gain = signed[best] - first
    reach = signed - first[segment] >= IMPROVEMENT_SHARE * gain[segment]
    reached = np.where(gain > 0, np.minimum.reduceat(np.where(reach, position, past), starts), starts)
    return (best - starts).tolist(), (reached - starts).tolist()


def _trial_curve(
    number: int, state: str, curve: Curve, sign: float, elite: bool, fit: Fit, best: int, reached: int
) -> TrialCurve:
    """One trial's curve; ``best`` and ``reached`` come from ``_landmarks``."""
    steps, values = curve
    signed_last, signed_best = sign * float(values[-1]), sign * float(values[best])
    slope, low, high = fit if fit is not None else (None, None, None)
    tail = min(TAIL_STEPS, len(steps))
    return TrialCurve(
        number=number,
        state=state,
        n_steps=len(steps),
        first_step=int(steps[0]),
        last_step=int(steps[-1]),
        best_step=int(steps[best]),
        first_value=float(values[0]),
        last_value=float(values[-1]),
        best_value=float(values[best]),
        step_95=int(steps[reached]),
        slope=slope,
        slope_ci_low=low,
        slope_ci_high=high,
        tail_steps=tail if slope is not None else 0,
        # A rising tail whose last value fell below the curve's best peaked before it stopped: it
        # was not improving when it stopped, whatever the slope over the tail says.
        still_improving=None if low is None else bool(low > 0 and signed_last >= signed_best),
        elite=elite,
    )


def _share(count: int, of: int) -> ShareEstimate:
    if of == 0:
        return ShareEstimate(count, of, None, None, None)
    low, high = proportion_confint(count, of, alpha=1 - CONFIDENCE, method="wilson")
    # Wilson's bounds are exactly 0 at no successes and 1 at all; rounding left 5.55e-17,
    # printed as "95% Wilson CI 5.55e-15% to 56.1%" for 0 of 3.
    low, high = (0.0 if count == 0 else float(low)), (1.0 if count == of else float(high))
    return ShareEstimate(count, of, count / of, low, high)


def _gain_matrix(groups: dict[int, Curve], elites: list[TrialCurve], sign: float) -> tuple[np.ndarray, np.ndarray]:
    """Each elite's best-so-far gain over its first value, carried forward, on the elites' steps."""
    grid = np.unique(np.concatenate([groups[t.number][0] for t in elites]))
    gains = np.zeros((len(elites), len(grid)))
    for i, t in enumerate(elites):
        steps, values = groups[t.number]
        signed = sign * values
        so_far = np.maximum.accumulate(signed) - signed[0]
        at = np.searchsorted(steps, grid, side="right") - 1
        gains[i] = np.where(at >= 0, so_far[np.clip(at, 0, None)], 0.0)
    return grid, gains


def _first_reaching(grid: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Per row of ``totals`` (combined gain over ``grid``): the first step with GAIN_QUANTILE of the last."""
    target = GAIN_QUANTILE * totals[:, -1:]
    return grid[np.argmax(totals >= target - 1e-12 * np.abs(target), axis=1)]


def _budget(
    groups: dict[int, Curve], elites: list[TrialCurve], sign: float, seed: int
) -> tuple[int | None, int | None, int | None]:
    if not elites:
        return None, None, None
    grid, gains = _gain_matrix(groups, elites, sign)
    combined = gains.sum(axis=0, keepdims=True)
    if combined[0, -1] <= 0:
        return None, None, None  # the elites never improved on their first value
    budget = int(_first_reaching(grid, combined)[0])
    improving = int((gains[:, -1] > 0).sum())
    if improving < MIN_BUDGET_ELITES:
        return budget, None, None
    rng = sample_rng(seed, "learning_budget", [gains.ravel(), grid])
    weights = rng.multinomial(len(elites), np.full(len(elites), 1 / len(elites)), size=BUDGET_RESAMPLES)
    totals = weights @ gains
    valid = totals[:, -1] > 0
    reps = _first_reaching(grid, totals[valid])
    if not len(reps):
        return budget, None, None
    low, high = np.quantile(reps, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2], method="inverted_cdf")
    return budget, int(low), int(high)


def _fate_known_step(correlations: tuple[StepCorrelation, ...]) -> int | None:
    """The first step from which every later step's interval lies above ``FATE_KNOWN_RHO``:
    "from step s the ranks agree" must hold at every step after s too."""
    fate = None
    for c in reversed(correlations):
        if c.ci_low is None or not c.ci_low > FATE_KNOWN_RHO:
            break
        fate = c.step
    return fate


def _rank_correlations(
    snapshot: Snapshot, objective: int, groups: dict[int, Curve], states: dict[int, str]
) -> tuple[StepCorrelation, ...]:
    """Only COMPLETE trials: a pruned trial's "final" value is its value when pruned. A step at which
    every value is the final value (the objective is the last report) is left out: rho 1 there says
    nothing about when the ranks settled."""
    values = snapshot.values[snapshot.values["objective"] == objective]
    final = {
        int(n): float(v)
        for n, v in zip(values["number"], values["value"], strict=True)
        if states.get(int(n)) == "COMPLETE" and math.isfinite(float(v))
    }
    kept = [n for n in groups if n in final]
    if not kept:
        return ()
    # One stable sort by step instead of a pandas groupby: each step's rows stay in trial order.
    all_steps = np.concatenate([groups[n][0] for n in kept])
    all_values = np.concatenate([groups[n][1] for n in kept])
    all_final = np.repeat(np.array([final[n] for n in kept], dtype=float), [len(groups[n][0]) for n in kept])
    order = np.argsort(all_steps, kind="stable")
    all_steps, all_values, all_final = all_steps[order], all_values[order], all_final[order]
    distinct, starts = np.unique(all_steps, return_index=True)
    bounds = [*starts.tolist(), len(all_steps)]
    by_step = [
        (int(step), all_values[bounds[i] : bounds[i + 1]], all_final[bounds[i] : bounds[i + 1]])
        for i, step in enumerate(distinct.tolist())
    ]
    by_step = [(step, x, y) for step, x, y in by_step if len(x) >= MIN_RANK_N and not np.array_equal(x, y)]
    keep = even_positions(len(by_step), MAX_CORRELATION_STEPS)
    out = []
    for step, x, y in (by_step[int(i)] for i in keep):
        if np.array_equal(x, y):
            continue
        rho = None
        if np.ptp(x) > 0 and np.ptp(y) > 0:
            rho = float(stats.spearmanr(x, y).statistic)
        interval = fisher_z_interval(rho, len(x), perfect_as_next=True) if rho is not None else None
        out.append(
            StepCorrelation(
                step=step,
                rho=rho,
                ci_low=interval.low if interval else None,
                ci_high=interval.high if interval else None,
                n=len(x),
            )
        )
    return tuple(out)


def _pruned_checks(
    pruned: list[TrialCurve], groups: dict[int, Curve], elites: list[TrialCurve], sign: float
) -> tuple[PrunedTrialCheck, ...]:
    """Pruned trials at least as good, at their last step, as the weakest elite's latest value by then."""
    if not pruned or not elites:
        return ()
    # Pruned trials stop at a few distinct steps: the weakest elite (the first on ties) among
    # those that had reported by then, and their count, once per step, elite by elite; never
    # an (elites x pruned) matrix, which held hundreds of MB and grew with the square of the study.
    at = np.array([t.last_step for t in pruned], dtype=np.int64)
    distinct, step_of = np.unique(at, return_inverse=True)
    weakest = np.full(len(distinct), np.nan)
    weakest_signed = np.full(len(distinct), np.inf)
    counts = np.zeros(len(distinct), dtype=np.int64)
    for e in elites:
        steps, values = groups[e.number]
        index = np.searchsorted(steps, distinct, side="right") - 1
        reported = index >= 0
        latest = values[np.clip(index, 0, None)]
        weaker = reported & (sign * latest < weakest_signed)
        weakest = np.where(weaker, latest, weakest)
        weakest_signed = np.where(weaker, sign * latest, weakest_signed)
        counts += reported
    counts, weakest = counts[step_of], weakest[step_of]
    found = []
    for t, count, value in zip(pruned, counts.tolist(), weakest.tolist(), strict=True):
        if count and sign * t.last_value >= sign * value:
            found.append(PrunedTrialCheck(t.number, t.last_step, t.last_value, value, count))
    return tuple(found)
