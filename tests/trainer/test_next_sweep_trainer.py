"""End to end: the refined config the generator writes for a real trainer study runs in
train-sweep as it is (only the budget knobs shrunk with --set, as any tiny test run does)."""

from __future__ import annotations

import shutil
from pathlib import Path

import optuna
import pytest
import yaml
from optuna.trial import TrialState

from tests.conftest import REPO

torch = pytest.importorskip("torch")

from generator.cli import main  # noqa: E402
from generator.sweep_config import load_sweep_config  # noqa: E402
from trainer import sweep  # noqa: E402

EXAMPLE = REPO / "examples" / "visual_classifier_cpu_sweep.db"
STUDY = "visual_classifier_cnn_vs_context_cpu_v1"
TINY = ["--set", "epochs=1", "--set", "train_size=48", "--set", "val_size=45", "--quiet", "--seed", "0"]


@pytest.mark.parametrize("strategy", ["aggressive", "conservative"])
def test_the_generated_refined_config_runs_in_train_sweep(strategy: str, tmp_path: Path) -> None:
    storage = tmp_path / "example.db"
    shutil.copyfile(EXAMPLE, storage)  # the generator only reads; a copy keeps the repository's file untouched
    assert (
        main(["--storage", str(storage), "--study", STUDY, "--out", str(tmp_path / "out"), "--quiet", "--no-charts"])
        == 0
    )
    (config,) = (tmp_path / "out" / "report").glob(f"*/*/artifacts/refined_search_space_{strategy}.yaml")
    space = load_sweep_config(config)
    document = yaml.safe_load(config.read_text())
    # The study's own training budget travels with the config (train-sweep recorded it in the study).
    assert {k: document["fixed"][k]["value"] for k in ("epochs", "train_size", "early_stop_patience")} == {
        "epochs": 6,
        "train_size": 2048,
        "early_stop_patience": 3,
    }
    url = f"sqlite:///{tmp_path / 'next.db'}"
    assert sweep.main(["--config", str(config), "--storage", url, "--n-trials", "2", *TINY]) == 0
    study = optuna.load_study(study_name=space.study_name, storage=url)
    assert study.study_name == f"{STUDY}_refined_{strategy}"
    assert len(study.trials) == 2 and all(t.state == TrialState.COMPLETE for t in study.trials)
    for t in study.trials:
        # Optuna recorded the tuned values; with the fixed ones that apply they are a point of the space.
        point = dict(t.params)
        for name in space.order():
            entry = space.fixed.get(name)
            if entry is not None and (
                entry.condition is None
                or (entry.condition.param in point and entry.condition.holds(point[entry.condition.param]))
            ):
                point[name] = entry.value
        assert space.violations(point) == []
        cfg = t.user_attrs["config"]
        assert all(cfg[name] == value for name, value in t.params.items())
        assert cfg["epochs"] == 1 and cfg["early_stop_patience"] == 3  # --set overrides, the rest as written
