"""Invariants: the order trials ran in, and trials that did not complete, change no statistic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from generator.cli import main
from tests.studies import SEED_DISTRIBUTIONS, add, seed_shaped_trials

STATISTICS = ("directionality", "boundary_hits", "elites", "significance", "executive_summary")


def statistics_of(tmp_path: Path, name: str, trials: list[tuple[dict[str, Any], float | None, TrialState]]) -> dict:
    url = f"sqlite:///{tmp_path / (name + '.db')}"
    study = optuna.create_study(study_name=name, storage=url, direction="maximize")
    study.set_user_attr("n_classes", 9)
    for params, value, state in trials:
        add(
            study,
            params,
            {k: SEED_DISTRIBUTIONS[k] for k in params},
            value,
            state=state,
            intermediate={0: 0.1} if state == TrialState.PRUNED else None,
        )
    out = tmp_path / name
    assert main(["--storage", url, "--study", name, "--out", str(out), "--quiet", "--n-bootstrap", "300"]) == 0
    (path,) = (out / "report").rglob("findings.json")
    document = json.loads(path.read_text())
    return {key: document[key] for key in STATISTICS}


def baseline_trials() -> list[tuple[dict[str, Any], float | None, TrialState]]:
    return [(params, value, TrialState.COMPLETE) for params, value in seed_shaped_trials()]


def test_permuting_trial_order_changes_no_statistic(tmp_path: Path) -> None:
    trials = baseline_trials()
    shuffled = [trials[i] for i in np.random.default_rng(11).permutation(len(trials))]
    assert [t[1] for t in shuffled] != [t[1] for t in trials]
    assert statistics_of(tmp_path, "permuted", shuffled) == statistics_of(tmp_path, "original", trials)


def test_failed_pruned_and_running_trials_change_no_statistic(tmp_path: Path) -> None:
    trials = baseline_trials()
    cnn = next(p for p, _, _ in trials if p["encoder_type"] == "cnn")
    context = next(p for p, _, _ in trials if p["encoder_type"] == "context")
    noisy = list(trials)
    # Unfinished trials at extreme values, where they would move every statistic if counted.
    extra = [
        ({**cnn, "depth": 2, "batch_size": 64}, None, TrialState.FAIL),
        ({**context, "ctx_n_head": 8}, None, TrialState.PRUNED),
        ({**cnn, "depth": 6, "lr": 1e-2}, None, TrialState.PRUNED),
        ({"encoder_type": "cnn", "lr": 5e-5}, None, TrialState.RUNNING),
        ({"encoder_type": "context", "batch_size": 8}, None, TrialState.FAIL),
    ]
    for k, trial in enumerate(extra):
        noisy.insert(3 * k + 1, trial)
    before = statistics_of(tmp_path, "clean", trials)
    after = statistics_of(tmp_path, "noisy", noisy)
    assert after == before
    assert before["directionality"] and before["elites"]["levels"]


ANALYTIC = ("fisher_z", "mann_whitney_score")


@pytest.mark.parametrize("seed", [1, 2])
def test_output_is_identical_for_the_same_config_seed_and_differs_for_another(tmp_path: Path, seed: int) -> None:
    trials = baseline_trials()
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = optuna.create_study(study_name="s", storage=url, direction="maximize")
    for params, value, state in trials:
        add(study, params, {k: SEED_DISTRIBUTIONS[k] for k in params}, value, state=state)

    def ci(out: str, *flags: str) -> list[Any]:
        assert (
            main(
                [
                    "--storage",
                    url,
                    "--study",
                    "s",
                    "--out",
                    str(tmp_path / out),
                    "--quiet",
                    "--n-bootstrap",
                    "200",
                    *flags,
                ]
            )
            == 0
        )
        (path,) = (tmp_path / out / "report").rglob("findings.json")
        document = json.loads(path.read_text())
        analytic = [(d["ci_low"], d["ci_high"]) for d in document["directionality"] if d["ci_method"] in ANALYTIC]
        resampled = [(d["ci_low"], d["ci_high"]) for d in document["directionality"] if d["ci_method"] not in ANALYTIC]
        resampled += [(i["ci_low"], i["ci_high"]) for i in document["importance"]]
        return [analytic, resampled]

    assert ci("a", "--seed", str(seed)) == ci("b", "--seed", str(seed))
    (analytic_c, resampled_c), (analytic_d, resampled_d) = (
        ci("c", "--seed", str(seed)),
        ci("d", "--seed", str(seed + 10)),
    )
    # Bootstrap intervals follow the seed; the Fisher-z and score intervals involve no randomness.
    assert resampled_c != resampled_d
    assert analytic_c == analytic_d and analytic_c
