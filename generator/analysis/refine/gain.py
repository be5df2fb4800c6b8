"""Expected gain of a refined space, measured by a surrogate instead of asserted.

The model is the importance section's additive functional-ANOVA surrogate (one main-effect
function per parameter, conditional parameters within their branch, ridge fit with GCV;
``importance/_fanova.fit_main_effects``), reused rather than a second model because

- it already handles what HPO studies have and generic regressors do not: conditional
  parameters (absent, not "missing at random"), log scales, categories, dynamic ranges;
- at 20 trials an additive model is about as much as the data can identify (a forest or a
  boosted model would interpolate the noise; the cross-validated R^2 below would show it);
- its bootstrap is one matrix product (``multiplier_bootstrap``), so intervals are cheap.

Its fit is checked honestly: K-fold cross-validation (``gain_cv_folds``, scikit-learn's
``KFold`` with a seeded shuffle), refitting the whole surrogate, penalty choice included, on
each training fold; R^2 of the pooled out-of-fold predictions (``sklearn.metrics.r2_score``).
Below ``gain_min_r2`` no number is given: the estimate is declared not trustworthy.

Otherwise ``gain_samples`` configurations are drawn from the old declared space and from each
refined space (``sampling.py``), the surrogate predicts each, and the report gives the mean
prediction and the mean of the best tenth, each with a 95% basic bootstrap interval over
``gain_resamples`` multiplier-bootstrap replicates of the surrogate (coefficients and
intercept), and the difference to the old space on the same replicates. The intervals are
the model's uncertainty; they do not cover the model being wrong in shape (interactions it
does not have, values beyond the old bounds, which it predicts as at the bound).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from threadpoolctl import threadpool_limits

from generator.analysis.importance import (
    ImportanceInput,
    MainEffects,
    ParamData,
    common_skip_reason,
    fit_main_effects,
    multiplier_bootstrap,
    predict_main_effects,
    rademacher,
)
from generator.analysis.importance._fanova import cross_validated_r2 as fanova_cv_r2
from generator.analysis.params import ParamSpec
from generator.analysis.refine.sampling import sample_space
from generator.config import AnalysisConfig
from generator.model.next_sweep import DECLARED, ExpectedGain, RefinedParam, SpaceEstimate

MODEL = "fanova_main_effects"
TOP_FRACTION = 0.1
"""The "top decile": what the best tenth of a sweep's configurations would score."""
INTERVAL = "multiplier_bootstrap"
POOR_FIT = "poor_fit"


def expected_gain(
    data: ImportanceInput,
    specs: dict[str, ParamSpec],
    spaces: dict[str, tuple[RefinedParam, ...]],
    config: AnalysisConfig,
) -> ExpectedGain:
    """Predicted mean and top-decile objective of each space in ``spaces`` (the declared one
    first), or why there is no trustworthy estimate."""
    folds = min(config.gain_cv_folds, data.n)

    def result(skipped: str | None, r2: float | None, estimates: tuple[SpaceEstimate, ...] = ()) -> ExpectedGain:
        return ExpectedGain(
            model=MODEL,
            n=data.n,
            cv_folds=folds,
            cv_r2=r2,
            min_r2=config.gain_min_r2,
            trustworthy=skipped is None,
            skipped=skipped,
            samples=config.gain_samples,
            resamples=config.gain_resamples,
            interval=INTERVAL if skipped is None else None,
            top_fraction=TOP_FRACTION,
            estimates=estimates,
        )

    reason = common_skip_reason(data)
    if reason is not None or folds < 2:
        return result(reason or "too_few_trials", None)
    # Small matrices: BLAS threads only add hand-offs (see importance/_fanova.py).
    with threadpool_limits(limits=1, user_api="blas"):
        r2 = cross_validated_r2(data, folds)
        if not r2 >= config.gain_min_r2:
            return result(POOR_FIT, r2)
        return result(None, r2, _estimates(data, specs, spaces, config))


def cross_validated_r2(data: ImportanceInput, folds: int) -> float:
    """R^2 of out-of-fold predictions, the surrogate refitted from scratch on every fold: the
    importance stage's own gate (one number for both sections)."""
    return fanova_cv_r2(data, folds)


def subset(data: ImportanceInput, rows: np.ndarray) -> ImportanceInput:
    """The same input restricted to ``rows`` (in their order)."""
    return replace(
        data,
        numbers=data.numbers[rows],
        values=data.values[rows],
        params={k: _rows(p, rows) for k, p in data.params.items()},
    )


def _rows(param: ParamData, rows: np.ndarray) -> ParamData:
    return ParamData(param.spec, param.present[rows], param.numeric[rows], param.keys[rows], param.distributions[rows])


def _estimates(
    data: ImportanceInput,
    specs: dict[str, ParamSpec],
    spaces: dict[str, tuple[RefinedParam, ...]],
    config: AnalysisConfig,
) -> tuple[SpaceEstimate, ...]:
    main = fit_main_effects(data)
    signs = rademacher(data.rng("expected_gain:bootstrap"), data.n, config.gain_resamples)
    coef = multiplier_bootstrap(main.design, main.fit, signs)
    # The intercept's replicate: the mean of the same sign-flipped residuals.
    intercepts = main.intercept + _sign_means(signs, main.fit.residuals)
    presence = {
        name: spec.n_present / spec.n_structure
        for name, spec in specs.items()
        if spec.condition is None and not spec.always_present and spec.n_structure
    }
    sign = 1.0 if data.direction == "maximize" else -1.0
    summaries = {}
    for name, entries in spaces.items():
        sampled = sample_space(
            entries,
            specs,
            config.gain_samples,
            data.rng(f"expected_gain:sample:{name}"),
            presence if name == DECLARED else None,
        )
        point = predict_main_effects(main, sampled.params, config.gain_samples)
        replicated = _predict_replicates(main, sampled.params, config.gain_samples, coef, intercepts)
        summaries[name] = (point, replicated, float(sampled.clipped.mean()))
    base_point, base_reps, _ = summaries[DECLARED]
    base_mean, base_top = base_reps.mean(axis=0), top_mean(base_reps, sign)
    estimates = []
    for name, (point, reps, clipped) in summaries.items():
        mean_reps, top_reps = reps.mean(axis=0), top_mean(reps, sign)
        gain: dict[str, float | None] = dict.fromkeys(
            ("gain_mean", "gain_mean_low", "gain_mean_high", "gain_top", "gain_top_low", "gain_top_high")
        )
        if name != DECLARED:
            gm, gt = float(point.mean() - base_point.mean()), float(top_mean(point, sign) - top_mean(base_point, sign))
            (gml, gmh), (gtl, gth) = _interval(mean_reps - base_mean, gm), _interval(top_reps - base_top, gt)
            gain = dict(
                gain_mean=gm, gain_mean_low=gml, gain_mean_high=gmh, gain_top=gt, gain_top_low=gtl, gain_top_high=gth
            )
        mean, top = float(point.mean()), float(top_mean(point, sign))
        (ml, mh), (tl, th) = _interval(mean_reps, mean), _interval(top_reps, top)
        estimates.append(
            SpaceEstimate(
                space=name,
                n_samples=config.gain_samples,
                mean=mean,
                mean_low=ml,
                mean_high=mh,
                top=top,
                top_low=tl,
                top_high=th,
                share_clipped=clipped,
                **gain,
            )
        )
    return tuple(estimates)


def _sign_means(signs: np.ndarray, residuals: np.ndarray, chunk: int = 100) -> np.ndarray:
    """Per replicate (column of ``signs``), the mean of the sign-flipped residuals, a block of
    replicates at a time: never the whole trials x replicates float matrix. Each column is
    summed over the trials in the same order as on the whole matrix, so the means are the same;
    a block is never one column wide, as numpy sums a lone column in another order."""
    width = signs.shape[1]
    starts = list(range(0, width, chunk))
    if len(starts) > 1 and width - starts[-1] == 1:
        starts.pop()
    bounds = [*starts, width]
    out = np.empty(width)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        out[start:stop] = (signs[:, start:stop] * residuals[:, None]).mean(axis=0)
    return out


def _predict_replicates(
    main: MainEffects, params: dict[str, ParamData], n: int, coef: np.ndarray, intercepts: np.ndarray
) -> np.ndarray:
    """(n, R) predictions, one column per bootstrap replicate of the surrogate."""
    return predict_main_effects(main, params, n, coef) - main.intercept + intercepts[None, :]


def top_mean(predictions: np.ndarray, sign: float) -> np.ndarray:
    """Mean of the best TOP_FRACTION of ``predictions`` (per column for a matrix), best by ``sign``."""
    k = max(1, math.ceil(TOP_FRACTION * predictions.shape[0] - 1e-9))
    ordered = np.sort(sign * predictions, axis=0)
    return sign * ordered[-k:].mean(axis=0)


def _interval(replicates: np.ndarray, point: float) -> tuple[float, float]:
    """The basic bootstrap interval (2 x point - upper quantile, 2 x point - lower quantile), as
    the importance intervals use. A top-tenth mean is biased upward by every bit of noise in the
    coefficients, and the replicates carry the fit's noise once more; the basic interval
    reflects that shift back instead of repeating it, as a percentile interval would.

    When the shift is larger than the interval's half-width, the basic interval lies wholly on
    one side of the estimate, and a report would print a number outside its own interval. The
    interval is then stretched to the estimate: the reader sees the estimate and how far its
    bias may reach, never a range that excludes what is printed beside it."""
    low, high = np.quantile(replicates, [0.025, 0.975])
    basic_low, basic_high = float(2 * point - high), float(2 * point - low)
    return min(basic_low, float(point)), max(basic_high, float(point))
