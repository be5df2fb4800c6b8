"""The pieces under the fanova importance, each against an independent computation:
the centered design's algebra (dense numpy), the ridge fit (scikit-learn's Ridge), the basis
moments (numerical integration), the branch probabilities (counting), the intervals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Ridge

from generator.analysis.importance import prepare_input
from generator.analysis.importance._design import Branches, hat_moments, integer_weight, main_basis
from generator.analysis.importance._fanova import fit_main_effects
from generator.analysis.importance._intervals import normalized_shares
from generator.analysis.importance._linear import (
    Component,
    Design,
    multiplier_bootstrap,
    rademacher,
    ridge_gcv,
)
from generator.analysis.params import ParamSpec
from generator.config import AnalysisConfig
from tests.snapshot_compare import snapshot_of_study
from tests.studies import AWKWARD
from tests.synthetic import conditional_depth_study


def random_design(rng: np.random.Generator, n: int = 40) -> tuple[Design, np.ndarray]:
    basis = sp.random(n, 7, density=0.4, random_state=1, format="csr")
    presence = sp.csr_matrix((rng.random((n, 2)) < 0.7).astype(float))
    means = np.zeros((2, 7))
    means[0, :3] = rng.random(3)
    means[1, 3:6] = rng.random(3)
    dense = basis.toarray() - presence.toarray() @ means
    return Design(basis, presence, means, ()), dense - dense.mean(axis=0)


def test_centered_design_algebra_equals_dense() -> None:
    rng = np.random.default_rng(0)
    design, dense = random_design(rng)
    v = rng.normal(size=(40, 3))
    c = rng.normal(size=7)
    np.testing.assert_allclose(design.gram(), dense.T @ dense, atol=1e-12)
    np.testing.assert_allclose(design.rmatmul(v), dense.T @ v, atol=1e-12)
    np.testing.assert_allclose(design.matmul(c), dense @ c, atol=1e-12)
    np.testing.assert_allclose(design.rows(5, 17), dense[5:17], atol=1e-12)


def test_ridge_fit_equals_sklearn_at_the_chosen_penalty() -> None:
    rng = np.random.default_rng(1)
    design, dense = random_design(rng, n=60)
    y = dense @ rng.normal(size=7) + rng.normal(scale=0.3, size=60) + 5.0
    fit = ridge_gcv(design, y)
    # The penalty, from the inverse: (XᵀX + λI)⁻¹ has eigenvalues 1 / (e + λ).
    lam = float(np.mean(np.linalg.eigvalsh(np.linalg.inv(fit.inverse)) - np.linalg.eigvalsh(dense.T @ dense)))
    reference = Ridge(alpha=lam, fit_intercept=True).fit(dense, y)
    np.testing.assert_allclose(fit.coef, reference.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.residuals, y - reference.predict(dense), atol=1e-8)
    assert 0 < fit.df <= 30


def test_multiplier_bootstrap_perturbs_the_estimating_equation() -> None:
    rng = np.random.default_rng(2)
    design, dense = random_design(rng, n=50)
    y = dense @ rng.normal(size=7) + rng.normal(size=50) * np.linspace(0.2, 2.0, 50)
    fit = ridge_gcv(design, y)
    signs = rademacher(rng, 50, 20_000)
    replicates = multiplier_bootstrap(design, fit, signs)
    adjusted = fit.residuals / (1 - np.einsum("ij,jk,ik->i", dense, fit.inverse, dense))
    for b in range(3):
        np.testing.assert_allclose(
            replicates[:, b], fit.coef + fit.inverse @ dense.T @ (signs[:, b] * adjusted), atol=1e-9
        )
    sandwich = fit.inverse @ dense.T @ np.diag(adjusted**2) @ dense @ fit.inverse
    np.testing.assert_allclose(np.cov(replicates), sandwich, atol=0.03 * np.abs(sandwich).max())


def test_hat_moments_equal_numerical_integration() -> None:
    knots = np.array([0.0, 0.5, 1.5, 3.0])
    mean, cov = hat_moments(knots)
    x = np.linspace(0.0, 3.0, 300_001)
    hats = np.stack([np.interp(x, knots, np.eye(4)[k]) for k in range(4)])
    np.testing.assert_allclose(mean, hats.mean(axis=1), atol=1e-5)
    np.testing.assert_allclose(cov, np.cov(hats, bias=True), atol=1e-5)


def test_component_variance_is_the_variance_of_the_fitted_function() -> None:
    knots = np.linspace(-math.pi, math.pi, 16)
    mean, cov = hat_moments(knots)
    x = np.linspace(-math.pi, math.pi, 200_001)
    hats = np.stack([np.interp(x, knots, np.eye(16)[k]) for k in range(16)], axis=1)
    coef = np.linalg.lstsq(hats, np.sin(2 * x), rcond=None)[0]
    component = Component("x", slice(0, 16), cov, 0.5, mean)
    assert component.variance(coef) == pytest.approx(0.5 * (hats @ coef).var(), rel=1e-4)
    # Var(sin 2x) = 1/2, times the branch weight; 15 intervals lose 0.1% of it
    assert component.variance(coef) == pytest.approx(0.5 * 0.5, rel=0.002)


def test_log_integers_weigh_values_as_optuna_samples_them() -> None:
    spec = ParamSpec("u", "integer", "int", 1.0, 8.0, True, 1.0, (), 1, 1, 1, None)
    weights = np.array([integer_weight(spec, v) for v in range(1, 9)])
    draws = np.round(np.exp(np.random.default_rng(0).uniform(math.log(0.5), math.log(8.5), 400_000)))
    counts = np.bincount(draws.astype(int), minlength=9)[1:] / len(draws)
    np.testing.assert_allclose(weights / weights.sum(), counts, atol=3e-3)


def test_branch_probabilities_follow_the_declared_parents(tmp_path: Path) -> None:
    import optuna

    study = optuna.create_study(direction="maximize", study_name="c")
    AWKWARD["conditional"][0](study)
    data = prepare_input(snapshot_of_study(study, tmp_path), AnalysisConfig())
    branches = Branches(data)
    assert branches.probability(["depth"]) == 0.5 and branches.probability(["ctx_dropout"]) == 0.5
    assert branches.probability(["depth", "ctx_dropout"]) == 0.0
    assert branches.probability(["depth", "batch_size"]) == 0.5
    assert branches.ancestors("depth") == {"encoder_type"}


def test_a_conditional_effect_is_centered_within_its_branch(tmp_path: Path) -> None:
    """The branch's mean shift belongs to the parent: the child's fitted effect averages to 0
    over its own declared range, whatever the parent's effect."""
    study = conditional_depth_study(200, np.random.default_rng(3))
    data = prepare_input(snapshot_of_study(study, tmp_path), AnalysisConfig())
    main = fit_main_effects(data)
    depth = next(c for c in main.design.components if c.name == "depth")
    basis = main.bases["depth"]
    assert basis is not None and basis.levels == tuple(json.dumps(v) for v in range(2, 10))
    effect = main.fit.coef[depth.columns] - basis.mean @ main.fit.coef[depth.columns]
    assert basis.mean @ effect == pytest.approx(0.0, abs=1e-12)
    slope = np.polyfit(np.arange(2, 10), effect, 1)[0]
    assert slope == pytest.approx(0.03, abs=0.003)
    assert depth.weight == 0.5


def test_a_parameter_missing_without_a_parent_keeps_its_mean_shift_apart(tmp_path: Path) -> None:
    """Two sweep stages tuned different parameters at different levels: the stage shift must
    not be read as either parameter's effect."""
    import optuna
    from optuna.distributions import FloatDistribution
    from optuna.trial import create_trial

    rng = np.random.default_rng(4)
    trials = []
    for i in range(120):
        if i % 2:
            x = float(rng.uniform())
            trials.append(create_trial(params={"a": x}, distributions={"a": FloatDistribution(0, 1)}, value=10 + x))
        else:
            x = float(rng.uniform())
            trials.append(
                create_trial(
                    params={"b": x},
                    distributions={"b": FloatDistribution(0, 1)},
                    value=0.0 + 0.0 * x + rng.normal(0, 0.01),
                )
            )
    study = optuna.create_study(study_name="stages")
    study.add_trials(trials)
    data = prepare_input(snapshot_of_study(study, tmp_path), AnalysisConfig())
    assert data.params["a"].spec.condition is None and not data.params["a"].present.all()
    main = fit_main_effects(data)
    variances = {c.name: float(c.variance(main.fit.coef)) for c in main.design.components}
    # a: Var(x) = 1/12 within its stage, weight 1/2; b: nothing
    assert variances["a"] == pytest.approx(0.5 / 12, rel=0.1)
    assert variances["b"] < 1e-3


def test_normalized_shares_reach_zero_for_a_noise_parameter() -> None:
    rng = np.random.default_rng(5)
    # A noise parameter's variance: the estimate is pure noise (0.02) and its resamples carry
    # that noise twice (mean 0.04), as a quadratic form of noisy coefficients does.
    estimate = np.array([4.0, 0.02])
    replicates = np.vstack([4.0 + rng.normal(0, 0.2, 500), rng.gamma(2.0, 0.02, 500)])
    point, low, high = normalized_shares(estimate, replicates, bias_correct=True)
    assert point.sum() == pytest.approx(1.0)
    assert low[1] == 0.0 and point[1] == 0.0 and high[1] > 0
    assert low[0] <= point[0] <= high[0] <= 1.0


def test_main_basis_kinds() -> None:
    def param(spec: ParamSpec):
        from generator.analysis.importance import ParamData

        return ParamData(
            spec, np.ones(2, bool), np.array([1.0, 2.0]), np.array(["1", "2"], dtype=object), np.array([None, None])
        )

    short = main_basis(param(ParamSpec("d", "integer", "int", 2.0, 6.0, False, 1.0, (), 1, 2, 2, None)), 16)
    long = main_basis(param(ParamSpec("d", "integer", "int", 1.0, 100.0, False, 1.0, (), 1, 2, 2, None)), 16)
    log = main_basis(param(ParamSpec("lr", "continuous", "float", 1e-5, 1e-1, True, None, (), 1, 2, 2, None)), 16)
    one = main_basis(
        param(ParamSpec("c", "categorical", "categorical", None, None, False, None, ("a",), 1, 2, 2, None)), 16
    )
    assert short is not None and short.levels == ("2", "3", "4", "5", "6")
    assert long is not None and long.knots is not None and len(long.knots) == 16
    assert log is not None and log.knots is not None and (log.knots[0], log.knots[-1]) == (-5.0, -1.0)
    assert one is None
