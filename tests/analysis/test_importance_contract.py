"""The contract every importance method passes, like optuna/testing/pytest_importance.py.

Each test runs once per evaluator in ``EVALUATORS``: awkward studies give importances or a
stated reason, values are shares with intervals around them, and nothing but the analysed
trials' content matters (trial order, failed / pruned / running / infinite trials, reruns).
A new method joins by adding one line to ``EVALUATORS``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial
from scipy import stats
from sklearn.metrics import mutual_info_score

from generator.analysis.importance import (
    EliteMutualInfoEvaluator,
    FanovaEvaluator,
    ImportanceEvaluator,
    ImportanceInput,
    PedAnovaEvaluator,
    prepare_input,
)
from generator.config import AnalysisConfig
from generator.model.findings import Condition
from tests.snapshot_compare import snapshot_of_study
from tests.studies import AWKWARD, add
from tests.synthetic import conditional_depth_study

EVALUATORS: dict[str, Callable[[], ImportanceEvaluator]] = {
    "fanova": lambda: FanovaEvaluator(resamples=100, interaction_params=3),
    "ped_anova": lambda: PedAnovaEvaluator(quantile=0.25, resamples=8),
    "elite_mutual_info": lambda: EliteMutualInfoEvaluator(quantile=0.25, resamples=50),
}
REASONS = {"too_few_trials", "no_parameters", "no_varying_parameters", "constant_objective", "no_predictive_power"}


@pytest.fixture(params=sorted(EVALUATORS))
def evaluator(request: pytest.FixtureRequest) -> ImportanceEvaluator:
    return EVALUATORS[request.param]()


def data_of(study: optuna.Study, tmp: Path, config: AnalysisConfig | None = None) -> ImportanceInput:
    return prepare_input(snapshot_of_study(study, tmp), config or AnalysisConfig())


def memory_study(trials: list[optuna.trial.FrozenTrial], direction: str = "maximize", name: str = "s") -> optuna.Study:
    study = optuna.create_study(direction=direction, study_name=name)
    study.add_trials(trials)
    return study


def conditional_trials(n: int = 48) -> list[optuna.trial.FrozenTrial]:
    return conditional_depth_study(n, np.random.default_rng(7)).trials


def assert_valid(result, data: ImportanceInput) -> None:
    """Either one value in [0, 1] per parameter with an interval around it (summing to 1 on
    the ``normalized`` scale), or nothing and a reason."""
    if result.summary.skipped is not None:
        assert result.importances == ()
        return
    assert [i.param for i in result.importances] == sorted(data.params)
    total = 0.0
    for i in result.importances:
        assert 0.0 <= i.importance <= 1.0
        assert i.n == data.params[i.param].n_present
        assert i.condition == data.params[i.param].spec.condition
        if i.ci_low is not None:
            assert 0.0 <= i.ci_low <= i.importance + 1e-12 <= i.ci_high + 2e-12 <= 1.0 + 2e-12, i
        total += i.importance
    if result.summary.scale == "normalized":
        assert math.isclose(total, 1.0, abs_tol=1e-9) or total == 0.0


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_studies_give_importances_or_a_reason(
    evaluator: ImportanceEvaluator, name: str, tmp_path: Path
) -> None:
    builder, directions = AWKWARD[name]
    study = optuna.create_study(directions=directions, study_name=name)
    builder(study)
    data = data_of(study, tmp_path)
    result = evaluator.evaluate(data)
    assert_valid(result, data)
    assert result.summary.method == evaluator.method and result.summary.n == data.n
    if not result.importances:
        assert result.summary.skipped in REASONS
    if name in ("empty", "all_failed", "pruned_only"):
        assert result.summary.skipped == "too_few_trials"


def test_conditional_study_states_each_branch(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    data = data_of(memory_study(conditional_trials()), tmp_path)
    result = evaluator.evaluate(data)
    assert_valid(result, data)
    by_param = {i.param: i for i in result.importances}
    assert by_param["depth"].condition == Condition("encoder_type", "cnn")
    assert by_param["ctx_heads"].condition == Condition("encoder_type", "context")
    assert by_param["depth"].n + by_param["ctx_heads"].n == data.n
    assert by_param["depth"].importance > by_param["ctx_heads"].importance


def test_trial_order_changes_nothing(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    trials = conditional_trials()
    shuffled = trials[:]
    random.Random(3).shuffle(shuffled)
    first = evaluator.evaluate(data_of(memory_study(trials, name="a"), tmp_path))
    second = evaluator.evaluate(data_of(memory_study(shuffled, name="b"), tmp_path))
    assert first == second


def test_unfinished_failed_and_infinite_trials_change_nothing(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    trials = conditional_trials()
    base = evaluator.evaluate(data_of(memory_study(trials, name="a"), tmp_path))
    extra = []
    for state in (TrialState.FAIL, TrialState.PRUNED, TrialState.RUNNING):
        template = trials[len(extra)]
        extra.append(create_trial(state=state, params=template.params, distributions=template.distributions))
    for value in (math.inf, -math.inf):
        template = trials[len(extra)]
        extra.append(create_trial(params=template.params, distributions=template.distributions, value=value))
    noisy = evaluator.evaluate(data_of(memory_study(trials + extra, name="b"), tmp_path))
    assert noisy == base


def test_same_input_same_output(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    study = memory_study(conditional_trials())
    assert evaluator.evaluate(data_of(study, tmp_path)) == evaluator.evaluate(data_of(study, tmp_path))


def test_config_seed_reseeds_only_the_intervals(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    data = data_of(memory_study(conditional_trials()), tmp_path)
    first = evaluator.evaluate(data)
    other = evaluator.evaluate(replace(data, config=AnalysisConfig(seed=1)))
    assert [i.param for i in first.importances] == [i.param for i in other.importances]
    assert [i.ci_high for i in first.importances] != [i.ci_high for i in other.importances]
    for a, b in zip(first.importances, other.importances, strict=True):
        assert a.importance == pytest.approx(b.importance, abs=0.05)


def test_one_trial_is_too_few(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    study = memory_study([create_trial(params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)}, value=1.0)])
    result = evaluator.evaluate(data_of(study, tmp_path))
    assert (result.importances, result.summary.skipped) == ((), "too_few_trials")


def test_constant_objective_is_skipped_with_its_reason(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    dist = {"x": FloatDistribution(0, 1)}
    study = memory_study([create_trial(params={"x": i / 30}, distributions=dist, value=2.0) for i in range(30)])
    assert evaluator.evaluate(data_of(study, tmp_path)).summary.skipped == "constant_objective"


def test_trials_without_parameters_are_skipped_with_a_reason(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    study = optuna.create_study(study_name="bare")
    for i in range(30):
        add(study, {}, {}, float(i))
    assert evaluator.evaluate(data_of(study, tmp_path)).summary.skipped == "no_parameters"


def test_a_parameter_that_never_varies_gets_zero(evaluator: ImportanceEvaluator, tmp_path: Path) -> None:
    dists = {"x": FloatDistribution(0, 1), "fixed": FloatDistribution(0, 1)}
    study = memory_study(
        [create_trial(params={"x": i / 40, "fixed": 0.5}, distributions=dists, value=(i / 40) ** 2) for i in range(40)]
    )
    data = data_of(study, tmp_path)
    result = evaluator.evaluate(data)
    assert_valid(result, data)
    by_param = {i.param: i for i in result.importances}
    assert by_param["fixed"].importance == 0.0 and by_param["fixed"].ci_high in (0.0, None)
    if result.summary.scale == "normalized":
        assert by_param["x"].importance == pytest.approx(1.0)
    else:  # three equal-count bins of 40 trials (13, 13, 14), the upper one holding all 10 elites
        bins = [0] * 13 + [1] * 13 + [2] * 14
        entropy, info = stats.entropy([10, 30]), mutual_info_score(bins, [0] * 30 + [1] * 10)
        # Miller-Madow: (bins - 1)(2 - 1) / (2n)
        assert by_param["x"].importance == pytest.approx((info - 2 / 80) / entropy)
