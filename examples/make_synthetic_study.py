"""Create examples/synthetic_seed_study.db: a seed-shaped study on a synthetic objective.

This is a stand-in until the trainer produces a real example sweep. The objective is a
closed-form function of the seed's parameters plus seeded noise (no model is trained), with
real structure to find: smaller batches help, depth helps the CNN branch, label smoothing
hurts, the context encoder is worse on average. Run: python examples/make_synthetic_study.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import optuna

STUDY = "visual_classifier_synthetic_v1"


def objective(trial: optuna.Trial) -> float:
    rng = np.random.default_rng(trial.number)
    encoder = trial.suggest_categorical("encoder_type", ["cnn", "context"])
    lr = trial.suggest_float("lr", 5e-5, 1e-2, log=True)
    weight_decay = trial.suggest_float("weight_decay", 1e-7, 0.05, log=True)
    batch_size = trial.suggest_categorical("batch_size", [8, 16, 32, 64])
    label_smoothing = trial.suggest_float("label_smoothing", 0.0, 0.2)
    use_scheduler = trial.suggest_categorical("use_scheduler", [True, False])
    if encoder == "cnn":
        depth = trial.suggest_int("depth", 2, 6)
        width = trial.suggest_float("width_mult", 0.5, 3.0)
        capacity = 0.018 * depth + 0.01 * width
    else:
        trial.suggest_int("ctx_n_head", 1, 8)
        trial.suggest_float("ctx_dropout", 0.0, 0.3)
        capacity = 0.02
    score = (
        0.20
        + capacity
        - 0.012 * math.log2(batch_size / 8)
        - 0.15 * label_smoothing
        + 0.02 * use_scheduler
        - 0.01 * abs(math.log10(lr) + 3.7)
    )
    for epoch in range(10):
        trial.report(score * (1 - math.exp(-(epoch + 1) / 3)) + rng.normal(0, 0.004), epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return float(score + rng.normal(0, 0.01))


def main(path: Path) -> None:
    if path.exists():
        path.unlink()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=STUDY,
        storage=f"sqlite:///{path}",
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=7),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=8, n_warmup_steps=4),
    )
    study.set_user_attr("n_classes", 9)
    study.set_user_attr("baseline", 1 / 9)
    study.optimize(objective, n_trials=60)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("synthetic_seed_study.db"))
