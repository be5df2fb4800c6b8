"""Literal studies for tests: exactly the trials a test needs, built with Optuna's own API.

``AWKWARD`` lists builders for the studies every stage must survive (STYLE.md item 3).
Each builder takes an ``optuna.Study`` and adds trials to it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

from generator.storage.records import (
    STUDY_ATTR_COLUMNS,
    TRIAL_ATTR_COLUMNS,
    StudyRecord,
    empty_frame,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

T0 = dt.datetime(2025, 1, 1, 12, 0, 0)


def add(
    study: optuna.Study,
    params: dict[str, Any],
    distributions: dict[str, Any],
    value: float | list[float] | None = None,
    state: TrialState = TrialState.COMPLETE,
    intermediate: dict[int, float] | None = None,
    user_attrs: dict[str, Any] | None = None,
    minutes: int | None = None,
) -> None:
    """Add one finished (or running) trial; times are fixed so outputs are reproducible."""
    n = len(study.trials)
    start = T0 + dt.timedelta(minutes=10 * n)
    values = None
    if value is not None:
        values = value if isinstance(value, list) else [value]
    complete = None if state in (TrialState.RUNNING, TrialState.WAITING) else start + dt.timedelta(minutes=minutes or 5)
    trial = create_trial(
        state=state,
        values=values if state == TrialState.COMPLETE else None,
        params=params,
        distributions=distributions,
        intermediate_values=intermediate or {},
        user_attrs=user_attrs or {},
    )
    trial.datetime_start = start if state != TrialState.WAITING else None
    trial.datetime_complete = complete
    study.add_trial(trial)


X = FloatDistribution(0.0, 1.0)
LR = FloatDistribution(1e-5, 1e-1, log=True)
DEPTH = IntDistribution(2, 6)
ENC = CategoricalDistribution(["cnn", "context"])
BATCH = CategoricalDistribution([8, 16, 32, 64])
FLAG = CategoricalDistribution([True, False])
OPT = CategoricalDistribution(["adam", "sgd", None])


def simple(study: optuna.Study, n: int = 12) -> None:
    for i in range(n):
        x = (i * 0.37) % 1.0
        add(
            study,
            {"x": x, "lr": 10 ** (-5 + 4 * ((i * 0.61) % 1.0))},
            {"x": X, "lr": LR},
            1.0 + 2 * x + 0.01 * i,
            intermediate={0: x, 1: 2 * x},
        )


def empty(study: optuna.Study) -> None:
    return None


def all_failed(study: optuna.Study) -> None:
    for i in range(3):
        add(study, {"x": i / 4}, {"x": X}, state=TrialState.FAIL)


def pruned_only(study: optuna.Study) -> None:
    for i in range(4):
        add(study, {"x": i / 4}, {"x": X}, state=TrialState.PRUNED, intermediate={0: 0.1 * i})


def conditional(study: optuna.Study) -> None:
    for i in range(20):
        encoder = "cnn" if i % 4 else "context"
        params: dict[str, Any] = {"encoder_type": encoder, "batch_size": [8, 16, 32, 64][(i // 2) % 4]}
        dists: dict[str, Any] = {"encoder_type": ENC, "batch_size": BATCH}
        value = 0.2 - 0.01 * ((i // 2) % 4)
        if encoder == "cnn":
            params["depth"] = 2 + i % 5
            dists["depth"] = DEPTH
            value += 0.02 * params["depth"]
        else:
            params["ctx_dropout"] = (i % 3) / 10
            dists["ctx_dropout"] = FloatDistribution(0.0, 0.3)
        add(study, params, dists, value)


def dynamic_ranges(study: optuna.Study) -> None:
    for i in range(10):
        high = 10 if i < 5 else 30
        add(study, {"depth": 2 + i % (high - 1)}, {"depth": IntDistribution(2, high)}, float(i))


def multi_objective(study: optuna.Study) -> None:
    for i in range(6):
        add(study, {"x": i / 6}, {"x": X}, [float(i), float(6 - i)])


def inf_values(study: optuna.Study) -> None:
    for i in range(6):
        add(study, {"x": i / 6}, {"x": X}, math.inf if i == 2 else float(i))


def none_categoricals(study: optuna.Study) -> None:
    for i in range(9):
        add(
            study,
            {"optimizer": ["adam", "sgd", None][i % 3], "flag": bool(i % 2)},
            {"optimizer": OPT, "flag": FLAG},
            float(i % 3),
        )


def with_running(study: optuna.Study) -> None:
    simple(study, 6)
    add(study, {"x": 0.5}, {"x": X}, state=TrialState.RUNNING)
    add(study, {"x": 0.4}, {"x": X}, state=TrialState.FAIL)
    add(study, {"x": 0.3}, {"x": X}, state=TrialState.PRUNED)


def log_params(study: optuna.Study) -> None:
    """Log-scaled float and int parameters (minimize): axes and bins on the log scale."""
    log_units = IntDistribution(1, 1024, log=True)
    for i in range(16):
        lr = 10 ** (-5 + 4 * ((i * 0.618) % 1.0))
        units = int(2 ** (i % 11))
        add(
            study,
            {"lr": lr, "units": units},
            {"lr": LR, "units": log_units},
            (math.log10(lr) + 3) ** 2 + 0.1 * (i % 3),
            intermediate={0: 3.0 - 0.1 * i, 1: 2.0 - 0.1 * i},
        )


def one_level(study: optuna.Study) -> None:
    """A one-choice categorical, a boolean only ever True, and an int range of one value."""
    only = CategoricalDistribution(["only"])
    single = IntDistribution(3, 3)
    for i in range(8):
        add(
            study,
            {"only": "only", "flag": True, "fixed": 3, "x": i / 8},
            {"only": only, "flag": FLAG, "fixed": single, "x": X},
            float(i % 4),
        )


HOSTILE_PARAMS = ["a.b", "x[0]", "lr/head 1", "ünï ★", 'q"uote', "back\\slash", "type:Q", "datum.x"]


def hostile_params(study: optuna.Study) -> None:
    """Parameter names that break file names and Vega field access if used unescaped; a
    categorical whose choices 1 and "1" would print alike."""
    mixed = CategoricalDistribution([1, "1", None, "a.b[0]"])
    dists: dict[str, Any] = {name: X for name in HOSTILE_PARAMS[:-1]}
    dists[HOSTILE_PARAMS[-1]] = mixed
    for i in range(12):
        params: dict[str, Any] = {name: ((i + k) * 0.37) % 1.0 for k, name in enumerate(HOSTILE_PARAMS[:-1])}
        params[HOSTILE_PARAMS[-1]] = mixed.choices[i % 4]
        add(study, params, dists, float(params["a.b"] + (i % 4)))


def interacting(study: optuna.Study) -> None:
    """80 trials with a planted interaction of a log float and an int, and a categorical
    effect: enough trials for several bins per contour axis (minimize)."""
    units_dist = IntDistribution(1, 64)
    for i in range(80):
        lr = 10 ** (-5 + 4 * ((i * 0.618034) % 1.0))
        units = 1 + (i * 37) % 64
        optimizer = ["adam", "sgd", None][i % 3]
        value = (math.log10(lr) + 3) * (units / 32 - 0.5) + 1.5 * (optimizer == "sgd") + 0.01 * (i % 7)
        add(
            study,
            {"lr": lr, "units": units, "optimizer": optimizer},
            {"lr": LR, "units": units_dist, "optimizer": OPT},
            value,
        )


AWKWARD: dict[str, tuple[Callable[[optuna.Study], None], list[str]]] = {
    "simple": (simple, ["maximize"]),
    "all_failed": (all_failed, ["minimize"]),
    "pruned_only": (pruned_only, ["maximize"]),
    "conditional": (conditional, ["maximize"]),
    "dynamic_ranges": (dynamic_ranges, ["minimize"]),
    "multi_objective": (multi_objective, ["minimize", "maximize"]),
    "inf_values": (inf_values, ["minimize"]),
    "none_categoricals": (none_categoricals, ["minimize"]),
    "with_running": (with_running, ["maximize"]),
    "log_params": (log_params, ["minimize"]),
    "one_level": (one_level, ["maximize"]),
    "hostile_params": (hostile_params, ["maximize"]),
}

HOSTILE_NAMES = ["team/a b", "<script>alert(1)</script>", 'quote"s', "ünïcödé ★", "..", "a|b"]


def build(storage: str, name: str, builder: Callable[[optuna.Study], None], directions: list[str]) -> optuna.Study:
    study = optuna.create_study(study_name=name, storage=storage, directions=directions)
    builder(study)
    return study


def sqlite_study(path: Path, name: str, builder: Callable[[optuna.Study], None], directions: list[str]) -> str:
    url = f"sqlite:///{path}"
    build(url, name, builder, directions)
    return url


SEED_DISTRIBUTIONS: dict[str, Any] = {
    "encoder_type": ENC,
    "lr": FloatDistribution(5e-5, 1e-2, log=True),
    "weight_decay": FloatDistribution(1e-7, 0.05, log=True),
    "batch_size": BATCH,
    "label_smoothing": FloatDistribution(0.0, 0.2),
    "use_scheduler": FLAG,
    "use_cosine": FLAG,
    "demo_agg": CategoricalDistribution(["flatten", "mean"]),
    "embed_dim": CategoricalDistribution([128, 256, 512]),
    "depth": DEPTH,
    "width_mult": FloatDistribution(0.5, 3.0),
    "ctx_n_head": CategoricalDistribution([2, 4, 8]),
    "ctx_dropout": FloatDistribution(0.0, 0.3),
    "ctx_d_model": CategoricalDistribution([64, 128, 256]),
}


def seed_shaped_trials() -> list[tuple[dict[str, Any], float]]:
    """The 20 (params, value) pairs of ``seed_shaped``: 15 CNN and 5 context trials.

    Planted like the seed report's sweep (shared/seed/hpo_sweep_analysis_example.md): smaller
    batches help, deeper CNNs help (three of the five elites sit at the upper bound depth = 6),
    the context encoder is worse and never elite, and within the five context trials more
    heads look better (a large rho on n = 5: weak evidence). The discrete design is literal;
    nuisance parameters and a little noise come from a fixed numpy generator.
    """
    rng = np.random.default_rng(20251031)
    cnn = [
        (6, 8),
        (6, 16),
        (6, 8),
        (5, 8),
        (5, 32),
        (4, 16),
        (4, 64),
        (3, 8),
        (3, 32),
        (2, 16),
        (2, 64),
        (5, 64),
        (4, 32),
        (3, 64),
        (2, 32),
    ]
    context = [(2, 16), (4, 16), (8, 16), (4, 32), (2, 32)]
    trials = []
    for i in range(20):
        params: dict[str, Any] = {
            "lr": float(10 ** rng.uniform(math.log10(5e-5), -2)),
            "weight_decay": float(10 ** rng.uniform(-7, math.log10(0.05))),
            "label_smoothing": float(rng.uniform(0.0, 0.2)),
            "use_scheduler": bool(rng.integers(2)),
            "use_cosine": bool(rng.integers(2)),
            "demo_agg": ["flatten", "mean"][int(rng.integers(2))],
            "embed_dim": [128, 256, 512][int(rng.integers(3))],
        }
        noise = float(rng.normal(0.0, 0.002))
        if i % 4 == 3:
            heads, batch = context[i // 4]
            params.update(
                encoder_type="context",
                batch_size=batch,
                ctx_n_head=heads,
                ctx_dropout=float(rng.uniform(0.0, 0.3)),
                ctx_d_model=[64, 128, 256][(i // 4) % 3],
            )
            capacity = 0.012 * math.log2(heads)
        else:
            depth, batch = cnn[i - i // 4]  # the (i - i // 4)-th CNN trial
            params.update(encoder_type="cnn", batch_size=batch, depth=depth, width_mult=float(rng.uniform(0.5, 3.0)))
            capacity = 0.03 + 0.012 * (depth - 2)
        value = 0.20 + capacity - 0.015 * math.log2(batch / 8) - 0.05 * params["label_smoothing"] + noise
        trials.append((params, value))
    return trials


def seed_shaped(study: optuna.Study) -> None:
    """Seed-shaped study: 20 complete trials (maximize), 15 CNN / 5 context, n_classes = 9."""
    study.set_user_attr("n_classes", 9)
    for params, value in seed_shaped_trials():
        add(study, params, {name: SEED_DISTRIBUTIONS[name] for name in params}, value)


OPTIMIZER = CategoricalDistribution(["adam", "sgd", "rmsprop"])
BATCH_WIDE = CategoricalDistribution([16, 32, 64, 128])
LAYERS = IntDistribution(1, 4)
MOMENTUM = FloatDistribution(0.5, 0.99)


def mixed_minimize(study: optuna.Study) -> None:
    """24 trials of a minimized loss: a three-level categorical with a conditional child
    (``momentum`` only for sgd), an ordinal, a boolean, an integer and a log float."""
    rng = np.random.default_rng(7)
    for i in range(24):
        optimizer = ["adam", "sgd", "rmsprop"][i % 3]
        params: dict[str, Any] = {
            "optimizer": optimizer,
            "batch_size": [16, 32, 64, 128][(i // 3) % 4],
            "use_bn": bool((i // 2) % 2),
            "layers": 1 + (i * 5) % 4,
            "lr": float(10 ** rng.uniform(-5, -1)),
        }
        dists: dict[str, Any] = {
            "optimizer": OPTIMIZER,
            "batch_size": BATCH_WIDE,
            "use_bn": FLAG,
            "layers": LAYERS,
            "lr": LR,
        }
        loss = 1.0 + {"adam": -0.3, "sgd": 0.0, "rmsprop": 0.1}[optimizer] + 0.002 * params["batch_size"]
        loss += -0.05 * params["use_bn"] + 0.02 * params["layers"] + float(rng.normal(0.0, 0.05))
        if optimizer == "sgd":
            params["momentum"] = float(rng.uniform(0.5, 0.99))
            dists["momentum"] = MOMENTUM
            loss -= 0.4 * (params["momentum"] - 0.5)
        add(study, params, dists, loss)


def no_signal(study: optuna.Study) -> None:
    """Eight trials of noise: nothing to find, and one parameter that never varied."""
    noise = [0.31, 0.12, 0.45, 0.27, 0.38, 0.19, 0.33, 0.24]
    for i, value in enumerate(noise):
        add(study, {"x": (i * 0.37) % 1.0, "fixed": 16}, {"x": X, "fixed": BATCH}, value)


def all_infinite(study: optuna.Study) -> None:
    """Complete trials whose values all diverged."""
    for i in range(3):
        add(study, {"x": i / 4}, {"x": X}, math.inf)


AWKWARD.update(
    seed_shaped=(seed_shaped, ["maximize"]),
    mixed_minimize=(mixed_minimize, ["minimize"]),
    no_signal=(no_signal, ["maximize"]),
    all_infinite=(all_infinite, ["minimize"]),
)


def huge_record(n: int, seed: int = 0) -> StudyRecord:
    """A study of ``n`` trials built directly as a StudyRecord (add_trial would take minutes):
    mixed states, a log float, an int, an ordinal, a categorical switch with a conditional
    child, and 10 intermediate values per finished trial."""
    import numpy as np
    import pandas as pd
    from optuna.distributions import distribution_to_json

    rng = np.random.default_rng(seed)
    numbers = np.arange(n)
    state = rng.choice(["COMPLETE", "PRUNED", "FAIL", "RUNNING"], size=n, p=[0.7, 0.2, 0.08, 0.02])
    start = pd.Timestamp(T0) + pd.to_timedelta(numbers * 30, unit="s")
    complete = start + pd.to_timedelta(rng.integers(20, 600, size=n), unit="s")
    trials = pd.DataFrame(
        {
            "number": numbers,
            "trial_id": numbers + 1,
            "state": state,
            "datetime_start": start,
            "datetime_complete": complete.where(state != "RUNNING"),
        }
    )
    lr = 10 ** rng.uniform(-5, -1, size=n)
    depth = rng.integers(2, 7, size=n)
    batch = rng.choice([8, 16, 32, 64], size=n)
    opt = rng.choice(["adam", "sgd"], size=n)
    momentum = rng.uniform(0.0, 0.99, size=n)
    value = -((np.log10(lr) + 3) ** 2) + 0.1 * depth - 0.01 * batch / 8 + 0.2 * (opt == "adam") + rng.normal(0, 0.1, n)
    dists = {
        "lr": LR,
        "depth": DEPTH,
        "batch_size": BATCH,
        "optimizer": CategoricalDistribution(["adam", "sgd"]),
        "momentum": FloatDistribution(0.0, 0.99),
    }
    columns = {"lr": lr, "depth": depth, "batch_size": batch, "optimizer": opt, "momentum": momentum}
    frames = []
    for name, dist in dists.items():
        present = numbers if name != "momentum" else numbers[opt == "sgd"]
        raw = columns[name][present]
        internal = [dist.to_internal_repr(v.item() if hasattr(v, "item") else v) for v in raw]
        frames.append(
            pd.DataFrame(
                {"number": present, "name": name, "internal": internal, "distribution_json": distribution_to_json(dist)}
            )
        )
    done = numbers[state == "COMPLETE"]
    finished = numbers[np.isin(state, ["COMPLETE", "PRUNED"])]
    steps = np.tile(np.arange(10), len(finished))
    owners = np.repeat(finished, 10)
    intermediate = pd.DataFrame(
        {"number": owners, "step": steps, "value": value[owners] * (1 - np.exp(-(steps + 1) / 3))}
    )
    intermediate = intermediate[
        ~(np.isin(intermediate["number"], numbers[state == "PRUNED"]) & (intermediate["step"] > 4))
    ]
    return StudyRecord(
        name="huge",
        directions=("maximize",),
        trials=trials,
        values=pd.DataFrame({"number": done, "objective": 0, "value": value[done]}),
        params=pd.concat(frames, ignore_index=True).sort_values(["number", "name"]).reset_index(drop=True),
        intermediate=intermediate.reset_index(drop=True),
        study_attrs=empty_frame(STUDY_ATTR_COLUMNS),
        trial_attrs=empty_frame(TRIAL_ATTR_COLUMNS),
        source={"storage": "memory", "storage_kind": "test"},
    )


def constant_objective(study: optuna.Study) -> None:
    """Parameters vary, the objective never does: nothing can explain it."""
    for i in range(8):
        add(study, {"x": (i * 0.37) % 1.0, "flag": bool(i % 2)}, {"x": X, "flag": FLAG}, 0.5)


def no_params(study: optuna.Study) -> None:
    """Trials that suggested nothing (a fixed baseline re-run several times)."""
    for i in range(6):
        add(study, {}, {}, 1.0 + 0.1 * i)


def single_valued(study: optuna.Study) -> None:
    """Every parameter took one value: nothing varies, so nothing can be ranked."""
    for i in range(7):
        add(study, {"batch": 16, "opt": "adam"}, {"batch": BATCH, "opt": OPT}, 0.2 + 0.03 * i)


AWKWARD.update(
    constant_objective=(constant_objective, ["minimize"]),
    no_params=(no_params, ["maximize"]),
    single_valued=(single_valued, ["maximize"]),
)


def monotone(dist: Any, side: str, name: str = "x") -> Callable[[optuna.Study], None]:
    """20 trials of one parameter whose objective (maximize) rises toward ``side`` of ``dist``,
    the values denser near that side so the elites (top 5) crowd its outer tenth: four of five
    for a float, on the log scale for a log float; rounded for an int. Rank-perfect, so the
    Spearman test is strong: what the fixing and widening rules need."""

    def build(study: optuna.Study) -> None:
        low, high = float(dist.low), float(dist.high)
        s_low, s_high = (math.log10(low), math.log10(high)) if dist.log else (low, high)
        for i in range(20):
            position = math.sqrt(i / 19) if side == "high" else 1 - math.sqrt(i / 19)
            x = s_low + (s_high - s_low) * position
            value: Any = 10**x if dist.log else x
            if isinstance(dist, IntDistribution):
                value = int(round(value))
            add(study, {name: value}, {name: dist}, float(i))

    return build


def with_sweep_config(
    builder: Callable[[optuna.Study], None], sweep_config: dict[str, Any]
) -> Callable[[optuna.Study], None]:
    """``builder``'s study with the user attribute train-sweep records (the config that ran it)."""

    def build(study: optuna.Study) -> None:
        study.set_user_attr("sweep_config", sweep_config)
        builder(study)

    return build
