"""Tiny studies (2 or 3 complete trials, as in the shared journal logs) must not say more than
they can: no power sentence with "n/a" where a number belongs, no boundary hit at a bound every
trial sits at."""

from __future__ import annotations

from pathlib import Path

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState

from generator.analysis.assemble import analyse
from generator.config import AnalysisConfig
from generator.render.documents import findings_markdown
from tests.snapshot_compare import snapshot_of_study
from tests.studies import add

CONFIG = AnalysisConfig(n_bootstrap=50, importance_resamples=20, top_quantile_resamples=2, charts=False)


def _report(study: optuna.Study, tmp_path: Path) -> tuple[object, str]:
    findings = analyse(snapshot_of_study(study, tmp_path), CONFIG, "test")
    return findings, findings_markdown(findings, "v")


def test_three_trials_say_no_effect_could_have_been_found(tmp_path: Path) -> None:
    """optuna_dashboard_journal.log's example-study: "the smallest |rho| detectable at 80% power
    is n/a: smaller effects may exist unseen" and "takes |rho| of at least n/a"."""
    study = optuna.create_study(study_name="tiny", direction="minimize")
    for x, value in ((2.3, 0.09), (8.3, 39.3), (-1.2, 10.0)):
        add(study, {"x": x}, {"x": FloatDistribution(-10, 10)}, value)
    _, markdown = _report(study, tmp_path)
    assert "n/a: smaller effects" not in markdown and "at least n/a" not in markdown
    assert markdown.count("a real effect of any size is likely to be missed") == 2


def test_a_bound_every_trial_took_is_no_boundary_finding(tmp_path: Path) -> None:
    """tomotwin's 3D_UNet_Optimization: 2 complete trials, both with filters 32 of (32, 64), and
    3 failures; the best trial "sat at the low bound" and a warning said the optimum may lie
    beyond it, beside "took a single value, so it cannot be tested"."""
    study = optuna.create_study(study_name="unet", direction="minimize")
    dists = {
        "filters": CategoricalDistribution([32, 64]),
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "optimizer": CategoricalDistribution(["Adam", "SGD", "RMSprop"]),
    }
    add(study, {"filters": 32, "lr": 0.0038, "optimizer": "Adam"}, dists, 0.0123)
    add(study, {"filters": 32, "lr": 0.0099, "optimizer": "RMSprop"}, dists, 0.0118)
    for _ in range(3):
        add(study, {"filters": 64, "lr": 0.001, "optimizer": "SGD"}, dists, state=TrialState.FAIL)
    findings, markdown = _report(study, tmp_path)
    assert findings.boundary_hits == ()  # type: ignore[attr-defined]
    codes = {w.code for w in findings.warnings}  # type: ignore[attr-defined]
    assert "single_value_param" in codes and not codes & {"boundary_hit", "boundary_best_trial"}
    assert "the optimum may lie beyond" not in markdown


def test_one_elite_curve_is_not_read_as_a_budget(tmp_path: Path) -> None:
    """3D_UNet_Optimization's curves: one elite, so no interval, yet "a budget of that many steps
    keeps most of what the elites gained" was printed."""
    study = optuna.create_study(study_name="curves", direction="minimize")
    dist = {"lr": FloatDistribution(1e-5, 1e-1, log=True)}
    for lr, final in ((0.0099, 0.0118), (0.0038, 0.0123)):
        curve = {s: final + 0.004 / (s + 1) for s in range(5)}
        add(study, {"lr": lr}, dist, final, intermediate=curve)
    findings, markdown = _report(study, tmp_path)
    curves = findings.learning_curves  # type: ignore[attr-defined]
    assert curves is not None and curves.recommended_ci_low is None
    assert "fewer than 3 elites improved at all, too few for an interval" in markdown
    assert "a budget of that many steps keeps most" not in markdown
