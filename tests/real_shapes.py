"""Literal studies in the shapes that made real reports crash or contradict themselves.

Each builder rebuilds one shape found on public Optuna storages (issue 11), with exactly the
trials needed and fixed values, so the invariants test (``test_report_invariants.py``) and the
per-feature tests can check that the report stays right on it. ``REAL_SHAPES`` maps a name to
(builder, directions), like ``studies.AWKWARD``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from tests.studies import FLAG, X, add

OPTIMIZER_2 = CategoricalDistribution(["adam", "rmsprop"])
ACTIVATION_3 = CategoricalDistribution(["relu", "gelu", "tanh"])


def single_trial_level(study: optuna.Study) -> None:
    """optimizer adam 7 / rmsprop 1, and a three-level activation whose `tanh` is seen once:
    permutation tests refused one-observation samples and crashed the report."""
    for i in range(8):
        optimizer = "rmsprop" if i == 3 else "adam"
        activation = "tanh" if i == 5 else ["relu", "gelu"][i % 2]
        value = 0.5 + 0.03 * i + (0.1 if optimizer == "rmsprop" else 0.0)
        add(
            study,
            {"optimizer": optimizer, "activation": activation, "x": (i * 0.37) % 1.0},
            {"optimizer": OPTIMIZER_2, "activation": ACTIVATION_3, "x": X},
            value,
        )


def groups_3_vs_4(study: optuna.Study) -> None:
    """Seven complete trials, a boolean split 3 / 4: the power solver met NaN and crashed."""
    values = [0.61, 0.58, 0.66, 0.41, 0.44, 0.39, 0.47]
    for i, value in enumerate(values):
        add(study, {"use_bn": i < 3, "x": i / 7}, {"use_bn": FLAG, "x": X}, value)


def tied_groups(study: optuna.Study) -> None:
    """Every value tied within each level, and a second parameter whose levels tie across."""
    for i in range(9):
        level = ["a", "b", "c"][i % 3]
        add(
            study,
            {"kind": level, "flag": bool(i % 2)},
            {"kind": CategoricalDistribution(["a", "b", "c"]), "flag": FLAG},
            {"a": 1.0, "b": 2.0, "c": 2.0}[level],
        )


def pure_noise(study: optuna.Study) -> None:
    """40 trials of noise over four parameters: a surrogate predicts nothing out of sample, so no
    importance or interaction share may be printed as if it meant something."""
    rng = np.random.default_rng(11)
    dists = {"a": X, "b": X, "c": FloatDistribution(1e-4, 1.0, log=True), "d": IntDistribution(1, 8)}
    for _ in range(40):
        params = {
            "a": float(rng.uniform()),
            "b": float(rng.uniform()),
            "c": float(10 ** rng.uniform(-4, 0)),
            "d": int(rng.integers(1, 9)),
        }
        add(study, params, dists, float(rng.normal()))


EXTREME_TRIALS = (97, 98, 99)
"""Trial numbers of ``few_extreme_trials``' three huge-``w``, worst-value trials."""


def few_extreme_trials(study: optuna.Study) -> None:
    """crypto_xgb's shape: ``w`` (log, 1e-10..1e10) is noise except three trials with w >= 5e4,
    which are the three worst; ``x`` carries the real, moderate effect (maximize)."""
    rng = np.random.default_rng(5)
    w_dist = FloatDistribution(1e-10, 1e10, log=True)
    for i in range(100):
        x = float(rng.uniform())
        if i in EXTREME_TRIALS:
            w = float(10 ** rng.uniform(4.7, 9.5))
            value = 0.05 + 0.01 * (i - 97)
        else:
            w = float(10 ** rng.uniform(-10, 2))
            value = 0.4 + 0.1 * x + float(rng.normal(0, 0.03))
        add(study, {"w": w, "x": x}, {"w": w_dist, "x": X}, value)


def outlier_on_its_knot(study: optuna.Study) -> None:
    """eat_pytorch_20days ``ensemble``'s shape: ``tree`` carries a strong monotone effect, and
    the three trials with small ``svc`` and large ``tree`` (an interaction: small ``svc`` with
    small ``tree`` is fine) are far the worst, one of them alone at the low end of ``svc``. GCV, which averages the leverages, chose a fit that
    interpolated that trial (GCV R² 0.97, leave-one-out -0.09) and credited ``tree`` with 0."""
    rng = np.random.default_rng(11)
    weight = IntDistribution(1, 100)
    low_svc = [(68, 1, 0.906), (46, 16, 0.911), (56, 31, 0.911), (22, 4, 0.953), (32, 14, 0.946), (9, 23, 0.960)]
    for i in range(100):
        if i < len(low_svc):
            tree, svc, value = low_svc[i]
        else:
            tree, svc = int(rng.integers(1, 101)), int(rng.integers(35, 101))
            value = 0.966 - 0.00025 * tree + float(rng.normal(0, 0.002))
        mlp = int(rng.integers(1, 101))
        add(study, {"tree": tree, "svc": svc, "mlp": mlp}, {"tree": weight, "svc": weight, "mlp": weight}, value)


def interior_optimum(study: optuna.Study) -> None:
    """A learning rate whose best values lie inside the range (peak at 1e-3), both ends worse,
    and the ends unevenly sampled so that Spearman alone reports a strong "trend"."""
    rng = np.random.default_rng(3)
    lr_dist = FloatDistribution(1e-5, 1e-1, log=True)
    for i in range(48):
        # Denser on the high side: Spearman's sign then follows the worse, sparser low end.
        exponent = -5 + 4 * math.sqrt((i + 0.5) / 48)
        lr = 10**exponent
        value = 0.9 - 0.08 * (exponent + 3) ** 2 + float(rng.normal(0, 0.01))
        add(study, {"lr": lr, "dropout": float(rng.uniform(0, 0.5))}, {"lr": lr_dist, "dropout": X}, value)


def confounded_pair(study: optuna.Study) -> None:
    """``use_scheduler`` and ``use_cosine`` always equal (the example study's shape), and a numeric
    ``width`` that is a near-copy of ``depth_f``."""
    rng = np.random.default_rng(9)
    for i in range(30):
        on = bool(i % 3 == 0)
        depth = float(rng.uniform())
        value = 0.5 + 0.2 * on + 0.1 * depth + float(rng.normal(0, 0.02))
        add(
            study,
            {"use_scheduler": on, "use_cosine": on, "depth_f": depth, "width": depth * 2 + 1e-3 * (i % 2)},
            {"use_scheduler": FLAG, "use_cosine": FLAG, "depth_f": X, "width": FloatDistribution(0.0, 2.1)},
            value,
        )


BINARY = CategoricalDistribution([1, 0])
SUBSAMPLE = FloatDistribution(0.5, 1.0)


def natural_bounds(study: optuna.Study) -> None:
    """Elites at a categorical's last choice (choices (1, 0)) and at ``subsample`` = 1.0: bounds
    that cannot be widened, which a warning must never ask to widen."""
    for i in range(24):
        flag = 0 if i % 2 else 1
        subsample = 1.0 if i % 3 == 0 else 0.5 + 0.5 * ((i * 0.37) % 1.0) * 0.8
        value = 0.3 + 0.2 * (flag == 0) + 0.4 * (subsample - 0.5) + 0.001 * i
        add(study, {"flag": flag, "subsample": subsample}, {"flag": BINARY, "subsample": SUBSAMPLE}, value)


EIGHT_LEVELS = CategoricalDistribution([f"l{k}" for k in range(8)])


def many_levels(study: optuna.Study) -> None:
    """48 trials over 8 levels, elites (12) mostly on l0: most levels have no elite, by a
    chance that is not small for any single one of them."""
    rng = np.random.default_rng(2)
    for i in range(48):
        level = f"l{i % 8}"
        value = (1.0 if level == "l0" else 0.0) + float(rng.normal(0, 0.5))
        add(study, {"level": level, "x": float(rng.uniform())}, {"level": EIGHT_LEVELS, "x": X}, value)


EMPTY_LEVEL = CategoricalDistribution(["", "a", "b"])


def empty_string_level(study: optuna.Study) -> None:
    """A categorical whose first choice is the empty string, used often and never elite."""
    for i in range(36):
        level = ["", "a", "b"][i % 3]
        value = {"": 0.0, "a": 1.0, "b": 1.2}[level] + 0.01 * (i % 5)
        add(study, {"prefix": level, "x": (i * 0.37) % 1.0}, {"prefix": EMPTY_LEVEL, "x": X}, value)


FORMULA_LEVELS = CategoricalDistribution(["=1+1", "+cmd", "-x", "@sum"])


def formula_strings(study: optuna.Study) -> None:
    """User strings that spreadsheets would run as formulas."""
    for i in range(12):
        level = FORMULA_LEVELS.choices[i % 4]
        add(study, {"=HYPERLINK(1)": (i * 0.37) % 1.0, "cmd": level}, {"=HYPERLINK(1)": X, "cmd": FORMULA_LEVELS}, i)


REAL_SHAPES: dict[str, tuple[Callable[[optuna.Study], None], list[str]]] = {
    "single_trial_level": (single_trial_level, ["maximize"]),
    "groups_3_vs_4": (groups_3_vs_4, ["maximize"]),
    "tied_groups": (tied_groups, ["minimize"]),
    "pure_noise": (pure_noise, ["minimize"]),
    "few_extreme_trials": (few_extreme_trials, ["maximize"]),
    "interior_optimum": (interior_optimum, ["maximize"]),
    "outlier_on_its_knot": (outlier_on_its_knot, ["maximize"]),
    "confounded_pair": (confounded_pair, ["maximize"]),
    "natural_bounds": (natural_bounds, ["maximize"]),
    "many_levels": (many_levels, ["maximize"]),
    "empty_string_level": (empty_string_level, ["maximize"]),
    "formula_strings": (formula_strings, ["minimize"]),
}

__all__ = ["EXTREME_TRIALS", "REAL_SHAPES"]
