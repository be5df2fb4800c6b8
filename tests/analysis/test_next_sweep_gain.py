"""Expected gain: the surrogate's prediction, its cross-validated fit, sampling, and the rule
that an untrustworthy fit gives no number."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from generator.analysis.importance import fit_main_effects, predict_main_effects, prepare_input
from generator.analysis.params import param_specs
from generator.analysis.refine.entries import declared_entry
from generator.analysis.refine.gain import cross_validated_r2, expected_gain, top_mean
from generator.analysis.refine.sampling import sample_space
from generator.config import AnalysisConfig
from generator.model.next_sweep import AGGRESSIVE, CONSERVATIVE, DECLARED, TUNE, RefinedParam
from generator.render.documents import findings_markdown
from tests.snapshot_compare import snapshot_of_study
from tests.studies import SEED_DISTRIBUTIONS, add, no_signal, seed_shaped, seed_shaped_trials
from tests.synthetic import float_input

CONFIG = AnalysisConfig(gain_samples=4000, gain_resamples=200)


def linear_input(n: int = 40, noise: float = 0.01, seed: int = 0):  # type: ignore[no-untyped-def]
    """y = x0 on [0, 1] (maximize) plus a little noise, and a nuisance x1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n, 2))
    return float_input(x, x[:, 0] + rng.normal(0.0, noise, n), 0.0, 1.0, direction="maximize", config=CONFIG)


def x_entry(low: float, high: float) -> RefinedParam:
    return RefinedParam("x0", "continuous", TUNE, "float", low=low, high=high)


def test_the_surrogate_predicts_its_own_fitted_values() -> None:
    data = linear_input()
    main = fit_main_effects(data)
    fitted = data.values - main.fit.residuals
    assert np.allclose(predict_main_effects(main, data.params, data.n), fitted)
    # With coefficient replicates: one column each, the first equal to the point fit's.
    coef = np.column_stack([main.fit.coef, 2 * main.fit.coef])
    both = predict_main_effects(main, data.params, data.n, coef)
    assert both.shape == (data.n, 2) and np.allclose(both[:, 0], fitted)


def test_gain_of_a_planted_signal_is_recovered_with_an_interval() -> None:
    data = linear_input()
    specs = {name: p.spec for name, p in data.params.items()}
    declared = tuple(declared_entry(s) for s in specs.values())
    nuisance = declared[1]
    spaces = {
        DECLARED: declared,
        AGGRESSIVE: (x_entry(0.5, 1.0), nuisance),  # the better half: true mean 0.75, gain +0.25
        CONSERVATIVE: (x_entry(0.0, 2.0), nuisance),  # half its draws lie beyond the old bound 1
    }
    gain = expected_gain(data, specs, spaces, CONFIG)
    assert gain.trustworthy and gain.cv_r2 is not None and gain.cv_r2 > 0.95
    by_space = {e.space: e for e in gain.estimates}
    old, better, wider = by_space[DECLARED], by_space[AGGRESSIVE], by_space[CONSERVATIVE]
    assert old.mean == pytest.approx(0.5, abs=0.03) and better.mean == pytest.approx(0.75, abs=0.03)
    assert old.top == pytest.approx(0.95, abs=0.03)  # the best tenth of U[0, 1]
    assert better.gain_mean == pytest.approx(0.25, abs=0.03)
    assert better.gain_mean_low < 0.25 < better.gain_mean_high  # type: ignore[operator]
    assert old.mean_low <= old.mean <= old.mean_high and old.gain_mean is None
    # Beyond the old bound the surrogate predicts the bound: x in [1, 2] counts as 1.
    assert wider.share_clipped == pytest.approx(0.5, abs=0.03) and old.share_clipped == 0.0
    assert wider.mean == pytest.approx(0.5 * 0.5 + 0.5 * 1.0, abs=0.04)


def test_a_poor_fit_gives_no_number(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0.0, 1.0, size=(30, 2))
    noise = float_input(x, rng.normal(0.0, 1.0, 30), 0.0, 1.0, direction="maximize", config=CONFIG)
    specs = {name: p.spec for name, p in noise.params.items()}
    declared = tuple(declared_entry(s) for s in specs.values())
    gain = expected_gain(noise, specs, {DECLARED: declared, AGGRESSIVE: declared, CONSERVATIVE: declared}, CONFIG)
    assert gain.cv_r2 is not None and gain.cv_r2 < CONFIG.gain_min_r2
    assert (gain.trustworthy, gain.skipped, gain.estimates, gain.interval) == (False, "poor_fit", (), None)
    # The report says so instead of printing numbers.
    study = optuna.create_study(study_name="noise", direction="maximize")
    no_signal(study)
    from generator.analysis.assemble import analyse

    findings = analyse(snapshot_of_study(study, tmp_path), AnalysisConfig(n_bootstrap=100), "test")
    assert findings.next_sweep is not None and not findings.next_sweep.expected_gain.trustworthy
    section = findings_markdown(findings, "v").split("### Expected gain (model estimate)")[1]
    section = section.split("## Warnings")[0]
    assert "Predicted mean" not in section
    assert "Not trustworthy" in section or "No estimate" in section


def test_too_few_trials_give_no_estimate() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0.0, 1.0, size=(4, 1))
    data = float_input(x, x[:, 0], 0.0, 1.0, direction="maximize", config=CONFIG)
    specs = {name: p.spec for name, p in data.params.items()}
    declared = tuple(declared_entry(s) for s in specs.values())
    gain = expected_gain(data, specs, {DECLARED: declared}, CONFIG)
    assert (gain.skipped, gain.cv_r2, gain.estimates) == ("too_few_trials", None, ())


def test_cross_validation_refits_and_sees_noise() -> None:
    # Pure noise: out of sample the surrogate explains nothing (R^2 near or below 0), although the
    # in-sample fit always explains something.
    rng = np.random.default_rng(5)
    x = rng.uniform(0.0, 1.0, size=(40, 3))
    noise = float_input(x, rng.normal(0.0, 1.0, 40), 0.0, 1.0, config=CONFIG)
    assert cross_validated_r2(noise, 5) < 0.1
    assert cross_validated_r2(linear_input(noise=0.05), 5) > 0.9


def test_top_mean_follows_the_direction() -> None:
    values = np.arange(100, dtype=float)
    assert top_mean(values, 1.0) == pytest.approx(np.mean(np.arange(90, 100)))
    assert top_mean(values, -1.0) == pytest.approx(np.mean(np.arange(10)))
    columns = np.column_stack([values, 2 * values])
    assert np.allclose(top_mean(columns, 1.0), [94.5, 189.0])


def test_sampling_respects_conditions_and_log_scales(tmp_path: Path) -> None:
    study = optuna.create_study(study_name="s", direction="maximize")
    seed_shaped(study)
    specs = param_specs(snapshot_of_study(study, tmp_path))
    declared = tuple(declared_entry(s) for s in specs.values())
    sampled = sample_space(declared, specs, 4000, np.random.default_rng(0))
    encoder = sampled.params["encoder_type"].keys
    cnn = encoder == '"cnn"'
    assert 0.45 < cnn.mean() < 0.55 and sampled.params["encoder_type"].present.all()
    for name in ("depth", "width_mult"):
        assert (sampled.params[name].present == cnn).all()
    for name in ("ctx_n_head", "ctx_dropout", "ctx_d_model"):
        assert (sampled.params[name].present == ~cnn).all()
    lr = sampled.params["lr"].numeric
    assert ((5e-5 <= lr) & (lr <= 1e-2)).all()
    below = float((lr < math.sqrt(5e-5 * 1e-2)).mean())  # log-uniform: half below the geometric mean
    assert abs(below - 0.5) < 4 * math.sqrt(0.25 / 4000)
    depth = sampled.params["depth"].numeric[cnn]
    assert set(np.unique(depth)) == {2.0, 3.0, 4.0, 5.0, 6.0}
    assert not sampled.clipped.any()


def test_expected_gain_ignores_trial_order_and_failed_trials(tmp_path: Path) -> None:
    def build(order: list[int], failed: bool) -> object:
        study = optuna.create_study(study_name="s", direction="maximize")
        trials = seed_shaped_trials()
        for i in order:
            params, value = trials[i]
            add(study, params, {k: SEED_DISTRIBUTIONS[k] for k in params}, value)
            if failed and i == order[3]:
                add(study, {"lr": 1e-3}, {"lr": SEED_DISTRIBUTIONS["lr"]}, state=TrialState.FAIL)
        folder = tmp_path / f"{order[0]}-{failed}"
        folder.mkdir()
        snapshot = snapshot_of_study(study, folder)
        specs = param_specs(snapshot)
        data = prepare_input(snapshot, CONFIG)
        declared = tuple(declared_entry(s) for _, s in sorted(specs.items()))
        narrower = tuple(
            e
            if e.name != "depth"
            else RefinedParam("depth", "integer", TUNE, "int", low=4, high=6, step=1, condition=e.condition)
            for e in declared
        )
        return expected_gain(data, specs, {DECLARED: declared, AGGRESSIVE: narrower}, CONFIG)

    forward = build(list(range(20)), failed=False)
    assert build(list(reversed(range(20))), failed=True) == forward
    assert forward.estimates  # type: ignore[attr-defined]


def test_a_bias_larger_than_the_interval_stretches_it_to_the_printed_estimate() -> None:
    """Replicates shifted well above the estimate put the basic interval below it; the report
    must never print a number outside its own interval, so the interval reaches the estimate."""
    import numpy as np

    from generator.analysis.refine.gain import _interval

    replicates = np.linspace(1.10, 1.20, 401)
    low, high = _interval(replicates, 1.0)
    assert (low, high) == (pytest.approx(2 * 1.0 - np.quantile(replicates, 0.975)), 1.0)
    centred = _interval(np.linspace(0.9, 1.1, 401), 1.0)
    assert centred == pytest.approx((0.905, 1.095))
