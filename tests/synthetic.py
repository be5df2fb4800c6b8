"""Analytic test functions with known Sobol indices, as Optuna studies or as importance inputs.

Ishigami (a=7, b=0.1, x_i ~ U[-pi, pi]): S1 = 0.3139, S2 = 0.4424, S3 = 0, S13 = 0.2437.
Sobol G (a = 0, 1, 4.5, 9, 99, 99, 99, 99, x_i ~ U[0, 1]): S = 0.7162, 0.1790, 0.0237, 0.0072, ...
Both are used by tests (accuracy with fixed seeds, interval coverage) and by
``benchmarks/importance.py``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import create_trial

from generator.analysis.importance import ImportanceInput, ParamData
from generator.analysis.params import ParamSpec
from generator.config import AnalysisConfig

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0])


def ishigami_variances() -> tuple[float, float, float, float]:
    """(V1, V2, V13, V) from the closed forms."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    return v1, v2, v13, v1 + v2 + v13


def ishigami_truth(n_dummies: int = 2) -> np.ndarray:
    """Normalized first-order indices (sum 1) of x1, x2, x3 and the dummies."""
    v1, v2, _, _ = ishigami_variances()
    return np.array([v1, v2, 0.0] + [0.0] * n_dummies) / (v1 + v2)


def g_first_order() -> np.ndarray:
    partial = 1 / (3 * (1 + G_A) ** 2)
    return partial / (np.prod(1 + partial) - 1)


def ishigami(n: int, rng: np.random.Generator, n_dummies: int = 2) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-math.pi, math.pi, size=(n, 3 + n_dummies))
    y = np.sin(x[:, 0]) + ISHIGAMI_A * np.sin(x[:, 1]) ** 2 + ISHIGAMI_B * x[:, 2] ** 4 * np.sin(x[:, 0])
    return x, y


def sobol_g(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(0.0, 1.0, size=(n, len(G_A)))
    return x, np.prod((np.abs(4 * x - 2) + G_A) / (1 + G_A), axis=1)


def float_input(
    x: np.ndarray,
    y: np.ndarray,
    low: float,
    high: float,
    direction: str = "minimize",
    seed: int = 0,
    config: AnalysisConfig | None = None,
) -> ImportanceInput:
    """An importance input of float parameters ``x0, x1, ...`` straight from arrays.

    The same shape ``prepare_input`` builds from a snapshot, without writing one: coverage
    tests repeat the estimate on many seeds and only the estimator is under test there.
    """
    n, p = x.shape
    distribution = json.dumps(
        {"name": "FloatDistribution", "attributes": {"low": low, "high": high, "log": False, "step": None}}
    )
    params = {}
    for i in range(p):
        name = f"x{i}"
        spec = ParamSpec(name, "continuous", "float", low, high, False, None, (), 1, n, n, None)
        params[name] = ParamData(
            spec=spec,
            present=np.ones(n, dtype=bool),
            numeric=x[:, i].astype(float),
            keys=np.array([json.dumps(float(v)) for v in x[:, i]], dtype=object),
            distributions=np.array([distribution] * n, dtype=object),
        )
    order = np.argsort(y, kind="stable")
    params = {
        k: ParamData(v.spec, v.present[order], v.numeric[order], v.keys[order], v.distributions[order])
        for k, v in params.items()
    }
    return ImportanceInput(direction, np.arange(n)[order], y[order], params, seed, config or AnalysisConfig())


def float_study(x: np.ndarray, y: np.ndarray, low: float, high: float, direction: str = "minimize") -> optuna.Study:
    """An in-memory Optuna study with one COMPLETE trial per row of ``x``."""
    study = optuna.create_study(direction=direction)
    dists = {f"x{i}": FloatDistribution(low, high) for i in range(x.shape[1])}
    study.add_trials(
        [
            create_trial(params={f"x{i}": float(row[i]) for i in range(len(row))}, distributions=dists, value=float(v))
            for row, v in zip(x, y, strict=True)
        ]
    )
    return study


ENCODER = CategoricalDistribution(["cnn", "context"])
DEPTH = IntDistribution(2, 9)
LR = FloatDistribution(1e-5, 1e-1, log=True)


def conditional_depth_truth() -> dict[str, float]:
    """Normalized first-order importances of ``conditional_depth_study`` under the declared
    measure, with the conditional ``depth`` weighted by P(cnn) = 1/2 (see ``_fanova``):
    V_lr = 0.02² Var(u²), u ~ U[-2, 2]; V_depth = ½ 0.03² Var(depth), depth ~ U{2..9};
    V_encoder = ¼ 0.02² (the branch means differ by 0.02); V_ctx_heads = 0."""
    v_lr = 0.02**2 * (16 / 5 - (4 / 3) ** 2)
    v_depth = 0.5 * 0.03**2 * (8**2 - 1) / 12
    v_encoder = 0.25 * 0.02**2
    total = v_lr + v_depth + v_encoder
    return {"ctx_heads": 0.0, "depth": v_depth / total, "encoder_type": v_encoder / total, "lr": v_lr / total}


def conditional_depth_study(n: int, rng: np.random.Generator, name: str = "conditional_depth") -> optuna.Study:
    """``depth`` exists only when ``encoder_type == cnn`` and drives the objective there;
    ``ctx_heads`` exists only for ``context`` and does nothing; ``lr`` (log) matters everywhere.

    Maximize; value = 0.25 + [cnn] * (0.02 + 0.03 * (depth - 5.5)) - 0.02 * (log10 lr + 3)^2
    + noise(0.005). Importances: ``conditional_depth_truth``.
    """
    study = optuna.create_study(direction="maximize", study_name=name)
    trials = []
    for _ in range(n):
        encoder = "cnn" if rng.random() < 0.5 else "context"
        lr = float(10 ** rng.uniform(-5, -1))
        params: dict[str, object] = {"encoder_type": encoder, "lr": lr}
        dists: dict[str, object] = {"encoder_type": ENCODER, "lr": LR}
        value = 0.25 - 0.02 * (math.log10(lr) + 3) ** 2 + float(rng.normal(0, 0.005))
        if encoder == "cnn":
            depth = int(rng.integers(2, 10))
            params["depth"], dists["depth"] = depth, DEPTH
            value += 0.02 + 0.03 * (depth - 5.5)
        else:
            heads = int(rng.choice([2, 4, 8]))
            params["ctx_heads"], dists["ctx_heads"] = heads, CategoricalDistribution([2, 4, 8])
        trials.append(create_trial(params=params, distributions=dists, value=value))
    study.add_trials(trials)
    return study


SEED_SPACE = {
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "weight_decay": FloatDistribution(1e-7, 1e-1, log=True),
    "dropout": FloatDistribution(0.0, 0.5),
    "label_smoothing": FloatDistribution(0.0, 0.2),
    "width_mult": FloatDistribution(0.5, 3.0),
    "momentum": FloatDistribution(0.8, 0.99),
    "warmup_frac": FloatDistribution(0.0, 0.2),
    "grad_clip": FloatDistribution(0.1, 10.0, log=True),
    "depth": IntDistribution(2, 9),
    "epochs": IntDistribution(5, 50),
    "batch_size": CategoricalDistribution([8, 16, 32, 64]),
    "embed_dim": CategoricalDistribution([128, 256, 512]),
    "mlp_hidden": CategoricalDistribution([256, 512, 1024, 2048]),
    "optimizer": CategoricalDistribution(["adam", "adamw", "sgd"]),
    "activation": CategoricalDistribution(["relu", "gelu", "silu"]),
    "use_scheduler": CategoricalDistribution([True, False]),
    "use_cosine": CategoricalDistribution([True, False]),
}
"""17 parameters of every kind, shaped like the seed report's visual-classifier sweep."""


def seed_space_trials(n: int, rng: np.random.Generator) -> list[optuna.trial.FrozenTrial]:
    """Random-search trials over ``SEED_SPACE`` with a planted objective (maximize accuracy):
    lr has an optimum at 1e-3, smaller batches and deeper nets help, label smoothing hurts,
    the scheduler helps mostly with adamw (an interaction), plus noise."""
    trials = []
    for _ in range(n):
        p: dict[str, object] = {}
        for name, dist in SEED_SPACE.items():
            if isinstance(dist, CategoricalDistribution):
                p[name] = dist.choices[int(rng.integers(len(dist.choices)))]
            elif isinstance(dist, IntDistribution):
                p[name] = int(rng.integers(dist.low, dist.high + 1))
            elif dist.log:
                p[name] = float(10 ** rng.uniform(math.log10(dist.low), math.log10(dist.high)))
            else:
                p[name] = float(rng.uniform(dist.low, dist.high))
        value = (
            0.30
            - 0.02 * (math.log10(float(p["lr"])) + 3) ** 2
            + 0.01 * (int(p["depth"]) - 5.5)
            - 0.012 * math.log2(int(p["batch_size"]) / 8)
            - 0.15 * float(p["label_smoothing"])
            + (0.03 if p["use_scheduler"] and p["optimizer"] == "adamw" else 0.01 if p["use_scheduler"] else 0.0)
            + float(rng.normal(0, 0.01))
        )
        trials.append(create_trial(params=p, distributions=dict(SEED_SPACE), value=value))
    return trials
